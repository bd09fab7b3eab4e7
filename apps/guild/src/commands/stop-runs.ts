import { STOP_RUNS } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";

/** `guild stop-runs`: the plumbing program `guild-stop-runs`, run in-process. */
export const stopRuns: CommandBody = { ...STOP_RUNS, program: "guild-stop-runs" };
