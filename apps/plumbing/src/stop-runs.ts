import fs from "node:fs";
import path from "node:path";
import { CliError, EXIT, LineWriter, oneLine, plainField, toJson } from "@guildts/format";
import { stopRun, type StopResult } from "@guildts/runner";
import { isSafeRunName } from "@guildts/runstore";
import { addHomeOption, plumbingMain, type CommandDef } from "./cli.js";
import { homeOption } from "./run-options.js";
import { idsFrom, notFullId } from "./lifecycle-cmds.js";
import { PLUMBING_SUMMARIES } from "./summaries.js";

export interface StopRunsOptions {
  /** Seconds to wait after SIGTERM (Guild's --timeout, default 30). */
  timeout?: number;
  force?: boolean;
  /** Called when a run's process is about to be signalled (`Stopping ID (pid N)`). */
  onStopping?: (id: string, pid: number) => void;
}

/**
 * Stops runs by full id, all at once (each waits its own timeout), resolving to one result per
 * id in the order given: the one implementation behind `guild-stop-runs` and `guild runs stop`.
 * An id that is no run gives outcome `not-found`.
 */
export async function stopRuns(home: string, ids: readonly string[], opts: StopRunsOptions = {}): Promise<(StopResult | NotFound)[]> {
  const timeoutMs = (opts.timeout ?? 30) * 1000;
  return Promise.all(
    ids.map(async (id): Promise<StopResult | NotFound> => {
      const dir = path.join(home, "runs", id);
      if (!isSafeRunName(id) || id.startsWith(".")) return notFound(id, "invalid run id (a run id is a directory name, never a path)");
      if (!fs.existsSync(path.join(dir, ".guild")))
        return notFound(id, /^[0-9a-f]{32}$/.test(id) ? "no such run" : `no such run: ${notFullId(id)}`);
      return stopRun(dir, id, { timeoutMs, force: opts.force === true, onStopping: (pid) => opts.onStopping?.(id, pid) });
    }),
  );
}

export interface NotFound {
  id: string;
  outcome: "not-found";
  pid: null;
  survivors: number[];
  exit_status: null;
  reason: string;
}

function notFound(id: string, reason: string): NotFound {
  return { id, outcome: "not-found", pid: null, survivors: [], exit_status: null, reason };
}

/** `--timeout N`: a whole number of seconds, 0 or more. */
export function timeoutOption(v: unknown): number {
  if (v === undefined) return 30;
  const s = String(v);
  if (!/^\d+(\.\d+)?$/.test(s)) throw new CliError(`invalid --timeout '${s}': a number of seconds`, EXIT.USAGE);
  return Number(s);
}

export const STOP_RUNS: CommandDef = {
  summary: PLUMBING_SUMMARIES["guild-stop-runs"],
  usage:
    "[options] [ID...]\n\nStop running runs: SIGTERM to each run's process and every process under it, a wait of\n" +
    "--timeout seconds, then with --force SIGKILL to what is left. A pid in LOCK that is not the\n" +
    "run's own process (reused since the run died) is never signalled. Never prompts.\n" +
    "Prints one line per run: OUTCOME<TAB>ID[<TAB>REASON] (stopped, not-running, not-stopped,\n" +
    "refused, not-found), or a JSON object {id, outcome, pid, survivors, exit_status, reason} with --json.\n" +
    "Exit 0 when every run was stopped, 1 when any was not running, not found or did not stop.",
  examples: ["guild-ls-runs -R --json | guild-stop-runs --stdin --json", "guild-stop-runs --timeout 5 --force $(guild-rev-parse-run -R 1)"],
  options: (cli) =>
    addHomeOption(cli)
      .option("--stdin", "Also read ids from stdin: one id or guild-ls-runs --json record per line")
      .option("--json", "One JSON object per run: {id, outcome, pid, survivors, exit_status, reason}")
      .option("--timeout <seconds>", "How long to wait for a run to stop after SIGTERM (default 30)")
      .option("--force", "SIGKILL the processes still alive after the timeout"),
  async run({ args, opts }) {
    const home = homeOption(opts);
    const timeout = timeoutOption(opts.timeout);
    const ids = idsFrom(args, opts.stdin === true);
    if (ids.length === 0 && !opts.stdin) throw new CliError("no run id given (ids as arguments, or --stdin)", EXIT.USAGE);
    const results = await stopRuns(home.path, ids, { timeout, force: opts.force === true });
    const out = new LineWriter();
    for (const r of results)
      out.line(opts.json ? toJson(r) : [r.outcome, plainField(r.id), ...(r.reason ? [oneLine(r.reason)] : [])].join("\t"));
    out.flush();
    return results.every((r) => r.outcome === "stopped") ? EXIT.OK : EXIT.NO_MATCH;
  },
};

/** main() of guild-stop-runs. */
export function stopRunsMain(argv: string[]): void {
  plumbingMain("guild-stop-runs", STOP_RUNS, argv);
}
