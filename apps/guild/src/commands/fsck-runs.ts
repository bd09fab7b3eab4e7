import { FSCK_RUNS } from "@guildts/plumbing";
import type { Command } from "../command.js";

/** `guild fsck-runs`: the plumbing program `guild-fsck-runs`, run in-process. */
export const fsckRuns: Command = { ...FSCK_RUNS, name: "fsck-runs", group: "plumbing", program: "guild-fsck-runs" };
