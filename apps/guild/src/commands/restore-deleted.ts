import { RESTORE_DELETED } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";

/** `guild restore-deleted`: the plumbing program `guild-restore-deleted`, run in-process. */
export const restoreDeleted: CommandBody = { ...RESTORE_DELETED, program: "guild-restore-deleted" };
