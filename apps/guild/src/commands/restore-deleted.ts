import { RESTORE_DELETED } from "@guildts/plumbing";
import type { Command } from "../command.js";

/** `guild restore-deleted`: the plumbing program `guild-restore-deleted`, run in-process. */
export const restoreDeleted: Command = { ...RESTORE_DELETED, name: "restore-deleted", group: "plumbing", program: "guild-restore-deleted" };
