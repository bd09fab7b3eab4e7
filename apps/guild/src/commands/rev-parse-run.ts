import { REV_PARSE_RUN } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";

/** `guild rev-parse-run`: the plumbing program `guild-rev-parse-run`, run in-process. */
export const revParseRun: CommandBody = {
  ...REV_PARSE_RUN,
  program: "guild-rev-parse-run",
  takesRuns: true,
};
