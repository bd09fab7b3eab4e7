import { LS_RUNS } from "@guildts/plumbing";
import type { Command } from "../command.js";

/** `guild ls-runs`: the plumbing program `guild-ls-runs`, run in-process. */
export const lsRuns: Command = { ...LS_RUNS, name: "ls-runs", group: "plumbing", program: "guild-ls-runs" };
