import { REV_PARSE_RUN } from "@guildts/plumbing";
import type { Command } from "../command.js";

/** `guild rev-parse-run`: the plumbing program `guild-rev-parse-run`, run in-process. */
export const revParseRun: Command = {
  ...REV_PARSE_RUN,
  name: "rev-parse-run",
  group: "plumbing",
  program: "guild-rev-parse-run",
  takesRuns: true,
};
