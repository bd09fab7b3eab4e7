import { EXIT } from "@guildts/format";
import { addRunOptions, runOptions } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";
import { changeRuns, selectForChange } from "../annotate.js";
import { confirmRuns } from "../preview.js";

/** `guild runs mark` (Guild 0.9's, spec §4.5): mark runs (attr `marked: true`) or unmark them. */
export const runsMark: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN...] [options]\n\nMark runs (default: the latest run, 1): a marked run is used rather than the latest run when an\n" +
    "operation requires its operation, and shows `[marked]` in listings. --clear unmarks (default:\n" +
    "every marked run). Asks for confirmation (default: no); -y skips it.",
  examples: [
    "guild runs mark 1 -y                    # mark the latest run",
    "guild runs mark --clear -o prepare -y   # unmark marked prepare runs",
  ],
  options: (cli) =>
    addRunOptions(cli)
      .option("-c, --clear", "Unmark the runs (default RUN: every marked run)")
      .option("-y, --yes", "Do not ask for confirmation"),
  run({ args, opts }) {
    const clear = opts.clear === true;
    // Guild: --clear without RUN acts on every marked run. (Guild also filters plain `mark`
    // without RUN to marked runs, which makes it re-mark the latest marked run: here it marks
    // the latest run, as the RUN default 1 says.)
    if (clear && !args.length) opts.marked = true;
    const o = runOptions(opts);
    const runs = selectForChange(o, args, clear ? ":" : "1");
    if (runs.length === 0) {
      process.stderr.write(clear ? "No runs to unmark.\n" : "No runs to mark.\n");
      return EXIT.OK;
    }
    confirmRuns(runs, {
      intro: clear ? "You are about to unmark the following runs:" : "You are about to mark the following runs:",
      question: "Continue?",
      yes: opts.yes === true,
      refusal: `not ${clear ? "unmarking" : "marking"} ${runs.length} run(s)`,
    });
    const { done, failed } = changeRuns(o, runs, { marked: !clear }, clear ? "unmark" : "mark");
    process.stderr.write(clear ? `Unmarked ${done} run(s)\n` : `Marked ${done} run(s)\n`);
    return failed ? EXIT.NO_MATCH : EXIT.OK;
  },
};
