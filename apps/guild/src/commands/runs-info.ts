import { CliError, EXIT, LineWriter, runInfoLines, textFor, toJson } from "@guildts/format";
import { addRunOptions, runOptions } from "@guildts/plumbing";
import { scalarKey } from "@guildts/runstore";
import type { Command } from "../command.js";
import { runDetails } from "../runs-info.js";
import { selectOne } from "../select-one.js";

/** `guild runs info [RUN]`: one run's fields, flags and scalars, as Guild 0.9 shows them. */
export const runsInfo: Command = {
  name: "runs info",
  group: "runs",
  takesRuns: true,
  summary: "Show a run's fields, flags and scalars",
  usage: "[RUN] [options]\n\nShow information about a run: the latest (1) by default.\nRUN: an index, or a run id or unique id prefix.",
  examples: [
    "guild runs info            # the latest run",
    "guild runs info -E         # the latest failed run",
    "guild runs info 2 --json | jq .scalars",
  ],
  options: (cli) => addRunOptions(cli).option("--json", "One JSON object: the guild-ls-runs record plus command, from, scalars..."),
  run({ args, opts }) {
    if (args.length > 1) throw new CliError(`unexpected extra argument '${args[1]}'`, EXIT.USAGE);
    const o = runOptions(opts);
    const run = selectOne(o, args[0]);
    const details = runDetails(run);
    const out = new LineWriter();
    if (opts.json) {
      const scalars = Object.fromEntries(
        details.scalars.map((s) => [scalarKey(s), { last: s.last, step: s.lastStep, min: s.min, max: s.max, count: s.count }]),
      );
      out.line(toJson({ ...run, cmd: details.cmd, sourcecode_digest: details.sourcecode_digest, vcs_commit: details.vcs_commit, scalars }));
    } else {
      for (const line of runInfoLines(run, details, { home: process.env.HOME, text: textFor(process.stdout) })) out.line(line);
    }
    out.flush();
    return EXIT.OK;
  },
};
