import fs from "node:fs";
import path from "node:path";
import { CliError, EXACT, EXIT, textFor, writeAll, type TextFilter } from "@guildts/format";
import { addRunOptions, runOptions } from "@guildts/plumbing";
import { runDirForPid, watchRun } from "@guildts/runner";
import { buildRecord, readRunFacts, scalarKey, type ScalarSummary } from "@guildts/runstore";
import { isEmptyFilter } from "@guildts/select";
import type { CommandBody } from "../command.js";
import { selectForCommand, selectOne } from "../select-one.js";

/**
 * `guild watch [RUN]` (Guild's watch_impl): what the run printed so far, then what it prints
 * until it ends, then `Run ID stopped with a status of 'S'`. Ctrl-C stops watching, never the
 * run. `--scalars` (beyond Guild) shows the run's latest scalars as one live line instead.
 */
export const watch: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN] [options]\n\nWatch run output. By default, the command watches the latest running run.\n" +
    "RUN: an index, or a run id or unique id prefix. Ctrl-C stops watching; the run goes on.\n" +
    "--pid PID watches the run of a process (its pid or its parent's, as a number or a pidfile).",
  examples: [
    "guild watch                 # the latest running run",
    "guild watch 2 --scalars     # the second newest run's scalars, live",
    "guild watch --pid run.pid   # the run started with --pidfile run.pid",
  ],
  options: (cli) =>
    addRunOptions(cli)
      .option("-p, --pid <pid>", "Watch the run of the process PID (a process id, or a file holding one)")
      .option("--scalars", "Follow the run's scalars as one live line (step 40 loss 0.31 acc 0.88) instead of its output")
      .option("-r, --remote <name>", "Watch a run of remote NAME (Guild's user config, or ssh:[USER@]HOST[:PORT])"),
  async run({ args, opts }) {
    if (args.length > 1) throw new CliError(`unexpected extra argument '${args[1]}'`, EXIT.USAGE);
    const o = runOptions(opts);
    if (opts.remote !== undefined) return (await import("../remote-run.js")).remoteWatchCmd(args[0], opts, o);
    let run: { id: string; dir: string };
    if (opts.pid !== undefined) {
      if (args.length || !isEmptyFilter(o.filter)) throw new CliError("--pid may not be used with other options", EXIT.USAGE);
      run = runForPid(path.join(o.home.path, "runs"), String(opts.pid));
    } else if (args.length) run = selectOne(o, args[0]);
    else {
      const running = selectForCommand(runOptions({ ...opts, running: true }), [], ":");
      if (!running.length)
        throw new CliError("nothing to watch", EXIT.NO_MATCH, ["You can view the output of a specific run using 'guild watch RUN'."]);
      run = running[0]!;
    }
    // Run ids are directory names: shown escaped on a terminal, as all run data.
    const idErr = textFor(process.stderr)(run.id);
    const idOut = textFor(process.stdout)(run.id);
    if (process.env.NO_WATCHING_MSG !== "1") process.stderr.write(`Watching run ${idErr}\n`);
    const tty = process.stdout.isTTY === true;
    const ac = new AbortController();
    const onInt = () => ac.abort();
    process.on("SIGINT", onInt);
    let lineShown = false;
    let result;
    try {
      result = await watchRun(run.dir, run.id, {
        signal: ac.signal,
        onOutput: opts.scalars ? undefined : (b) => writeAll(1, b),
        onScalars: opts.scalars
          ? (s) => {
              const line = scalarsLine(s, textFor(process.stdout));
              if (!line) return;
              writeAll(1, tty ? `\r\x1b[K${line}` : `${line}\n`);
              lineShown = tty;
            }
          : undefined,
      });
    } finally {
      process.off("SIGINT", onInt);
    }
    if (lineShown) writeAll(1, "\n");
    if (result.end === "aborted") {
      writeAll(1, `\nStopped watching ${idOut}${result.alive ? " (still running)" : ""}\n`);
      return EXIT.OK;
    }
    if (result.end === "deleted") {
      process.stderr.write(`Run ${idErr} was deleted while watching\n`);
      return EXIT.OK;
    }
    if (result.noExitStatus) process.stderr.write(`WARNING: exit status for ${idErr} not written\n`);
    let status = "error";
    try {
      status = buildRecord(run.id, run.dir, false, readRunFacts(run.dir)).record.status;
    } catch {
      process.stderr.write(`Run ${idErr} was deleted while watching\n`);
      return EXIT.OK;
    }
    process.stderr.write(`Run ${idErr} stopped with a status of '${status}'\n`);
    return EXIT.OK;
  },
};

/** Guild's `--pid` argument: a pidfile (first line an int), else a pid; the run whose LOCK names it or its child. */
function runForPid(runsDir: string, arg: string): { id: string; dir: string } {
  let pid: number;
  let text: string | null = null;
  try {
    if (fs.statSync(arg).isFile()) text = fs.readFileSync(arg, "utf8");
  } catch {
    // not a file
  }
  if (text !== null) {
    const first = (text.split("\n")[0] ?? "").trim();
    if (!/^\d+$/.test(first)) throw new CliError(`pidfile ${arg} does not contain a valid pid`, EXIT.NO_MATCH);
    pid = Number(first);
  } else if (/^\d+$/.test(arg.trim())) pid = Number(arg.trim());
  else throw new CliError(`${arg} does not exist`, EXIT.NO_MATCH);
  const dir = runDirForPid(runsDir, pid);
  if (!dir) throw new CliError(`cannot find run for pid ${pid}`, EXIT.NO_MATCH);
  return { id: path.basename(dir), dir };
}

/** `step 40 loss 0.31 acc 0.88`: the latest step and each scalar's last value. */
export function scalarsLine(scalars: readonly ScalarSummary[], text: TextFilter = EXACT): string {
  if (!scalars.length) return "";
  const step = Math.max(...scalars.map((s) => s.lastStep));
  const parts = scalars.map(
    (s) => `${text(scalarKey(s))} ${Number.isFinite(s.last) ? String(Number(s.last.toPrecision(4))) : String(s.last)}`,
  );
  return `step ${step} ${parts.join(" ")}`;
}
