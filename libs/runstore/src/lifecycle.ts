import fs from "node:fs";
import path from "node:path";
import { NotARunError, readRunFacts } from "./facts.js";
import { runsRoot } from "./home.js";
import { isSafeRunName } from "./list.js";
import { parseLockPid, pidExists, processStartMs } from "./status.js";
import { StoreDirError, storeDir, storeDirPath } from "./storedir.js";

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

/** How the lifecycle asks about processes; tests replace them. */
export interface ProcessProbes {
  isAlive?: (pid: number) => boolean;
  /** When a process started, ms since the epoch (null: unknown). */
  startedAt?: (pid: number) => number | null;
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

/**
 * Why a run must not be moved or removed now, or null: it is running here or remotely, or it is
 * finishing (see below). `startedAt` (tests) says when a process started, in ms since the epoch.
 */
export function runningReason(
  runDir: string,
  isAlive: (pid: number) => boolean = pidExists,
  startedAt: (pid: number) => number | null = processStartMs,
): string | null {
  // Most runs have neither lock file: two stats decide, without reading the run.
  const lockPath = path.join(runDir, ".guild", "LOCK");
  if (!exists(lockPath) && !exists(path.join(runDir, ".guild", "LOCK.remote"))) return null;
  let facts;
  try {
    facts = readRunFacts(runDir);
  } catch (e) {
    if (e instanceof NotARunError) return null;
    throw e;
  }
  if (facts.lockRemote !== null) return `running remotely (${facts.lockRemote.trim()})`;
  const pid = parseLockPid(facts.lock);
  if (pid === null || !isAlive(pid)) return null;
  if (facts.attrs.exit_status === undefined) return `running (pid ${pid})`;
  // Guild's status rule (exit_status wins whatever LOCK says) decides what is shown, but not
  // what may be moved: between writing exit_status and removing LOCK, `guild run` still writes
  // the run (G6). Its LOCK holder started before it wrote LOCK; a pid the system gave to another
  // process after a crash left LOCK behind started after it, and does not hold the run.
  return lockHeldSinceWritten(lockPath, startedAt(pid)) ? `finishing (pid ${pid})` : null;
}

/** btime is whole seconds: a process start read from /proc is good to about a second. */
const START_PRECISION_MS = 1_000;

function lockHeldSinceWritten(lockPath: string, startMs: number | null): boolean {
  if (startMs === null) return false; // no /proc: Guild's rule alone
  let written: number;
  try {
    written = fs.lstatSync(lockPath).mtimeMs;
  } catch {
    return false; // removed meanwhile: the run has finished
  }
  return startMs <= written + START_PRECISION_MS;
}

function checkId(id: string): LifecycleResult | null {
  return isSafeRunName(id) && !id.startsWith(".")
    ? null
    : { id, outcome: "failed", reason: "invalid run id (a run id is a directory name, never a path)" };
}

function isEnoent(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === "ENOENT";
}

/** A message cut to a readable length (an error can quote a 4 KB path). */
export function cutMessage(text: string, max = 300): string {
  if (text.length <= max) return text;
  const tail = Math.floor((max - 1) / 3);
  return `${text.slice(0, max - 1 - tail)}\u2026${text.slice(-tail)}`;
}

function fail(id: string, e: unknown): LifecycleResult {
  if ((e as NodeJS.ErrnoException).code === "EXDEV") return { id, outcome: "refused", reason: CROSS_DEVICE };
  return { id, outcome: "failed", reason: cutMessage((e as Error).message) };
}

const CROSS_DEVICE =
  "runs/ and trash/ are on different file systems: a run is moved with one rename, which cannot cross them, so nothing was moved (put trash/ on the file system of runs/)";

/** The device of `dir`, or of its nearest existing parent up to `home` (through links). */
function deviceOf(dir: string, home: string): number | null {
  for (let d = dir; ; d = path.dirname(d)) {
    const st = fs.statSync(d, { throwIfNoEntry: false });
    if (st) return st.dev;
    if (d === home || d === path.dirname(d)) return null;
  }
}

/**
 * Why an action's moves cannot work here, checked once before any run is moved: the two
 * directories it renames between (runs/, trash/runs/, trash/.purging/) are on different file
 * systems, so every rename would fail with EXDEV. A copy would break the whole-or-nothing
 * guarantee (G1), so the moves are refused instead. Null when they can be made.
 */
export function crossDeviceReason(home: string, action: "delete" | "restore" | "purge" | "purge-live"): string | null {
  const runs = runsRoot(home);
  const trash = runsRoot(home, true);
  const [from, to] =
    action === "delete"
      ? [runs, trash]
      : action === "restore"
        ? [trash, runs]
        : [action === "purge" ? trash : runs, storeDirPath(home, "purging")];
  const a = deviceOf(from, home);
  const b = deviceOf(to, home);
  return a !== null && b !== null && a !== b ? CROSS_DEVICE : null;
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
export function markDeleted(home: string, id: string, opts: ProcessProbes = {}): LifecycleResult {
  const bad = checkId(id);
  if (bad) return bad;
  const src = path.join(runsRoot(home), id);
  const words = {
    done: "deleted",
    already: "already-deleted",
    missing: "no such run",
    occupied: "the trash already holds a run with this id (restore or purge it first)",
  } as const;
  return moveRun(id, src, path.join(runsRoot(home, true), id), words, () => runningReason(src, opts.isAlive, opts.startedAt));
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

/**
 * `trash/.purging/`, made if missing. Throws StoreDirError when it (or `trash/`'s working
 * area) is a symbolic link or not a directory: a purge never stages or removes through it.
 */
function purgingDir(home: string): string {
  return storeDir(home, "purging", { create: true })!;
}

/**
 * Removes a deleted run for good (a live run with `live`, unless it is running): one rename into
 * `trash/.purging/`, then the removal of that copy, which never follows a symlink.
 */
export function purge(home: string, id: string, opts: { live?: boolean } & ProcessProbes = {}): LifecycleResult {
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
      const running = runningReason(src, opts.isAlive, opts.startedAt);
      if (running) return { id, outcome: "refused", reason: running };
    }
    let staging: string;
    try {
      staging = purgingDir(home);
    } catch (e) {
      if (e instanceof StoreDirError) return { id, outcome: "refused", reason: e.message };
      throw e;
    }
    const staged = path.join(staging, `${id}.${process.pid}.${process.getBuiltinModule("node:crypto").randomBytes(4).toString("hex")}`);
    try {
      fs.renameSync(src, staged);
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
  let names: string[];
  try {
    // A staging area that is a link or a file is left alone (each purge then refuses, naming it).
    const staging = storeDir(home, "purging");
    if (staging === null) return 0;
    names = fs.readdirSync(staging);
  } catch {
    return 0;
  }
  const staging = storeDirPath(home, "purging");
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

/** Paths longer than this are shortened (see removeTree) before going deeper: PATH_MAX is 4096. */
const DEEP_PATH = 1024;

/**
 * Removes a directory tree without ever following a symbolic link: a link is removed itself,
 * never what it points to, so nothing outside `root` is touched. Iterative, so depth costs no
 * stack; and a directory whose path grows past DEEP_PATH is first renamed (one rename, which
 * never follows a link) to a short name directly under `root`, so a 3,000-level chain is
 * removed without ENAMETOOLONG. Node has no unlinkat(2), so this stands in for removing
 * relative to a directory handle.
 */
export function removeTree(root: string): void {
  const st = fs.lstatSync(root, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isDirectory()) {
    ignoreGone(() => fs.unlinkSync(root));
    return;
  }
  // Post-order over an explicit stack: a directory is removed once its entries are.
  const stack: { dir: string; opened: boolean }[] = [{ dir: root, opened: false }];
  let hoisted = 0;
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.opened) {
      stack.pop();
      ignoreGone(() => fs.rmdirSync(top.dir));
      continue;
    }
    top.opened = true;
    if (top.dir.length > DEEP_PATH) {
      let short: string;
      do short = path.join(root, `.guildts-deep.${process.pid}.${hoisted++}`);
      while (exists(short));
      fs.renameSync(top.dir, short);
      top.dir = short;
    }
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(top.dir, { withFileTypes: true });
    } catch (e) {
      // Gone already (another remover got there first) is what we wanted.
      if (isEnoent(e)) continue;
      throw e;
    }
    for (const ent of ents) {
      const p = path.join(top.dir, ent.name);
      if (ent.isDirectory()) stack.push({ dir: p, opened: false });
      else ignoreGone(() => fs.unlinkSync(p));
    }
  }
}

function ignoreGone(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!isEnoent(e)) throw e;
  }
}
