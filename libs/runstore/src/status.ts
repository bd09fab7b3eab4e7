import fs from "node:fs";

export const RUN_STATUSES = ["running", "completed", "error", "terminated", "pending", "staged"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Parses the pid in a LOCK file the way Guild does (int of the text), else null. */
export function parseLockPid(text: string | null): number | null {
  if (text === null) return null;
  const t = text.trim();
  return /^[+-]?\d+$/.test(t) ? Number(t) : null;
}

/**
 * Whether a process exists: `/proc/<pid>` on Linux (as Guild), else a signal-0 probe. Unlike
 * Guild, a zombie (state Z: exited, not yet reaped, common under container inits that reap
 * late) is not alive, so a run whose process has ended never shows as running.
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
    // "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ")".
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
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
