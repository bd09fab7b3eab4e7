import fs from "node:fs";

export const RUN_STATUSES = ["running", "completed", "error", "terminated", "pending", "staged"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Parses the pid in a LOCK file the way Guild does (int of the text), else null. */
export function parseLockPid(text: string | null): number | null {
  if (text === null) return null;
  const t = text.trim();
  return /^[+-]?\d+$/.test(t) ? Number(t) : null;
}

/** One process as /proc shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Start time, in clock ticks since boot (field 22 of /proc/PID/stat). */
  startTicks: number;
  state: string;
}

/** Linux exposes /proc times in USER_HZ, which is 100 on every architecture Node runs on. */
const USER_HZ = 100;

/** `/proc/PID/stat` parsed, or null when there is no such process (or no /proc). */
export function procInfo(pid: number): ProcInfo | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses; the fields follow the last ")".
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTicks)) return null;
  return { pid, ppid, startTicks, state: rest[0] ?? "" };
}

let bootTimeMs: number | null | undefined;

/** When the system booted (ms since the epoch), from /proc/stat's `btime`. */
function bootTime(): number | null {
  if (bootTimeMs !== undefined) return bootTimeMs;
  try {
    const m = /^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "latin1"));
    bootTimeMs = m ? Number(m[1]) * 1000 : null;
  } catch {
    bootTimeMs = null;
  }
  return bootTimeMs;
}

/** When a process started (ms since the epoch, to about a second: btime is whole seconds), or null. */
export function processStartMs(pid: number): number | null {
  const info = procInfo(pid);
  const boot = bootTime();
  if (!info || boot === null) return null;
  return boot + (info.startTicks * 1000) / USER_HZ;
}

/**
 * Whether a process exists: `/proc/<pid>` on Linux (as Guild), else a signal-0 probe. Unlike
 * Guild, a zombie (state Z: exited, not yet reaped) is not alive when init is its parent (an
 * orphan, which container inits reap late), so a run whose process has ended never shows as
 * running; a zombie its live parent is about to reap still counts.
 */
export function pidExists(pid: number): boolean {
  if (pid <= 0 || !Number.isSafeInteger(pid)) return false;
  if (process.platform === "linux") {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    } catch {
      return false;
    }
    // "pid (comm) S ppid ...": comm may hold spaces and parentheses, the state follows the last ")".
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 2);
    if (state !== "Z") return true;
    // A zombie whose own parent lives (not init, which reaps orphans) is a process that has just
    // ended and is being reaped: `guild run` is finishing its run, which is still running.
    const parent = Number(ppid);
    return parent > 1 && parent !== pid && pidExists(parent);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface StatusInputs {
  lockRemote: boolean;
  pending: boolean;
  staged: boolean;
  exitStatus: number | null;
  lockPid: number | null;
}

/** Guild's `Run.status`, in its order (store spec §2.5): markers win over exit_status. */
export function runStatus(s: StatusInputs, isAlive: (pid: number) => boolean = pidExists): RunStatus {
  if (s.lockRemote) return "running";
  if (s.pending) return "pending";
  if (s.staged) return "staged";
  if (s.exitStatus !== null) {
    if (s.exitStatus === 0) return "completed";
    return s.exitStatus < 0 ? "terminated" : "error";
  }
  if (s.lockPid !== null && isAlive(s.lockPid)) return "running";
  return "error";
}
