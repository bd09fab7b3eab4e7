import fs from "node:fs";
import path from "node:path";
import { parseLockPid, pidExists, processStartMs, procInfo, readAttr, writeAttr } from "@guildts/runstore";
import { timestampUs } from "./timestamp.js";

/**
 * Stopping a running run (Guild's `run_util.stop_run`): the process named by the run's `.guild/LOCK`
 * and every process under it get SIGTERM; with `force`, the survivors get SIGKILL after the
 * timeout. The pid in LOCK is only trusted when that process is the run's own (see
 * `runProcess`): a pid the system has since given to another process is never signalled.
 * (`procInfo` and `processStartMs` live in the run store, which needs them for its move rule.)
 */

export { type ProcInfo, processStartMs, procInfo } from "@guildts/runstore";

/** The `RUN_ID` in a process's environment; undefined when it has none, null when it cannot be read. */
function environRunId(pid: number): string | undefined | null {
  let env: Buffer;
  try {
    env = fs.readFileSync(`/proc/${pid}/environ`);
  } catch {
    return null;
  }
  for (const entry of env.toString("latin1").split("\0")) {
    if (entry.startsWith("RUN_ID=")) return entry.slice("RUN_ID=".length);
  }
  return undefined;
}

/**
 * How far before its `started` attr a run's process may have started (guildts and Guild start
 * the process just after writing `started`; a background worker just before it), and how long after.
 */
const START_SLACK_BEFORE_MS = 5_000;
const START_SLACK_AFTER_MS = 10_000;

/**
 * Whether `pid` is the process of the run `id` in `dir`: its environment names the run
 * (`RUN_ID`, which Guild and guildts both set), or, when the environment is unreadable or
 * holds no RUN_ID, the process started when the run did (the `started` attr). Anything else is
 * a pid reused by an unrelated process after the run's own died without cleaning up.
 */
export function isRunProcess(pid: number, id: string, dir: string): boolean {
  const envId = environRunId(pid);
  if (typeof envId === "string") return envId === id;
  const startMs = processStartMs(pid);
  const started = readAttr(dir, "started");
  if (startMs === null) return process.platform !== "linux"; // no /proc: nothing to check against
  if (typeof started !== "number") return false;
  const startedMs = started / 1000;
  return startMs >= startedMs - START_SLACK_BEFORE_MS && startMs <= startedMs + START_SLACK_AFTER_MS;
}

/** Every process's parent, from /proc. */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = fs.readdirSync("/proc");
  } catch {
    return children;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (!info) continue;
    const list = children.get(info.ppid);
    if (list) list.push(info.pid);
    else children.set(info.ppid, [info.pid]);
  }
  return children;
}

/** `pid` and every process under it (children, their children...), the root first. */
export function processTree(pid: number): number[] {
  const children = parentMap();
  const out: number[] = [];
  const seen = new Set<number>();
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** What `runProcess` finds: the run's live process, or why there is none to signal. */
export type RunProcess =
  | { pid: number }
  | { pid: number | null; notRunning: "no-lock" | "exited" | "dead" | "reused" | "remote"; detail?: string };

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, "latin1");
  } catch {
    return null;
  }
}

/** The process of a running run, checked to be the run's own (never a reused pid). */
export function runProcess(dir: string, id: string): RunProcess {
  const remote = readText(path.join(dir, ".guild", "LOCK.remote"));
  if (remote !== null) return { pid: null, notRunning: "remote", detail: remote.trim() };
  const pid = parseLockPid(readText(path.join(dir, ".guild", "LOCK")));
  // Guild's status rule: once exit_status is written the run is over, whatever LOCK says.
  if (readAttr(dir, "exit_status") !== undefined) return { pid, notRunning: "exited" };
  if (pid === null) return { pid: null, notRunning: "no-lock" };
  if (!pidExists(pid)) return { pid, notRunning: "dead" };
  if (!isRunProcess(pid, id, dir)) return { pid, notRunning: "reused" };
  return { pid };
}

export type StopOutcome = "stopped" | "not-running" | "not-stopped" | "refused";

/** What stopping one run did: `guild-stop-runs --json` prints it as is. */
export interface StopResult {
  id: string;
  outcome: StopOutcome;
  /** The pid in LOCK (null when there is none). */
  pid: number | null;
  /** The processes that were still alive at the end (outcome not-stopped). */
  survivors: number[];
  /** The status attr the run ended with (exit_status), or null. */
  exit_status: number | null;
  reason: string | null;
}

export interface StopOptions {
  /** How long to wait for the processes to end after SIGTERM (Guild's --timeout, 30 s). */
  timeoutMs?: number;
  /** SIGKILL what survives the timeout, then wait 5 s more (Guild's --force). */
  force?: boolean;
  /** Called once the run's process is known, before any signal (Guild's `Stopping ID (pid N)`). */
  onStopping?: (pid: number) => void;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // gone meanwhile, or not ours (EPERM): it shows up among the survivors
    }
  }
}

async function waitGone(pids: number[], ms: number, pollMs: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = pids.filter(pidExists);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
}

function exitStatusOf(dir: string): number | null {
  const v = readAttr(dir, "exit_status");
  return typeof v === "number" ? v : null;
}

const NOT_RUNNING_REASON: Record<string, string> = {
  "no-lock": "no LOCK: the run has no process",
  exited: "the run has exited",
  dead: "the process in LOCK has ended",
  reused: "the pid in LOCK now belongs to another process (not signalled)",
  remote: "a remote run (LOCK.remote): stopping remote runs is not supported",
};

/**
 * Stops the run `id` in `dir` (only when it is running): SIGTERM to its process tree, a wait of
 * `timeoutMs`, then with `force` SIGKILL to the survivors and 5 s more. The process that started
 * the run records the exit status (-15, terminated) as it ends; when that process is gone too
 * (killed, or the machine's init adopted the op), the status is written here, as Guild's parent
 * would have written it.
 */
export async function stopRun(dir: string, id: string, opts: StopOptions = {}): Promise<StopResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const pollMs = opts.pollMs ?? 100;
  const proc = runProcess(dir, id);
  if ("notRunning" in proc) {
    return {
      id,
      outcome: proc.notRunning === "remote" ? "refused" : "not-running",
      pid: proc.pid,
      survivors: [],
      exit_status: exitStatusOf(dir),
      reason: NOT_RUNNING_REASON[proc.notRunning]! + (proc.detail ? ` (${proc.detail})` : ""),
    };
  }
  const { pid } = proc;
  opts.onStopping?.(pid);
  const parent = procInfo(pid)?.ppid ?? null;
  const tree = processTree(pid);
  signal(tree, "SIGTERM");
  let alive = await waitGone(tree, timeoutMs, pollMs);
  let lastSignal = 15;
  if (alive.length && opts.force) {
    signal(alive, "SIGKILL");
    lastSignal = 9;
    alive = await waitGone(alive, 5_000, pollMs);
  }
  if (!alive.includes(pid)) await recordExit(dir, parent, lastSignal, pollMs);
  return {
    id,
    outcome: alive.length ? "not-stopped" : "stopped",
    pid,
    survivors: alive,
    exit_status: exitStatusOf(dir),
    reason: alive.length ? `processes did not stop: ${alive.join(", ")}` : null,
  };
}

/**
 * After the run's process ended: the parent that started it writes exit_status (waited for up
 * to 5 s while it lives); when there is no such parent, the status is written here.
 */
async function recordExit(dir: string, parent: number | null, sig: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (exitStatusOf(dir) === null && Date.now() < deadline) {
    // Init (1) or a gone parent will never write it.
    if (parent === null || parent <= 1 || !pidExists(parent)) break;
    await sleep(pollMs);
  }
  if (exitStatusOf(dir) !== null || !fs.existsSync(path.join(dir, ".guild"))) return;
  try {
    writeAttr(dir, "exit_status", -sig);
    writeAttr(dir, "stopped", timestampUs());
    fs.rmSync(path.join(dir, ".guild", "LOCK"), { force: true });
  } catch {
    // the run was deleted meanwhile
  }
}
