import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { removeTree } from "./lifecycle.js";
import { pidExists } from "./status.js";
import { storeDir } from "./storedir.js";

/**
 * Where new runs are built before they appear: `runs/.guildts-new/<id>.<pid>.<host>/`. A run is written there
 * whole (Guild's write order, §2.6 steps 1-8) and then renamed into `runs/<id>` in one step, so a
 * crash never leaves a half-written run in view. Guild lists only entries of `runs/` holding
 * `.guild/opref`, and our listing skips dot entries, so neither sees a run under construction.
 * Same directory tree as `runs/`, so the final rename never crosses file systems.
 */
export const NEW_RUNS_DIR = ".guildts-new";

export function newRunsRoot(home: string): string {
  return path.join(home, "runs", NEW_RUNS_DIR);
}

/**
 * The directory name of a run under construction: `<id>.<pid>.<host>` of the process building
 * it, so that whether its builder is gone can be told from the name alone, even when it was
 * killed right after the mkdir, before writing anything.
 */
export function newRunName(id: string): string {
  return `${id}.${process.pid}.${os.hostname()}`;
}

const NEW_RUN_NAME = /^([^.]+)\.(\d+)\.(.+)$/;

/** The run id of a run under construction, from its directory name. */
export function newRunId(name: string): string {
  return NEW_RUN_NAME.exec(name)?.[1] ?? name;
}

/** Entries of an unknown shape are judged by age. */
const UNKNOWN_GRACE_MS = 60_000;

/**
 * Whether the run under construction in `dir` was abandoned: the process building it (named in
 * the directory name) is gone on this host. A run built on another host is never judged.
 */
export function isAbandonedCreation(dir: string, isAlive: (pid: number) => boolean = pidExists): boolean {
  const m = NEW_RUN_NAME.exec(path.basename(dir));
  if (m) {
    const pid = Number(m[2]);
    return m[3] === os.hostname() && pid !== process.pid && !isAlive(pid);
  }
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  return st !== undefined && Date.now() - st.mtimeMs > UNKNOWN_GRACE_MS;
}

/**
 * `runs/.guildts-new/`, checked and made if missing, for a run about to be built. Throws
 * StoreDirError when it is a symbolic link or not a directory: nothing is built in it or swept.
 */
export function newRunsDir(home: string): string {
  return storeDir(home, "new-runs", { create: true })!;
}

/**
 * Removes the runs under construction whose builder died (crash-only: the next run cleans up).
 * Throws StoreDirError when `runs/.guildts-new` is a symbolic link or not a directory.
 */
export function sweepAbandonedCreations(home: string): string[] {
  const root = storeDir(home, "new-runs");
  if (root === null) return [];
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
