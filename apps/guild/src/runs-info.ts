import { CliError, EXIT, LineWriter, runInfoLines, toJson, type RunDetails } from "@guildts/format";
import { addRunOptions, newCli, parseArgs, runOptions } from "@guildts/plumbing";
import { readAttr, readScalars, scalarKey, type RunRecord } from "@guildts/runstore";
import { selectOne } from "./select-one.js";

function str(v: unknown): string | null {
  return typeof v === "string" ? v : v === undefined || v === null ? null : String(v);
}

/** What `runs info` reads beyond the listing record (attrs, scalars of event files). */
export function runDetails(r: RunRecord): RunDetails {
  const cmd = readAttr(r.dir, "cmd");
  return {
    cmd: Array.isArray(cmd) ? cmd.map((x) => String(x)) : null,
    sourcecode_digest: str(readAttr(r.dir, "sourcecode_digest")),
    vcs_commit: str(readAttr(r.dir, "vcs_commit")),
    scalars: readScalars(r.dir, (file, e) => process.stderr.write(`guild: warning: run ${r.id}: cannot read ${file}: ${e.message}\n`)),
  };
}

/** `guild runs info [RUN]`: one run's fields, flags and scalars, as Guild 0.9 shows them. */
export function runsInfo(argv: string[], prog = "guild runs info"): number {
  const cli = addRunOptions(newCli(prog))
    .usage("[RUN] [options]\n\nShow information about a run: the latest (1) by default.\nRUN: an index, or a run id or unique id prefix.")
    .option("--json", "One JSON object: the guild-ls-runs record plus command, from, scalars...");
  cli.help();
  const parsed = parseArgs(cli, argv);
  if (!parsed) return EXIT.OK;
  if (parsed.args.length > 1) throw new CliError(`unexpected extra argument '${parsed.args[1]}'`, EXIT.USAGE);
  const o = runOptions(parsed.opts);
  const run = selectOne(o, parsed.args[0]);
  const details = runDetails(run);
  const out = new LineWriter();
  if (parsed.opts.json) {
    const scalars = Object.fromEntries(
      details.scalars.map((s) => [scalarKey(s), { last: s.last, step: s.lastStep, min: s.min, max: s.max, count: s.count }]),
    );
    out.line(toJson({ ...run, cmd: details.cmd, sourcecode_digest: details.sourcecode_digest, vcs_commit: details.vcs_commit, scalars }));
  } else {
    for (const line of runInfoLines(run, details, { home: process.env.HOME })) out.line(line);
  }
  out.flush();
  return EXIT.OK;
}
