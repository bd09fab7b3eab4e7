import path from "node:path";
import { CliError, EXIT, LineWriter, textFor, tildePath } from "@guildts/format";
import { addGuildShorts, addRunOptions, runOptions } from "@guildts/plumbing";
import { listRunFiles, RunPathError, resolveRunPath } from "@guildts/runstore";
import type { CommandBody } from "../command.js";
import { runPathCliError } from "../run-files.js";
import { selectOne } from "../select-one.js";

/** `guild ls [RUN]` (Guild 0.9's, spec §4.2): a run's files. */
export const ls: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN] [options]\n\nList the files of a run (the latest, 1, by default), natural-sorted, directories with a trailing /.\n" +
    "Hidden names (.guild/...) are left out unless -a (which, as everywhere, also takes runs of every model).\n" +
    "-s/-d/-g: only source code, dependencies or generated files (combinable). --json: one object per line.",
  examples: [
    "guild ls                         # the latest run's files",
    "guild ls -a -p '.guild/attrs/*' f43d2ea1",
    "guild ls -g --json | jq -r .path  # the generated files, one path a line",
  ],
  options: (cli) =>
    // -a/--all is Guild's "every file" (and the scope's --all). Guild's -h is --human-readable,
    // which has no effect in Guild 0.9.1 (it goes with a -x that 0.9.1 lacks): the same here.
    addGuildShorts(addRunOptions(cli), { "-h": "--human-readable" })
      .option("--human-readable", "Guild's -h: accepted, no effect (as in Guild 0.9.1); --help is help")
      .option("-p, --path <path>", "Path to list (with * or ?: a pattern, per path component)")
      .option("-s, --sourcecode", "List source code files")
      .option("-d, --dependencies", "List dependencies")
      .option("-g, --generated", "List generated files")
      .option("-f, --full-path", "Show full paths")
      .option("-L, --follow-links", "Follow links to directories (within the store's runs)")
      .option("--no-format", "Show paths without header or indent")
      .option("-n", "Same as --no-format")
      .option("--json", "One JSON object per line: {path, full_path, dir}"),
  run({ args, opts }) {
    if (args.length > 1) throw new CliError(`unexpected extra argument '${args[1]}'`, EXIT.USAGE);
    const rel = opts.path === undefined ? undefined : String([opts.path].flat().at(-1));
    if (rel !== undefined && path.isAbsolute(rel)) throw runPathCliError(new RunPathError("", "ABSOLUTE"), "guild ls");
    const run = selectOne(runOptions(opts), args[0]);
    if (rel !== undefined && !/[*?]/.test(rel)) {
      // A path naming a link out of the store (or climbing with ..) is refused, not listed as empty.
      try {
        resolveRunPath(run.dir, rel);
      } catch (e) {
        if (!(e instanceof RunPathError && e.code === "ENOENT")) throw runPathCliError(e, "guild ls");
      }
    } else if (rel?.split(/[/\\]/).includes("..")) throw new CliError(`'${rel}' leaves the run directory`, EXIT.NO_MATCH);
    const types = (
      [
        [opts.sourcecode, "s"],
        [opts.dependencies, "d"],
        [opts.generated, "g"],
      ] as const
    )
      .filter(([on]) => on === true)
      .map(([, t]) => t);
    const entries = listRunFiles(run.dir, { path: rel, all: opts.all === true, followLinks: opts.followLinks === true, types });
    const out = new LineWriter();
    const show = textFor(process.stdout);
    const plain = opts.format === false || opts.n === true;
    const full = opts.fullPath === true;
    if (opts.json) {
      for (const e of entries) out.line(JSON.stringify({ path: e.rel, full_path: path.join(run.dir, e.rel), dir: e.dir }));
    } else {
      if (!full && !plain)
        out.line(show(`${process.env.NO_HEADER_PATH === "1" ? path.basename(run.dir) : tildePath(run.dir, process.env.HOME)}:`));
      for (const e of entries) {
        const p = (full ? path.join(run.dir, e.rel) : e.rel) + (e.dir ? "/" : "");
        out.line(show(full || plain ? p : `  ${p}`));
      }
    }
    out.flush();
    return EXIT.OK;
  },
};
