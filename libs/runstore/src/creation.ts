import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { removeTree } from "./lifecycle.js";
import { parseLockPid, pidExists } from "./status.js";

/**
 * Where new runs are built before they appear: `runs/.guildts-new/<id>/`. A run is written there
 * whole (Guild's write order, §2.6 steps 1-8) and then renamed into `runs/<id>` in one step, so a
 * crash never leaves a half-written run in view. Guild lists only entries of `runs/` holding
 * `.guild/opref`, and our listing skips dot entries, so neither sees a run under construction.
 * Same directory tree as `runs/`, so the final rename never crosses file systems.
 */
export const NEW_RUNS_DIR = ".guildts-new";

export function newRunsRoot(home: string): string {
  return path.join(home, "runs", NEW_RUNS_DIR);
}

/** How long a run under construction without a LOCK (killed before writing it) is given. */
const NO_LOCK_GRACE_MS = 60_000;

/**
 * Whether the run under construction in `dir` was abandoned: the process building it (its pid
 * in `.guild/LOCK`) is gone on this host. A run built on another host is never judged.
 */
export function isAbandonedCreation(dir: string, isAlive: (pid: number) => boolean = pidExists): boolean {
  let host: string | null = null;
  try {
    host = fs.readFileSync(path.join(dir, ".guild", "attrs", "host"), "utf8").trim();
  } catch {
    // not written yet: the builder is on this host or the run is too young to tell
  }
  if (host !== null && host !== "" && host !== os.hostname() && host !== `'${os.hostname()}'`) return false;
  let lock: string | null = null;
  try {
    lock = fs.readFileSync(path.join(dir, ".guild", "LOCK"), "utf8");
  } catch {
    // killed before LOCK was written
  }
  const pid = parseLockPid(lock);
  if (pid !== null) return pid !== process.pid && !isAlive(pid);
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  return st !== undefined && Date.now() - st.mtimeMs > NO_LOCK_GRACE_MS;
}

/** Removes the runs under construction whose builder died (crash-only: the next run cleans up). */
export function sweepAbandonedCreations(home: string): string[] {
  const root = newRunsRoot(home);
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const dir = path.join(root, n);
    if (!isAbandonedCreation(dir)) continue;
    try {
      removeTree(dir);
      removed.push(n);
    } catch {
      // left for `guild check --repair` to report
    }
  }
  return removed;
}
