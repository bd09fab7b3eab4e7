import fs from "node:fs";
import path from "node:path";
import { isSafeRunName, parseLockPid, readAttr, readScalars, type ScalarSummary } from "@guildts/runstore";
import { procInfo, runProcess } from "./stop.js";

/**
 * Following a run as Guild's `guild watch` does (watch_impl.py): what `.guild/output` holds so
 * far, then what is appended while the run's process lives, then (up to 5 s) its exit status.
 */

export type WatchEnd = "ended" | "deleted" | "aborted";

export interface WatchOptions {
  /** Raw output bytes, both streams as stored. */
  onOutput?: (chunk: Buffer) => void;
  /** The scalars' latest values, at most once per `scalarsMs` while they change. */
  onScalars?: (scalars: ScalarSummary[]) => void;
  scalarsMs?: number;
  /** Stops following (Ctrl-C): the run goes on. */
  signal?: AbortSignal;
  pollMs?: number;
  /** How long to wait for exit_status once the process has ended (Guild: 5 s). */
  exitWaitMs?: number;
}

export interface WatchResult {
  end: WatchEnd;
  /** Whether the run's process was still alive when watching stopped. */
  alive: boolean;
  /** exit_status was not written within the wait (Guild warns). */
  noExitStatus: boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** The run of a pid (Guild's `--pid`): the run whose LOCK names it, or whose LOCK's process it started. */
export function runDirForPid(runsDir: string, pid: number): string | null {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch {
    return null;
  }
  for (const name of names) {
    if (name.startsWith(".") || !isSafeRunName(name)) continue;
    let text: string;
    try {
      text = fs.readFileSync(path.join(runsDir, name, ".guild", "LOCK"), "latin1");
    } catch {
      continue;
    }
    const lockPid = parseLockPid(text);
    if (lockPid === null) continue;
    if (lockPid === pid || procInfo(lockPid)?.ppid === pid) return path.join(runsDir, name);
  }
  return null;
}

/** Follows the run `id` in `dir` until its process ends, the run is deleted, or `signal` aborts. */
export async function watchRun(dir: string, id: string, opts: WatchOptions = {}): Promise<WatchResult> {
  const pollMs = opts.pollMs ?? 100;
  const outFile = path.join(dir, ".guild", "output");
  const live = () => !("notRunning" in runProcess(dir, id));
  let fd: number | null = null;
  let pos = 0;
  const buf = Buffer.alloc(64 * 1024);
  const drain = () => {
    if (fd === null) {
      try {
        // Never through a link: the output is the run's own file.
        fd = fs.openSync(outFile, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      } catch {
        return;
      }
    }
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, pos);
      } catch {
        return;
      }
      if (n <= 0) return;
      pos += n;
      opts.onOutput?.(Buffer.from(buf.subarray(0, n)));
    }
  };
  let lastScalars = "";
  let scalarsAt = 0;
  const scalars = (force = false) => {
    if (!opts.onScalars) return;
    if (!force && Date.now() - scalarsAt < (opts.scalarsMs ?? 1000)) return;
    scalarsAt = Date.now();
    let s: ScalarSummary[];
    try {
      s = readScalars(dir);
    } catch {
      return;
    }
    const key = JSON.stringify(s.map((x) => [x.prefix, x.tag, x.last, x.lastStep]));
    if (key === lastScalars) return;
    lastScalars = key;
    opts.onScalars(s);
  };
  const gone = () => !fs.existsSync(path.join(dir, ".guild"));
  const close = () => {
    if (fd !== null) fs.closeSync(fd);
  };
  try {
    let alive = live();
    const wasAlive = alive;
    while (alive) {
      if (opts.signal?.aborted) {
        drain();
        return { end: "aborted", alive: true, noExitStatus: false };
      }
      drain();
      scalars();
      if (gone()) return { end: "deleted", alive: false, noExitStatus: false };
      await sleep(pollMs, opts.signal);
      alive = live();
    }
    drain();
    if (gone()) return { end: "deleted", alive: false, noExitStatus: false };
    // Guild waits for the exit status only after following a live process.
    const deadline = wasAlive ? Date.now() + (opts.exitWaitMs ?? 5_000) : 0;
    while (readAttr(dir, "exit_status") === undefined && Date.now() < deadline && !opts.signal?.aborted) {
      if (gone()) return { end: "deleted", alive: false, noExitStatus: false };
      await sleep(pollMs, opts.signal);
    }
    drain();
    scalars(true);
    return { end: "ended", alive: false, noExitStatus: wasAlive && readAttr(dir, "exit_status") === undefined };
  } finally {
    close();
  }
}
