import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pidExists } from "./status.js";
import { assertRealDirs } from "./storedir.js";

/**
 * Advisory locks in `GUILD_HOME/locks/` (where Guild keeps its own). A run's lock serialises
 * its read-modify-write updates (`label --append`), which would otherwise lose a concurrent
 * update. Moves (delete, restore, purge) do not take it: a write racing a move fails with
 * RunGoneError instead (attrs.ts), which costs nothing on a 100,000-run delete.
 *
 * A lock is a symbolic link whose target text is `<pid> <host> <nonce>`: symlink(2) creates it
 * with its content in one atomic step (no empty lock file if the holder dies at once), and it
 * costs one system call to take and two to release.
 * The link points nowhere and is never followed. Node has no flock(2), so a holder killed with
 * SIGKILL leaves its link: a waiter removes it once that pid is gone on this host (a lock of
 * another host is only waited for), and `guild check` reports and repairs leftovers.
 */
export const LOCK_PREFIX = "guildts-";

export class LockTimeoutError extends Error {
  readonly code = "ELOCKED";
}

export interface LockHolder {
  pid: number;
  host: string;
}

export function locksDir(home: string): string {
  return path.join(home, "locks");
}

export function runLockPath(home: string, id: string): string {
  return path.join(locksDir(home), `${LOCK_PREFIX}run-${id}`);
}

export function parseLockHolder(text: string): LockHolder | null {
  const m = /^(\d+) (\S+)/.exec(text);
  return m ? { pid: Number(m[1]), host: m[2]! } : null;
}

/** The holder text of a lock, or null when there is no lock (or it is not one of ours). */
function readHolder(file: string): string | null {
  try {
    return fs.readlinkSync(file);
  } catch {
    return null;
  }
}

/** Whether the holder of a lock is known to be gone (a dead pid on this host). */
export function lockIsStale(file: string, isAlive: (pid: number) => boolean = pidExists): boolean {
  return lockState(file, readHolder(file), isAlive) === "stale";
}

/**
 * A lock as read once (`text`: its holder, or null when readlink failed): released meanwhile,
 * stale (its holder is gone), or held.
 */
function lockState(file: string, text: string | null, isAlive: (pid: number) => boolean): "released" | "stale" | "held" {
  if (text === null) {
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st === undefined) return "released";
    // Not a symlink: nothing of ours holds it; stale once it is not brand new.
    return !st.isSymbolicLink() && Date.now() - st.mtimeMs > 5_000 ? "stale" : "held";
  }
  const holder = parseLockHolder(text);
  if (!holder) return "stale";
  return holder.host === HOST && holder.pid !== process.pid && !isAlive(holder.pid) ? "stale" : "held";
}

const HOST = os.hostname();
let taken = 0;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Removes a stale lock, taking care not to remove a live lock that just replaced it. */
function breakStale(file: string, seen: string | null): void {
  const aside = `${file}.stale.${process.pid}.${process.getBuiltinModule("node:crypto").randomBytes(4).toString("hex")}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // another waiter broke it first
  }
  if (readHolder(aside) !== seen) {
    // A live lock took the stale one's place between our read and the rename: put it back.
    try {
      fs.linkSync(aside, file);
    } catch {
      // A third process holds the name now; ours cannot be restored (documented limit).
    }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * Runs `fn` holding the lock `file`, waiting up to `timeoutMs` for another holder. Throws
 * LockTimeoutError naming the holder when the wait is too long, and StoreDirError when the
 * lock's directory is a symbolic link or not a directory.
 */
export function withLock<T>(file: string, fn: () => T, opts: { timeoutMs?: number; isAlive?: (pid: number) => boolean } = {}): T {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  // Unique among live holders: pid and host, plus a count within this process.
  const me = `${process.pid} ${HOST} ${++taken}`;
  const deadline = Date.now() + timeoutMs;
  // locks/ must be a real directory: a link would have lock links made wherever it leads.
  // Checked once per process (storedir.ts), so a lock still costs one system call.
  assertRealDirs(path.dirname(file));
  for (let attempt = 0; ; attempt++) {
    try {
      fs.symlinkSync(me, file);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && attempt === 0) {
        // The first lock of this home: make locks/ (not tried first: one syscall per lock saved).
        assertRealDirs(path.dirname(file), { create: true });
        continue;
      }
      if (code !== "EEXIST") throw e;
    }
    const seen = readHolder(file);
    const state = lockState(file, seen, opts.isAlive ?? pidExists);
    if (state === "released") continue;
    if (state === "stale") {
      breakStale(file, seen);
      continue;
    }
    if (Date.now() > deadline) {
      const h = seen === null ? null : parseLockHolder(seen);
      throw new LockTimeoutError(
        `${file} is held by ${h ? `pid ${h.pid} on ${h.host}` : "another process"}; gave up after ${timeoutMs} ms`,
      );
    }
    sleep(Math.min(50, 2 + attempt) + Math.random() * 5);
  }
  try {
    return fn();
  } finally {
    // Only our own lock: never release one that someone broke and re-took.
    if (readHolder(file) === me) {
      try {
        fs.unlinkSync(file);
      } catch {
        // broken by another process meanwhile
      }
    }
  }
}
