import { LS_RUNS } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";

/** `guild ls-runs`: the plumbing program `guild-ls-runs`, run in-process. */
export const lsRuns: CommandBody = { ...LS_RUNS, program: "guild-ls-runs" };
