import { CliError, EXIT, LineWriter, pyJsonDumps, runInfoLines, textFor } from "@guildts/format";
import { addGuildUnsupported, addRunOptions, runOptions } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";
import { runInfoJson } from "../guild-json.js";
import { lineageLines, runComments, runDeps, runDetails } from "../runs-info.js";
import { selectOne } from "../select-one.js";
import { remoteInfoCmd } from "../remote.js";

/** `guild runs info [RUN]`: one run's fields, flags and scalars, as Guild 0.9 shows them. */
export const runsInfo: CommandBody = {
  takesRuns: true,
  usage: "[RUN] [options]\n\nShow information about a run: the latest (1) by default.\nRUN: an index, or a run id or unique id prefix.",
  examples: [
    "guild runs info            # the latest run",
    "guild runs info 2 --json | jq .scalars",
    "guild runs info -c         # with the run's comments",
  ],
  options: (cli) =>
    addGuildUnsupported(addRunOptions(cli), "-e, --env", "-m, --manifest", "-p, --plugins", "--private-attrs")
      .option("-c, --comments", "Show the run's comments under 'comments:' (user, host, time, body)")
      .option("-s, --all-scalars", "Every scalar (sys/* too) with first, last, min, max, avg and total")
      .option("-d, --deps", "Show the run's resolved dependencies (the deps attr) under 'dependencies:'")
      .option("--lineage", "Show the chain of upstream runs (dependencies of dependencies) under 'lineage:'")
      .option("--json", "One JSON object, as Guild 0.9 prints it: the fields below, scalars as [value, step]")
      .option("-r, --remote <name>", "Show a run of remote NAME (Guild's user config, or ssh:[USER@]HOST[:PORT])"),
  run({ args, opts }) {
    if (args.length > 1) throw new CliError(`unexpected extra argument '${args[1]}'`, EXIT.USAGE);
    const o = runOptions(opts);
    if (opts.remote !== undefined) return remoteInfoCmd(args[0], opts.json === true, opts, o);
    const run = selectOne(o, args[0]);
    const details = runDetails(run);
    if (opts.deps) details.deps = runDeps(run);
    if (opts.comments) details.comments = runComments(run);
    if (opts.lineage) details.lineage = lineageLines(run, o.home.path);
    const out = new LineWriter();
    const view = { home: process.env.HOME, allScalars: opts.allScalars === true, text: textFor(process.stdout) };
    if (opts.json) out.line(pyJsonDumps(runInfoJson(run, details, view)));
    else for (const line of runInfoLines(run, details, view)) out.line(line);
    out.flush();
    return EXIT.OK;
  },
};
