import path from "node:path";
import { readCacheFile, writeCacheFile } from "./atomic.js";
import type { RunFacts } from "./facts.js";
import { CHUNK, FULL_PATHS, hashStats, newestTime, statChunks, statInto, statRuns, STAT_WIDTH, TAGS_PATH, type StatJob } from "./stamp.js";

/**
 * A validated on-disk index of run facts, so that a listing of 100k runs stats a few paths per
 * run instead of reading a dozen files.
 *
 * Each entry holds the facts of a run and hashes of the inode, size, mtime and ctime of:
 * - `.guild/`: markers (PENDING, STAGED, LOCK, LOCK.remote) are created or removed there;
 * - `.guild/attrs/`: attrs are created or removed (exit_status and stopped when a run ends,
 *   label on `--clear`, marked...), and atomic writers (guildts) rename into it;
 * - `attrs/label`, and `attrs/tags` when it exists: Guild rewrites these in place.
 * (Unfiltered listings that show a few runs use the smaller order index: order-index.ts.)
 *
 * Stats are taken BEFORE the facts are read, so a change racing with the read leaves a stamp
 * that no longer matches. A running run's status is never stored: its LOCK pid is checked at
 * every listing. Entries touched within RACY_MS of the listing are not stored (as git does for
 * its index): a second write inside the file system's timestamp
 * granularity could leave the stamp unchanged.
 */
export const INDEX_VERSION = 5;
/** Tests lower this (GUILDTS_INDEX_RACY_MS) to exercise the index on files they just wrote. */
const RACY_MS = Number(process.env.GUILDTS_INDEX_RACY_MS ?? 2000);
/** Below this many runs, stats are taken in the main thread (a worker costs ~30 ms to start). */
const PARALLEL_MIN = Number(process.env.GUILDTS_PARALLEL_MIN ?? 4000);
const FULL_WIDTH = FULL_PATHS.length * STAT_WIDTH;

/**
 * One run in the index file, compact because a home may hold 100k of them: `h` stamp hash,
 * `o` opref (index into the file's opref table, as runs share a
 * few), `a` raw attr texts, `p` proto opref text, `s` staged, `t` whether tags were stamped.
 */
interface Entry {
  h: number;
  o: number;
  a: RunFacts["attrs"];
  p?: string;
  /** A batch's trial links. */
  k?: string[];
  s?: 1;
  t?: 1;
  /** Markers: "P" for PENDING. */
  m?: string;
  /** LOCK and LOCK.remote texts. */
  l?: string;
  r?: string;
}

interface IndexFile {
  v: number;
  root: string;
  oprefs: string[];
  runs: Record<string, Entry>;
}

export function indexPath(home: string, deleted: boolean): string {
  return path.join(home, "cache", "guildts", `runs-index${deleted ? "-trash" : ""}.json`);
}

/**
 * Facts worth indexing: all but those read with problems. A running run's status is not stored
 * (its pid is checked at every listing); a LOCK being written is caught by the racy rule.
 */
export function isCacheable(f: RunFacts): boolean {
  return !f.problems;
}

/**
 * Stats `subs` of every run of `names`. For large stores a worker thread starts on it at once,
 * and the main thread joins in `finish()` after its own work (loading the index): chunks are
 * taken from a shared counter, so the work spreads over both cores whatever each thread's pace.
 */
export function statAll(root: string, names: readonly string[], subs: readonly string[]): { finish: () => Float64Array } {
  if (names.length < PARALLEL_MIN) return { finish: () => statRuns(root, names, subs) };
  const job: StatJob = {
    root,
    names,
    subs,
    stats: new SharedArrayBuffer(names.length * subs.length * STAT_WIDTH * 8),
    signal: new SharedArrayBuffer(12),
  };
  try {
    // node:worker_threads is loaded only when a worker is started.
    const { Worker } = process.getBuiltinModule("node:worker_threads");
    const w = new Worker(new URL("./stat-worker.js", import.meta.url), {
      workerData: { root, subs, stats: job.stats, signal: job.signal, joinedNames: names.join("/") },
    });
    w.unref();
  } catch {
    // No worker: the main thread does it all.
  }
  return {
    finish: () => {
      statChunks(job);
      const sig = new Int32Array(job.signal);
      const total = Math.ceil(names.length / CHUNK);
      const deadline = Date.now() + 60_000;
      for (let done = Atomics.load(sig, 0); done < total && Date.now() < deadline; done = Atomics.load(sig, 0)) {
        Atomics.wait(sig, 0, done, 1000);
      }
      if (Atomics.load(sig, 0) < total || Atomics.load(sig, 1)) return statRuns(root, names, subs);
      return new Float64Array(job.stats);
    },
  };
}

/** Stats taken before reading one run: its full paths, and its tags file (null if none). */
export interface PreStamp {
  full: Float64Array;
  tags: Float64Array | null;
}

export interface IndexedFacts {
  /** Facts of each name from the index (null: not there, or stale: read it). */
  cached: (RunFacts | null)[];
  /** The hash of run i's `.guild/` stats taken before reading (null: too recent to index). */
  guildHash(i: number): number | null;
  /** Whether the index file was (or will be) rewritten. */
  changed(): boolean;
  /** Stamps a run about to be read: call BEFORE reading its facts. */
  prepare(i: number): PreStamp;
  /** Records facts read from disk for `names[i]` after `prepare(i)`. */
  store(i: number, facts: RunFacts, pre: PreStamp): void;
  save(): void;
}

/**
 * Looks up every run of `names` in the index of `root`: stats them (in parallel), loads the
 * index meanwhile, and returns the facts whose stamps still match.
 */
export function lookupRuns(home: string, root: string, names: readonly string[], deleted: boolean): IndexedFacts {
  const file = indexPath(home, deleted);
  const startedAt = Date.now();
  const width = FULL_WIDTH;
  const pending = statAll(root, names, FULL_PATHS);
  let old: IndexFile | null = null;
  try {
    const data = JSON.parse(readCacheFile(file) ?? "null") as IndexFile;
    if (data.v === INDEX_VERSION && data.root === root && Array.isArray(data.oprefs) && data.runs) old = data;
  } catch {
    // Missing or damaged: rebuilt from the runs themselves.
  }
  const stats = pending.finish();
  const oldRuns = old?.runs ?? {};
  const oldOprefs = old?.oprefs ?? [];
  const fresh: Record<string, Entry> = Object.create(null);
  const oprefs: string[] = [];
  const oprefIndex = new Map<string, number>();
  const internOpref = (text: string) => {
    let i = oprefIndex.get(text);
    if (i === undefined) {
      i = oprefs.push(text) - 1;
      oprefIndex.set(text, i);
    }
    return i;
  };
  const statTags = (name: string): Float64Array | null => {
    const t = new Float64Array(STAT_WIDTH);
    statInto(root + "/" + name + TAGS_PATH, t, 0);
    return t[0] === -1 ? null : t;
  };
  const factsOf = (e: Entry): RunFacts => ({
    opref: oldOprefs[e.o]!,
    proto: e.p ?? null,
    ...(e.k ? { trials: e.k } : {}),
    attrs: e.a,
    pending: e.m?.includes("P") ?? false,
    staged: e.s === 1,
    lock: e.l ?? null,
    lockRemote: e.r ?? null,
  });
  let hits = 0;
  let dirty = old === null;
  const cached: (RunFacts | null)[] = names.map((name, i) => {
    const e = Object.hasOwn(oldRuns, name) ? oldRuns[name] : undefined;
    if (!e || typeof e.h !== "number" || oldOprefs[e.o] === undefined) return null;
    const tags = e.t ? (statTags(name) ?? new Float64Array(STAT_WIDTH).fill(-1)) : null;
    if (hashStats(stats, i * width, width, tags) !== e.h) return null;
    hits++;
    fresh[name] = { ...e, o: internOpref(oldOprefs[e.o]!) };
    return factsOf(e);
  });
  // A changed or vanished run's entry is dropped: the index needs writing.
  if (old && hits !== Object.keys(oldRuns).length) dirty = true;
  const fullStats = (i: number): Float64Array => stats.slice(i * FULL_WIDTH, (i + 1) * FULL_WIDTH);
  return {
    cached,
    guildHash(i) {
      const at = i * FULL_WIDTH;
      if (Math.max(stats[at + 2]!, stats[at + 3]!) > startedAt - RACY_MS) return null;
      return hashStats(stats, at, STAT_WIDTH, null);
    },
    changed: () => dirty,
    prepare(i) {
      return { full: fullStats(i), tags: statTags(names[i]!) };
    },
    store(i, facts, pre) {
      if (!isCacheable(facts)) return;
      if (newestTime(pre.full, 0, FULL_WIDTH, pre.tags) > startedAt - RACY_MS) return;
      const e: Entry = {
        h: hashStats(pre.full, 0, FULL_WIDTH, pre.tags),
        o: internOpref(facts.opref),
        a: facts.attrs,
      };
      if (facts.proto !== null) e.p = facts.proto;
      if (facts.trials?.length) e.k = facts.trials;
      if (facts.staged) e.s = 1;
      if (facts.pending) e.m = "P";
      if (facts.lock !== null) e.l = facts.lock;
      if (facts.lockRemote !== null) e.r = facts.lockRemote;
      if (pre.tags) e.t = 1;
      fresh[names[i]!] = e;
      dirty = true;
    },
    save() {
      if (process.env.GUILDTS_DEBUG_INDEX) {
        process.stderr.write(`guildts: index ${file}: ${hits} hits, ${Object.keys(fresh).length} entries\n`);
      }
      if (!dirty) return;
      dirty = false;
      const data: IndexFile = { v: INDEX_VERSION, root, oprefs, runs: fresh };
      writeCacheFile(file, JSON.stringify(data));
    },
  };
}
