import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pidExists } from "./status.js";

/**
 * Advisory locks in `GUILD_HOME/locks/` (where Guild keeps its own), for the read-modify-write
 * updates of a run (`label --append`, say) that would otherwise lose a concurrent update.
 *
 * A lock is a file created with O_EXCL holding `<pid> <host> <nonce>`. Node has no flock(2), so
 * a holder killed with SIGKILL leaves its file behind: a waiter removes it once that pid is gone
 * on this host (a lock of another host is never judged, only waited for), and `guild check`
 * reports and repairs leftovers.
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

/** Whether the holder of a lock file is known to be gone (dead pid on this host). */
export function lockIsStale(file: string, isAlive: (pid: number) => boolean = pidExists): boolean {
  let text: string;
  let st: fs.Stats;
  try {
    text = fs.readFileSync(file, "utf8");
    st = fs.statSync(file);
  } catch {
    return false;
  }
  const holder = parseLockHolder(text);
  // An empty file is a holder killed between create and write: stale once it is not brand new.
  if (!holder) return Date.now() - st.mtimeMs > 5_000;
  return holder.host === os.hostname() && holder.pid !== process.pid && !isAlive(holder.pid);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Removes a stale lock file, taking care not to remove a live lock that just replaced it. */
function breakStale(file: string, seen: string): void {
  const aside = `${file}.stale.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // another waiter broke it first
  }
  let text = "";
  try {
    text = fs.readFileSync(aside, "utf8");
  } catch {
    // gone: nothing to put back
  }
  if (text !== seen) {
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
 * Runs `fn` holding the lock file `file`, waiting up to `timeoutMs` for another holder. Throws
 * LockTimeoutError naming the holder when the wait is too long.
 */
export function withLock<T>(file: string, fn: () => T, opts: { timeoutMs?: number; isAlive?: (pid: number) => boolean } = {}): T {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const me = `${process.pid} ${os.hostname()} ${crypto.randomBytes(6).toString("hex")}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    let fd: number | null = null;
    try {
      fd = fs.openSync(file, "wx", 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (fd !== null) {
      try {
        fs.writeSync(fd, me);
      } finally {
        fs.closeSync(fd);
      }
      break;
    }
    let seen = "";
    try {
      seen = fs.readFileSync(file, "utf8");
    } catch {
      continue; // released meanwhile: try again at once
    }
    if (lockIsStale(file, opts.isAlive)) {
      breakStale(file, seen);
      continue;
    }
    if (Date.now() > deadline) {
      const h = parseLockHolder(seen);
      throw new LockTimeoutError(`${file} is held by ${h ? `pid ${h.pid} on ${h.host}` : "another process"}; gave up after ${timeoutMs} ms`);
    }
    sleep(Math.min(50, 2 + attempt) + Math.random() * 5);
  }
  try {
    return fn();
  } finally {
    // Only our own file: never release a lock someone broke and re-took.
    try {
      if (fs.readFileSync(file, "utf8") === me) fs.unlinkSync(file);
    } catch {
      // already gone
    }
  }
}
