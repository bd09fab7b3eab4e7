import { CliError, EXIT, textFor } from "@guildts/format";
import { addGuildUnsupported, addRunOptions, runOptions, type RunOptions, stopRuns, timeoutOption } from "@guildts/plumbing";
import type { RunRecord } from "@guildts/runstore";
import { parseSelector } from "@guildts/select";
import type { CommandBody } from "../command.js";
import { confirmRuns } from "../preview.js";
import { selectForCommand } from "../select-one.js";

/** Status options that make no sense here: only running runs are ever stopped. */
const OTHER_STATUS = ["completed", "error", "terminated", "pending", "staged", "notRunning", "deleted"];

/**
 * `guild runs stop` / `guild stop` (Guild's `runs_impl.stop_runs`): running runs only (RUN
 * indexes count among them; no RUN: every running run), Guild's prompt (default no), then per
 * run `Stopping ID (pid N)` and SIGTERM to its process tree through guild-stop-runs' function.
 */
export const runsStop: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN...] [options]\n\nStop one or more runs. Only runs with status of 'running' are considered: RUN indexes\n" +
    "count among the running runs, and without RUN every running run is stopped. Each run's process\n" +
    "and every process under it get SIGTERM; after --timeout seconds, --force sends SIGKILL.\n" +
    "Exit 1 when a process did not stop.",
  examples: ["guild runs stop -y          # every running run", "guild stop 1 --timeout 5 --force", "guild runs stop -o train"],
  options: (cli) =>
    addGuildUnsupported(addRunOptions(cli), "-n, --no-wait")
      .option("-y, --yes", "Do not prompt before stopping")
      .option("--force", "Forcibly stop the runs (SIGKILL) after --timeout")
      .option("--timeout <seconds>", "Timeout in seconds to wait for a run to stop (default is 30)")
      .option("-r, --remote <name>", "Stop runs of remote NAME (Guild's user config, or ssh:[USER@]HOST[:PORT])"),
  async run({ args, opts }) {
    const bad = OTHER_STATUS.find((k) => opts[k] !== undefined && opts[k] !== false);
    if (bad)
      throw new CliError(
        `--${bad.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} does not go with stop: only running runs are stopped`,
        EXIT.USAGE,
      );
    const timeout = timeoutOption(opts.timeout);
    const o = runOptions({ ...opts, running: true });
    if (opts.remote !== undefined) return (await import("../remote-run.js")).remoteStopCmd(args, opts, o);
    const runs = selectRunning(opts, o, args);
    if (runs === null) return EXIT.OK;
    if (runs.length === 0) {
      process.stdout.write("Nothing to stop.\n");
      return EXIT.OK;
    }
    confirmRuns(runs, {
      intro: "You are about to stop the following runs:",
      question: `Stop ${runs.length} run(s)?`,
      yes: opts.yes === true,
      refusal: `not stopping ${runs.length} run(s)`,
    });
    const err = textFor(process.stderr);
    const results = await stopRuns(
      o.home.path,
      runs.map((r) => r.id),
      { timeout, force: opts.force === true, onStopping: (id, pid) => process.stderr.write(`Stopping ${err(id)} (pid ${pid})\n`) },
    );
    const survivors: number[] = [];
    const out = textFor(process.stdout);
    for (const r of results) {
      if (r.outcome === "not-running" || r.outcome === "not-found") {
        process.stdout.write(`Run ${out(r.id)} is not running\n`);
        if (r.outcome === "not-running" && r.reason?.includes("another process"))
          process.stderr.write(`guild: ${err(r.id)}: ${err(r.reason ?? "")}\n`);
      } else if (r.outcome === "refused") process.stderr.write(`guild: ${err(r.id)}: ${err(r.reason ?? "")}\n`);
      survivors.push(...r.survivors);
    }
    if (survivors.length) {
      process.stdout.write(`The following processes did not stop as expected: ${survivors.join(", ")}\n`);
      return EXIT.NO_MATCH;
    }
    return results.some((r) => r.outcome === "refused") ? EXIT.NO_MATCH : EXIT.OK;
  },
};

/**
 * The running runs RUN... select. Run ids (and prefixes) that name no running run but some other
 * run get Guild's `Run ID is not running` and change nothing (null: nothing else to do); indexes
 * only ever count among running runs.
 */
function selectRunning(opts: Record<string, unknown>, o: RunOptions, args: string[]): RunRecord[] | null {
  try {
    return selectForCommand(o, args, ":");
  } catch (e) {
    if (!(e instanceof CliError) || args.length === 0 || !args.every((a) => parseSelector(a).kind === "prefix")) throw e;
    let others: RunRecord[];
    try {
      others = selectForCommand({ ...runOptions({ ...opts, running: false }) }, args, ":");
    } catch {
      throw e;
    }
    const running = others.filter((r) => r.status === "running");
    for (const r of others) if (r.status !== "running") process.stdout.write(`Run ${textFor(process.stdout)(r.id)} is not running\n`);
    return running.length ? running : null;
  }
}
