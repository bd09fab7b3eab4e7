import { FSCK_RUNS } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";

/** `guild fsck-runs`: the plumbing program `guild-fsck-runs`, run in-process. */
export const fsckRuns: CommandBody = { ...FSCK_RUNS, program: "guild-fsck-runs" };
