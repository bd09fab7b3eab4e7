import { MARK_DELETED } from "@guildts/plumbing";
import type { Command } from "../command.js";

/** `guild mark-deleted`: the plumbing program `guild-mark-deleted`, run in-process. */
export const markDeleted: Command = { ...MARK_DELETED, name: "mark-deleted", group: "plumbing", program: "guild-mark-deleted" };
