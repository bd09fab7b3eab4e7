import { MARK_DELETED } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";

/** `guild mark-deleted`: the plumbing program `guild-mark-deleted`, run in-process. */
export const markDeleted: CommandBody = { ...MARK_DELETED, program: "guild-mark-deleted" };
