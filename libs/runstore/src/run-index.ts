import fs from "node:fs";
import path from "node:path";
import { readCacheFile } from "./atomic.js";
import { runsRoot } from "./home.js";
import { assertRealDirs } from "./storedir.js";
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
  /** Stamps the tags file: call BEFORE reading it (readRunFacts' `beforeTags`). */
  statTags(): void;
}

export interface IndexedFacts {
  /** Facts of `names[i]` from the index (null: not there, or stale: read it). */
  cached(i: number): RunFacts | null;
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

/** The index file of `home`'s runs (or trash) if it is one this version wrote for `root`. */
function loadIndex(home: string, deleted: boolean, root: string): IndexFile | null {
  try {
    const data = JSON.parse(readCacheFile(indexPath(home, deleted)) ?? "null") as IndexFile;
    if (data && data.v === INDEX_VERSION && data.root === root && Array.isArray(data.oprefs) && data.runs && typeof data.runs === "object")
      return data;
  } catch {
    // Missing or damaged: rebuilt from the runs themselves.
  }
  return null;
}

function validEntry(e: Entry | undefined, oprefs: readonly string[]): e is Entry {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.h === "number" &&
    typeof oprefs[e.o] === "string" &&
    typeof e.a === "object" &&
    e.a !== null
  );
}

/**
 * Looks up every run of `names` in the index of `root`: stats them (in parallel), loads the
 * index meanwhile, and serves the facts whose stamps still match. A run missing from the index
 * is looked up in the other one (runs/ for the trash, the trash for runs/) by id and stamp: a
 * run moved by delete or restore keeps its `.guild/` inodes and times, so its entry still holds.
 * Entries read from disk are written out as they come (see IndexWriter), not held until the end.
 */
export function lookupRuns(home: string, root: string, names: readonly string[], deleted: boolean): IndexedFacts {
  const file = indexPath(home, deleted);
  const startedAt = Date.now();
  const width = FULL_WIDTH;
  const pending = statAll(root, names, FULL_PATHS);
  const old = loadIndex(home, deleted, root);
  const stats = pending.finish();
  const oldRuns = old?.runs ?? {};
  // The new file keeps the old opref table (entries served from it are written as they are)
  // and appends the texts it did not have.
  const oprefs: string[] = old ? old.oprefs.slice() : [];
  let oprefIndex: Map<string, number> | null = null;
  const internOpref = (text: string) => {
    if (!oprefIndex) {
      oprefIndex = new Map();
      oprefs.forEach((t, k) => {
        if (!oprefIndex!.has(t)) oprefIndex!.set(t, k);
      });
    }
    let i = oprefIndex.get(text);
    if (i === undefined) {
      i = oprefs.push(text) - 1;
      oprefIndex.set(text, i);
    }
    return i;
  };
  // The other store's index, loaded at the first run this one misses.
  let other: IndexFile | null | undefined;
  const otherEntry = (name: string): Entry | null => {
    if (other === undefined) other = loadIndex(home, !deleted, runsRoot(home, !deleted));
    if (!other || !Object.hasOwn(other.runs, name)) return null;
    const e = other.runs[name];
    return validEntry(e, other.oprefs) ? { ...e, o: internOpref(other.oprefs[e.o]!) } : null;
  };
  const statTags = (name: string): Float64Array | null => {
    const t = new Float64Array(STAT_WIDTH);
    statInto(root + "/" + name + TAGS_PATH, t, 0);
    return t[0] === -1 ? null : t;
  };
  const matches = (e: Entry, i: number): boolean => {
    const tags = e.t ? (statTags(names[i]!) ?? new Float64Array(STAT_WIDTH).fill(-1)) : null;
    return hashStats(stats, i * width, width, tags) === e.h;
  };
  const factsOf = (e: Entry): RunFacts => ({
    opref: oprefs[e.o]!,
    proto: e.p ?? null,
    ...(e.k ? { trials: e.k } : {}),
    attrs: e.a,
    pending: e.m?.includes("P") ?? false,
    staged: e.s === 1,
    lock: e.l ?? null,
    lockRemote: e.r ?? null,
  });
  /** Entries served from the old index (and carried from the other), written at save. */
  const kept: (Entry | undefined)[] = new Array(names.length);
  let hits = 0;
  let carried = 0;
  let stored = 0;
  let dirty = old === null;
  const writer = new IndexWriter(file, root);
  let oldCount = -1;
  /** Whether the file needs writing: a new or changed entry, or one left out (a run vanished). */
  const needsWrite = () => {
    if (dirty) return true;
    if (oldCount < 0) oldCount = Object.keys(oldRuns).length;
    return hits !== oldCount;
  };
  return {
    cached(i) {
      const name = names[i]!;
      const e = Object.hasOwn(oldRuns, name) ? oldRuns[name] : undefined;
      if (validEntry(e, oprefs) && matches(e, i)) {
        hits++;
        kept[i] = e;
        return factsOf(e);
      }
      if (e === undefined) {
        const c = otherEntry(name);
        if (c && matches(c, i)) {
          carried++;
          dirty = true;
          kept[i] = c;
          return factsOf(c);
        }
      }
      dirty = true;
      return null;
    },
    guildHash(i) {
      const at = i * FULL_WIDTH;
      if (Math.max(stats[at + 2]!, stats[at + 3]!) > startedAt - RACY_MS) return null;
      return hashStats(stats, at, STAT_WIDTH, null);
    },
    changed: needsWrite,
    prepare(i) {
      const pre: PreStamp = {
        full: stats.subarray(i * FULL_WIDTH, (i + 1) * FULL_WIDTH),
        tags: null,
        statTags: () => {
          pre.tags = statTags(names[i]!);
        },
      };
      return pre;
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
      writer.entry(names[i]!, e);
      stored++;
      dirty = true;
    },
    save() {
      if (process.env.GUILDTS_DEBUG_INDEX) {
        process.stderr.write(
          `guildts: index ${file}: ${hits + carried} hits (${carried} carried from the other index), ${hits + carried + stored} entries\n`,
        );
      }
      if (!needsWrite()) {
        writer.abandon();
        return;
      }
      dirty = false;
      hits = oldCount = 0; // written: a second save writes nothing
      kept.forEach((e, i) => {
        if (e) writer.entry(names[i]!, e);
      });
      writer.finish(oprefs);
    },
  };
}

/**
 * Writes an index file as its entries come: `{"v":…,"root":…,"runs":{…},"oprefs":[…]}` into a
 * temporary file beside it, renamed over it by `finish` (readers see the old index or the new,
 * never a part). Opened at the first entry; any failure (a read-only home, a cache directory
 * that is a link) leaves the old index and no temporary file.
 */
class IndexWriter {
  private fd = -1;
  private tmp = "";
  private failed = false;
  private parts: string[] = [];
  private size = 0;
  private count = 0;
  constructor(
    private readonly file: string,
    private readonly root: string,
  ) {}

  entry(name: string, e: Entry): void {
    if (this.failed) return;
    if (this.fd < 0 && !this.open()) return;
    const text = (this.count++ ? "," : "") + JSON.stringify(name) + ":" + JSON.stringify(e);
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) this.flush();
  }

  finish(oprefs: readonly string[]): void {
    if (this.failed) return;
    if (this.fd < 0 && !this.open()) return;
    this.parts.push("},", JSON.stringify("oprefs"), ":", JSON.stringify(oprefs), "}");
    this.flush();
    if (this.failed) return;
    try {
      fs.closeSync(this.fd);
      this.fd = -1;
      fs.renameSync(this.tmp, this.file);
    } catch {
      this.abandon();
    }
  }

  abandon(): void {
    this.failed = true;
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    if (this.tmp) fs.rmSync(this.tmp, { force: true });
    this.parts = [];
  }

  private open(): boolean {
    try {
      const dir = path.dirname(this.file);
      assertRealDirs(dir, { levels: 2, create: true });
      this.tmp = path.join(dir, `.${path.basename(this.file)}.${process.pid}.${++tmpCounter}.tmp`);
      this.fd = fs.openSync(this.tmp, "wx", 0o644);
    } catch {
      this.tmp = "";
      this.failed = true;
      return false;
    }
    this.parts.push(`{"v":${INDEX_VERSION},"root":${JSON.stringify(this.root)},"runs":{`);
    return true;
  }

  private flush(): void {
    if (this.fd < 0 || !this.parts.length) return;
    const data = this.parts.join("");
    this.parts = [];
    this.size = 0;
    try {
      writeAllSync(this.fd, Buffer.from(data, "utf8"));
    } catch {
      this.abandon();
    }
  }
}

let tmpCounter = 0;

function writeAllSync(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}
