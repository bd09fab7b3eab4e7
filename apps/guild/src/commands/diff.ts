import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { CliError, EXIT, LineWriter, styleFor, textFor } from "@guildts/format";
import { addRunOptions, runOptions } from "@guildts/plumbing";
import { readAttr, resolveRunPath, RunPathError, runFilesRoot, shlexSplit, type RunRecord } from "@guildts/runstore";
import type { CommandBody } from "../command.js";
import { diffPaths, runDiffPairs } from "@guildts/plumbing/diff-runs.js";
import { runPathCliError, sourcecodeDest } from "../run-files.js";
import { selectOne } from "../select-one.js";

const many = (v: unknown): string[] => (v === undefined ? [] : [v].flat().map(String));

/** The working source directory of a run (Guild's `sourcecode_root`, else a script run's dir). */
function workingDir(run: RunRecord): string {
  const opref = run.opref;
  let dir: string | null = null;
  if (opref?.type === "guildfile") {
    const project = /\.ya?ml$/.test(opref.pkg) ? path.dirname(opref.pkg) : opref.pkg;
    const op = readAttr(run.dir, "op");
    const sc = op && typeof op === "object" && !Array.isArray(op) ? (op as Record<string, unknown>).sourcecode : undefined;
    const root = sc && typeof sc === "object" && !Array.isArray(sc) ? (sc as Record<string, unknown>).root : undefined;
    dir = typeof root === "string" && root ? path.join(project, root) : project;
  } else if (opref?.type === "script") dir = opref.pkg;
  if (!dir || !fs.existsSync(dir)) {
    const id = run.id.slice(0, 8);
    throw new CliError(`cannot find working source code directory for run ${id}`, EXIT.NO_MATCH, [
      `Try specifying the directory with 'guild diff ${id} --dir DIR'.`,
    ]);
  }
  return dir;
}

/** A run path of a pair, checked (never leaving the run), as Guild names it: `base/rel`. */
function inRun(run: RunRecord, base: string, rel: string): string {
  try {
    resolveRunPath(run.dir, rel, base);
  } catch (e) {
    if (!(e instanceof RunPathError && e.code === "ENOENT")) throw runPathCliError(e, "guild diff");
  }
  return path.join(base, rel);
}

/** `guild diff [RUN [RUN]]` (Guild 0.9's, spec §4.3). */
export const diff: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN [RUN]] [options]\n\nDiff two runs (default: 2 against 1, the older first), or a run against a directory (--dir) or its\n" +
    "working source code (--working). Without -c the diff is built in: what Guild's default `diff -ru`\n" +
    "prints (unified, coloured on a terminal). -c CMD runs CMD PATH OTHER_PATH for each pair (no shell).\n",
  examples: [
    "guild diff --flags                  # the latest two runs' flags",
    "guild diff f43d2ea1 d97e9238 -a     # every attribute (Guild's -a/--attrs)",
    "guild diff --working -s             # the latest run's source against the project",
  ],
  options: (cli) =>
    // -a is Guild's --attrs; the scope's --all keeps its long name.
    addRunOptions(cli, ["a"])
      .option("-O, --output", "Diff run output")
      .option("-s, --sourcecode", "Diff run source code")
      .option("-e, --env", "Diff run environment")
      .option("-f, --flags", "Diff run flags")
      .option("-a, --attrs", "Diff all run attributes (the other attribute options are then ignored)")
      .option("-D, --deps", "Diff run dependencies")
      .option("-p, --path <path>", "Diff PATH (relative to the run dir; with -s to the source code); repeatable")
      .option("-w, --working", "Diff the run's source code against its working source directory")
      .option("-d, --dir <dir>", "Diff the run against DIR (relative to the cwd)")
      .option("-c, --cmd <cmd>", "Command to diff with: CMD PATH OTHER_PATH (split like a shell, run without one)"),
  run({ args, opts }) {
    if (args.length > 2) throw new CliError(`unexpected extra argument '${args[2]}'`, EXIT.USAGE);
    if (opts.working && opts.dir !== undefined) throw new CliError("--working and --dir cannot both be used", EXIT.USAGE);
    if (opts.working && opts.sourcecode) throw new CliError("--working and --sourcecode cannot both be used", EXIT.USAGE);
    const single = opts.working || opts.dir !== undefined;
    let [first, second] = args;
    if (first === undefined) [first, second] = single ? ["1", undefined] : ["2", "1"];
    else if (second === undefined && !single)
      throw new CliError("diff requires two runs", EXIT.NO_MATCH, [
        "Try specifying a second RUN or 'guild diff --help' for more information.",
      ]);
    else if (second !== undefined && opts.dir !== undefined) throw new CliError("cannot specify second RUN and --dir", EXIT.NO_MATCH);
    else if (second !== undefined && opts.working) throw new CliError("cannot specify second RUN and --working", EXIT.NO_MATCH);
    const relPaths = many(opts.path);
    for (const p of relPaths) if (path.isAbsolute(p)) throw runPathCliError(new RunPathError("", "ABSOLUTE"), "guild diff");
    const o = runOptions(opts);
    const run = selectOne(o, first);
    const pairs: [string, string][] = [];
    /** The pairs of two dirs: each -p under both, else the dirs themselves. */
    const dirPairs = (runDir: string, other: string, otherRun: RunRecord | null) =>
      relPaths.length
        ? relPaths.map((p): [string, string] => [inRun(run, runDir, p), otherRun ? inRun(otherRun, other, p) : path.join(other, p)])
        : [[runDir, other] as [string, string]];
    let other: RunRecord | null = null;
    if (opts.dir !== undefined) pairs.push(...dirPairs(run.dir, path.resolve(String(opts.dir)), null));
    else if (opts.working) pairs.push(...dirPairs(sourcecodeDest(run), workingDir(run), null));
    else {
      other = selectOne(o, second);
      if (opts.attrs)
        for (const [on, name] of [
          [opts.env, "env"],
          [opts.flags, "flags"],
          [opts.deps, "deps"],
        ] as const)
          if (on) process.stderr.write(`WARNING: ignoring --${name} (already included in --attrs)\n`);
      // The attrs and output pairs (the view's /api/diff makes the same), then the source code's.
      const parts = { attrs: !!opts.attrs, env: !!opts.env, flags: !!opts.flags, deps: !!opts.deps, output: !!opts.output };
      pairs.push(...runDiffPairs(run, other, parts));
      if (opts.sourcecode) pairs.push(...dirPairs(sourcecodeDest(run), sourcecodeDest(other), other));
      else if (relPaths.length) pairs.push(...dirPairs(run.dir, other.dir, other));
      if (!pairs.length) pairs.push([run.dir, other.dir]);
    }
    if (opts.cmd !== undefined) {
      const cmd = String(many(opts.cmd).at(-1));
      let base: string[];
      try {
        base = shlexSplit(cmd);
      } catch (e) {
        throw new CliError(`invalid --cmd '${cmd}': ${(e as Error).message}`, EXIT.USAGE);
      }
      if (!base.length) throw new CliError("--cmd is empty", EXIT.USAGE);
      for (const [a, b] of pairs) {
        const argv = [...base, a, b];
        const r = spawnSync(argv[0]!, argv.slice(1), { stdio: "inherit" });
        // Guild ignores the command's exit status (diff exits 1 when the files differ).
        if (r.error) throw new CliError(`error running '${argv.join(" ")}': ${r.error.message}`, EXIT.NO_MATCH);
      }
      return EXIT.OK;
    }
    const out = new LineWriter();
    const roots = [runFilesRoot(run.dir), ...(other ? [runFilesRoot(other.dir)] : [])];
    const outside = [opts.dir !== undefined ? path.resolve(String(opts.dir)) : null, opts.working ? workingDir(run) : null].filter(
      (x) => x !== null,
    );
    const view = {
      style: styleFor(process.stdout),
      text: textFor(process.stdout),
      allowed: (real: string) => [...roots, ...outside].some((r) => real === r || real.startsWith(r + path.sep)),
    };
    for (const [a, b] of pairs)
      diffPaths(a, b, { out: (l) => out.line(l), warn: (m) => (out.flush(), process.stderr.write(`guild: ${m}\n`)) }, view);
    out.flush();
    return EXIT.OK;
  },
};
