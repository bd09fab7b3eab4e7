import fs from "node:fs";

/**
 * Stamps of run directories: the inode, size, mtime and ctime of the paths whose change can
 * alter what a listing reads (see run-index.ts), folded into 53-bit hashes so the index stays
 * small and compares with one `===`.
 */

/** Paths stamped to trust everything a listing reads from the index, relative to the run dir. */
export const FULL_PATHS = ["/.guild", "/.guild/attrs", "/.guild/attrs/label"] as const;
/** Paths stamped to trust a run's order and scope (opref, started, initialized) only. */
export const ORDER_PATHS = ["/.guild"] as const;
export const TAGS_PATH = "/.guild/attrs/tags";
/** Numbers per stamped path: ino, size, mtimeMs, ctimeMs. */
export const STAT_WIDTH = 4;

/** Writes the stats of `file` at `out[at..at+4]`; a missing path is ino -1. */
export function statInto(file: string, out: Float64Array, at: number): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    // A symlink loop or an unreadable directory: stamped as missing, so the run is read (and
    // skipped with its own warning) instead of the whole listing failing.
    st = undefined;
  }
  if (st) {
    out[at] = st.ino;
    out[at + 1] = st.size;
    out[at + 2] = st.mtimeMs;
    out[at + 3] = st.ctimeMs;
  } else {
    out[at] = -1;
    out[at + 1] = out[at + 2] = out[at + 3] = 0;
  }
}

/** Stats `subs` of each run: subs.length * STAT_WIDTH numbers per run, in `names` order. */
export function statRuns(root: string, names: readonly string[], subs: readonly string[]): Float64Array {
  const out = new Float64Array(names.length * subs.length * STAT_WIDTH);
  let at = 0;
  for (const name of names) {
    const dir = root + "/" + name;
    for (const sub of subs) {
      statInto(dir + sub, out, at);
      at += STAT_WIDTH;
    }
  }
  return out;
}

/**
 * Folds `count` stat numbers from `start` into a hash (two 32-bit FNV-style lanes, kept to 53
 * bits). `extra` is the tags file's stats, or null when it is not stamped.
 */
export function hashStats(stats: Float64Array, start: number, count: number, extra: Float64Array | null): number {
  const words = new Uint32Array(stats.buffer, stats.byteOffset + start * 8, count * 2);
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  const mix = (w: number) => {
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h2 = Math.imul(h2 ^ w, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  };
  for (let i = 0; i < words.length; i++) mix(words[i]!);
  if (extra) {
    const ew = new Uint32Array(extra.buffer, extra.byteOffset, STAT_WIDTH * 2);
    for (let i = 0; i < ew.length; i++) mix(ew[i]!);
  } else mix(0xdeadbeef);
  return (h1 >>> 0) * 2 ** 21 + ((h2 >>> 0) & 0x1fffff);
}

/** The newest mtime/ctime (ms) among `count` stat numbers from `start`, and `extra`. */
export function newestTime(stats: Float64Array, start: number, count: number, extra: Float64Array | null): number {
  let t = 0;
  for (let at = start; at < start + count; at += STAT_WIDTH) t = Math.max(t, stats[at + 2]!, stats[at + 3]!);
  if (extra) t = Math.max(t, extra[2]!, extra[3]!);
  return t;
}

/** Runs per chunk taken from the shared counter. */
export const CHUNK = 2048;

/**
 * A stat job shared by threads. `signal` holds Int32 slots: [0] chunks completed, [1] a failure
 * flag, [2] the next chunk to take.
 */
export interface StatJob {
  root: string;
  names: readonly string[];
  subs: readonly string[];
  stats: SharedArrayBuffer;
  signal: SharedArrayBuffer;
}

/** Takes chunks until none is left, stats them into the shared buffer, counts them done. */
export function statChunks(job: StatJob): void {
  const out = new Float64Array(job.stats);
  const sig = new Int32Array(job.signal);
  const total = Math.ceil(job.names.length / CHUNK);
  const width = job.subs.length * STAT_WIDTH;
  for (;;) {
    const c = Atomics.add(sig, 2, 1);
    if (c >= total) return;
    try {
      const end = Math.min(job.names.length, (c + 1) * CHUNK);
      let at = c * CHUNK * width;
      for (let i = c * CHUNK; i < end; i++) {
        const dir = job.root + "/" + job.names[i];
        for (const sub of job.subs) {
          statInto(dir + sub, out, at);
          at += STAT_WIDTH;
        }
      }
    } catch {
      Atomics.store(sig, 1, 1);
    } finally {
      Atomics.add(sig, 0, 1);
      Atomics.notify(sig, 0);
    }
  }
}
