import { CliError, EXIT, LineWriter, oneLine, toJson } from "@guildts/format";
import { checkStore, type CheckResult, type Problem } from "@guildts/runstore";
import { addHomeOption, homeOption, newCli, parseArgs, runMain, VERSION } from "./cli.js";

/**
 * Checks a store with progress on stderr when it is a terminal (a 100k-run check reads every
 * attr). The one implementation behind `guild-fsck-runs` and the porcelain's `guild check`.
 */
export function checkWithProgress(home: string, opts: { repair: boolean; onProblem?: (p: Problem) => void }): CheckResult {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  const result = checkStore(home, {
    repair: opts.repair,
    onProblem: opts.onProblem,
    onProgress: tty
      ? (n, total) => {
          const now = Date.now();
          if (now - last < 200 && n < total) return;
          last = now;
          process.stderr.write(`\rChecking runs: ${n}/${total}${n === total ? "\n" : ""}`);
        }
      : undefined,
  });
  return result;
}

/** Problems a repair did not make go away: what the exit status is about. */
export function remaining(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.repaired !== true);
}

export function fsckMain(argv: string[]): void {
  const prog = "guild-fsck-runs";
  runMain(prog, () => {
    const cli = addHomeOption(newCli(prog))
      .usage(
        "[options]\n\nCheck a Guild home: every run in runs/ and trash/runs/, and guildts's own working files.\n" +
          "Reports runs without opref, unparsable opref or attrs, a run both in runs/ and in the trash,\n" +
          "stale LOCK files, leftover temporary files of an interrupted write, interrupted creations\n" +
          "and purges, stale lock files, and symlinks that leave the store or lead nowhere.\n" +
          "Changes nothing unless --repair is given; --repair removes only leftovers of processes\n" +
          "that are gone, never a run's data.\n\n" +
          "Prints one line per problem: SEVERITY<TAB>KIND<TAB>PATH<TAB>MESSAGE, or with --json one object\n" +
          "{kind, severity, id, path, message, repair, repaired}. A summary goes to stderr.\n" +
          "Exit 0 when no problem remains, 1 when some do, 2 for bad usage, 5 when the check failed.",
      )
      .option("--repair", "Make the repairs that are safe (leftovers of processes that are gone)")
      .option("--json", "One JSON object per problem");
    cli.help();
    cli.version(VERSION);
    const parsed = parseArgs(cli, argv);
    if (!parsed) return EXIT.OK;
    if (parsed.args.length) throw new CliError(`unexpected argument '${parsed.args[0]}'`, EXIT.USAGE);
    const home = homeOption(parsed.opts).path;
    const out = new LineWriter();
    const json = parsed.opts.json === true;
    const result = checkWithProgress(home, {
      repair: parsed.opts.repair === true,
      onProblem: (p) => out.line(json ? toJson(p) : [p.severity, p.kind, p.path, oneLine(p.message)].join("\t")),
    });
    out.flush();
    const left = remaining(result.problems);
    const repaired = result.problems.length - left.length;
    process.stderr.write(
      `${prog}: checked ${result.runs} run(s) and ${result.deletedRuns} deleted run(s): ` +
        (result.problems.length === 0
          ? "no problems\n"
          : `${result.problems.length} problem(s)${parsed.opts.repair ? `, ${repaired} repaired` : ""}\n`),
    );
    return left.length ? EXIT.NO_MATCH : EXIT.OK;
  });
}
