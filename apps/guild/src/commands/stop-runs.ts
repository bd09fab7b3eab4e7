import { STOP_RUNS } from "@guildts/plumbing";
import type { Command } from "../command.js";

/** `guild stop-runs`: the plumbing program `guild-stop-runs`, run in-process. */
export const stopRuns: Command = { ...STOP_RUNS, name: "stop-runs", group: "plumbing", program: "guild-stop-runs" };
