import { PURGE_DELETED } from "@guildts/plumbing";
import type { Command } from "../command.js";

/** `guild purge-deleted`: the plumbing program `guild-purge-deleted`, run in-process. */
export const purgeDeleted: Command = { ...PURGE_DELETED, name: "purge-deleted", group: "plumbing", program: "guild-purge-deleted" };
