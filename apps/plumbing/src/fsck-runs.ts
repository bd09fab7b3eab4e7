import { CliError, EXIT, LineWriter, oneLine, plainField, toJson } from "@guildts/format";
import { checkStore, type CheckResult, type Problem } from "@guildts/runstore";
import { addHomeOption, plumbingMain, type CommandDef } from "./cli.js";
import { homeOption } from "./run-options.js";
import { PLUMBING_SUMMARIES } from "./summaries.js";

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

/** `guild-fsck-runs`: the store checker, one line or JSON object per problem. */
export const FSCK_RUNS: CommandDef = {
  summary: PLUMBING_SUMMARIES["guild-fsck-runs"],
  usage:
    "[options]\n\nCheck a Guild home: every run in runs/ and trash/runs/, and guildts's own working files.\n" +
    "Reports runs without opref, unparsable opref or attrs, a run both in runs/ and in the trash,\n" +
    "stale LOCK files, leftover temporary files of an interrupted write, interrupted creations\n" +
    "and purges, stale lock files, symlinks that leave the store or lead nowhere, and working\n" +
    "directories (trash/.purging, runs/.guildts-new, locks/, cache/guildts) that are links or files.\n" +
    "Changes nothing unless --repair is given; --repair removes only leftovers of processes\n" +
    "that are gone, never a run's data.\n\n" +
    "Prints one line per problem: SEVERITY<TAB>KIND<TAB>PATH<TAB>MESSAGE (a PATH holding control\ncharacters JSON-quoted, as git quotes odd paths), or with --json one object\n" +
    "{kind, severity, id, path, message, repair, repaired}. A summary goes to stderr.\n" +
    "Exit 0 when no problem remains, 1 when some do, 2 for bad usage, 5 when the check failed.",
  examples: ["guild-fsck-runs --json | jq -c '{kind, path}'", "guild-fsck-runs --repair   # remove what killed commands left behind"],
  options: (cli) =>
    addHomeOption(cli)
      .option("--repair", "Make the repairs that are safe (leftovers of processes that are gone)")
      .option("--json", "One JSON object per problem"),
  run({ prog, args, opts }) {
    if (args.length) throw new CliError(`unexpected argument '${args[0]}'`, EXIT.USAGE);
    const home = homeOption(opts).path;
    const out = new LineWriter();
    const json = opts.json === true;
    const result = checkWithProgress(home, {
      repair: opts.repair === true,
      onProblem: (p) => out.line(json ? toJson(p) : [p.severity, p.kind, plainField(p.path), oneLine(p.message)].join("\t")),
    });
    out.flush();
    const left = remaining(result.problems);
    const repaired = result.problems.length - left.length;
    process.stderr.write(
      `${prog}: checked ${result.runs} run(s) and ${result.deletedRuns} deleted run(s): ` +
        (result.problems.length === 0
          ? "no problems\n"
          : `${result.problems.length} problem(s)${opts.repair ? `, ${repaired} repaired` : ""}\n`),
    );
    return left.length ? EXIT.NO_MATCH : EXIT.OK;
  },
};

export function fsckMain(argv: string[]): void {
  plumbingMain("guild-fsck-runs", FSCK_RUNS, argv);
}
