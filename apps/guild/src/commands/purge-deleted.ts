import { PURGE_DELETED } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";

/** `guild purge-deleted`: the plumbing program `guild-purge-deleted`, run in-process. */
export const purgeDeleted: CommandBody = { ...PURGE_DELETED, program: "guild-purge-deleted" };
