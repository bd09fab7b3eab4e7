import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { NotARunError, readRunFacts } from "./facts.js";
import { runsRoot } from "./home.js";
import { isSafeRunName } from "./list.js";
import { parseLockPid, pidExists } from "./status.js";

/**
 * The lifecycle of a run directory: delete (runs/ → trash/runs/), restore (back), purge
 * (permanent removal). Each move is ONE rename(2), so a crash at any moment leaves every run
 * whole in exactly one of runs/ and trash/runs/. Purge first renames the run into
 * `trash/.purging/` (out of every listing) and only then removes it, so a crash leaves a run
 * either whole in place or gone from view; `finishPurges` completes the removal later.
 */
export type Outcome = "deleted" | "already-deleted" | "restored" | "already-restored" | "purged" | "not-found" | "refused" | "failed";

export interface LifecycleResult {
  id: string;
  outcome: Outcome;
  /** Why, for refused, failed and not-found. */
  reason?: string;
}

/** Outcomes that mean "the run is where the caller wanted it" (exit 0). */
export const OK_OUTCOMES: ReadonlySet<Outcome> = new Set(["deleted", "already-deleted", "restored", "already-restored", "purged"]);

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Why a run must not be moved or removed now, or null: it is running here or remotely. */
export function runningReason(runDir: string, isAlive: (pid: number) => boolean = pidExists): string | null {
  // Most runs have neither lock file: two stats decide, without reading the run.
  if (!exists(path.join(runDir, ".guild", "LOCK")) && !exists(path.join(runDir, ".guild", "LOCK.remote"))) return null;
  let facts;
  try {
    facts = readRunFacts(runDir);
  } catch (e) {
    if (e instanceof NotARunError) return null;
    throw e;
  }
  if (facts.lockRemote !== null) return `running remotely (${facts.lockRemote.trim()})`;
  const pid = parseLockPid(facts.lock);
  // Guild's rule: a run that has exited (exit_status written) is not running, whatever LOCK says.
  if (pid !== null && facts.attrs.exit_status === undefined && isAlive(pid)) return `running (pid ${pid})`;
  return null;
}

function checkId(id: string): LifecycleResult | null {
  return isSafeRunName(id) && !id.startsWith(".")
    ? null
    : { id, outcome: "failed", reason: "invalid run id (a run id is a directory name, never a path)" };
}

function isEnoent(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === "ENOENT";
}

function fail(id: string, e: unknown): LifecycleResult {
  return { id, outcome: "failed", reason: (e as Error).message };
}

/** What a move between runs/ and trash/runs/ reports, by case. */
interface MoveWords {
  done: Outcome;
  already: Outcome;
  /** Reason of not-found. */
  missing: string;
  /** Reason of refused when the destination holds a run of that id. */
  occupied: string;
}

/**
 * Renames `src` to `dst`, making `dst`'s parent only when the rename says it is missing (not
 * on every run of a 100,000-run delete).
 */
function renameMakingParent(src: string, dst: string): void {
  try {
    fs.renameSync(src, dst);
  } catch (e) {
    if (!isEnoent(e) || !exists(src)) throw e;
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.renameSync(src, dst);
  }
}

/** One run from `src` to `dst`, whole (one rename), never over a run of the same id. */
function moveRun(id: string, src: string, dst: string, words: MoveWords, refuse: () => string | null = () => null): LifecycleResult {
  try {
    if (!exists(src)) return exists(dst) ? { id, outcome: words.already } : { id, outcome: "not-found", reason: words.missing };
    const reason = refuse() ?? (exists(dst) ? words.occupied : null);
    if (reason) return { id, outcome: "refused", reason };
    renameMakingParent(src, dst);
    return { id, outcome: words.done };
  } catch (e) {
    // Another process moved it between our checks and the rename: say where it is now.
    if (isEnoent(e) && !exists(src))
      return exists(dst)
        ? { id, outcome: words.already }
        : { id, outcome: "not-found", reason: `${words.missing} (moved by another process)` };
    return fail(id, e);
  }
}

/** Moves runs/<id> to trash/runs/<id> (Guild's trash layout), unless it is running. */
export function markDeleted(home: string, id: string, opts: { isAlive?: (pid: number) => boolean } = {}): LifecycleResult {
  const bad = checkId(id);
  if (bad) return bad;
  const src = path.join(runsRoot(home), id);
  const words = {
    done: "deleted",
    already: "already-deleted",
    missing: "no such run",
    occupied: "the trash already holds a run with this id (restore or purge it first)",
  } as const;
  return moveRun(id, src, path.join(runsRoot(home, true), id), words, () => runningReason(src, opts.isAlive));
}

/** Moves trash/runs/<id> back to runs/<id>; never overwrites a run of the same id. */
export function restoreDeleted(home: string, id: string): LifecycleResult {
  const bad = checkId(id);
  if (bad) return bad;
  const words = {
    done: "restored",
    already: "already-restored",
    missing: "no such deleted run",
    occupied: "runs/ already holds a run with this id",
  } as const;
  return moveRun(id, path.join(runsRoot(home, true), id), path.join(runsRoot(home), id), words);
}

function purgingDir(home: string): string {
  return path.join(home, "trash", ".purging");
}

/**
 * Removes a deleted run for good (a live run with `live`, unless it is running): one rename into
 * `trash/.purging/`, then the removal of that copy, which never follows a symlink.
 */
export function purge(home: string, id: string, opts: { live?: boolean; isAlive?: (pid: number) => boolean } = {}): LifecycleResult {
  const bad = checkId(id);
  if (bad) return bad;
  const src = path.join(runsRoot(home, !opts.live), id);
  try {
    if (!exists(src)) {
      if (!opts.live && exists(path.join(runsRoot(home), id)))
        return { id, outcome: "not-found", reason: "the run is not deleted (delete it first, or purge live runs with --live)" };
      return { id, outcome: "not-found", reason: opts.live ? "no such run" : "no such deleted run" };
    }
    if (opts.live) {
      const running = runningReason(src, opts.isAlive);
      if (running) return { id, outcome: "refused", reason: running };
    }
    const staged = path.join(purgingDir(home), `${id}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`);
    try {
      renameMakingParent(src, staged);
    } catch (e) {
      if (isEnoent(e) && !exists(src)) return { id, outcome: "not-found", reason: "moved or purged by another process" };
      throw e;
    }
    removeTree(staged);
    return { id, outcome: "purged" };
  } catch (e) {
    return fail(id, e);
  }
}

/** Completes purges a crash interrupted: removes what is left in `trash/.purging/`. */
export function finishPurges(home: string): number {
  const staging = purgingDir(home);
  let names: string[];
  try {
    names = fs.readdirSync(staging);
  } catch {
    return 0;
  }
  let done = 0;
  for (const n of names) {
    // A purge in progress in a live process is that process's to finish.
    const pid = purgingOwner(n);
    if (pid !== null && pid !== process.pid && pidExists(pid)) continue;
    removeTree(path.join(staging, n));
    done++;
  }
  return done;
}

/** The pid of the purge that staged `trash/.purging/<name>` (`<id>.<pid>.<random>`), or null. */
export function purgingOwner(name: string): number | null {
  const m = /\.(\d+)\.[0-9a-f]{8}$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Removes a directory tree without ever following a symbolic link: a link is removed itself,
 * never what it points to, so nothing outside `root` is touched.
 */
export function removeTree(root: string): void {
  const st = fs.lstatSync(root, { throwIfNoEntry: false });
  if (!st) return;
  try {
    if (!st.isDirectory()) {
      fs.unlinkSync(root);
      return;
    }
    for (const name of fs.readdirSync(root)) removeTree(path.join(root, name));
    fs.rmdirSync(root);
  } catch (e) {
    // Gone already (another remover got there first) is what we wanted.
    if (!isEnoent(e)) throw e;
  }
}
