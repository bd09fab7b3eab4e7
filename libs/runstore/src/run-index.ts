import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { RunFacts } from "./facts.js";
import { CHUNK, hashStats, newestTime, RUN_WIDTH, statChunks, statInto, statRuns, STAT_WIDTH, TAGS_PATH, type StatJob } from "./stamp.js";

/**
 * A validated on-disk index of run facts, so that a listing of 100k runs stats a few paths per
 * run instead of reading a dozen files.
 *
 * Each entry holds the facts of a run and a hash of the inode, size, mtime and ctime of:
 * - `.guild/`: markers (PENDING, STAGED, LOCK, LOCK.remote) are created or removed there;
 * - `.guild/attrs/`: attrs are created or removed (exit_status and stopped when a run ends,
 *   label on `--clear`, marked...), and atomic writers (guildts) rename into it;
 * - `attrs/label`, and `attrs/tags` when it exists: Guild rewrites these in place.
 * Stats are taken BEFORE the facts are read, so a change racing with the read leaves a stamp
 * that no longer matches. Runs that may be live (LOCK, LOCK.remote, PENDING) are never stored:
 * they are re-read each time. Entries touched within RACY_MS of the listing are not stored
 * either (as git does for its index): a second write inside the file system's timestamp
 * granularity could leave the stamp unchanged.
 */
export const INDEX_VERSION = 2;
/** Tests lower this (GUILDTS_INDEX_RACY_MS) to exercise the index on files they just wrote. */
const RACY_MS = Number(process.env.GUILDTS_INDEX_RACY_MS ?? 2000);
/** Below this many runs, stats are taken in the main thread (a worker costs ~30 ms to start). */
const PARALLEL_MIN = Number(process.env.GUILDTS_PARALLEL_MIN ?? 4000);

/**
 * One run in the index file, compact because a home may hold 100k of them: `h` stamp hash,
 * `o` opref (index into the file's opref table, as runs share a few), `a` raw attr texts,
 * `p` proto opref text, `s` staged, `t` whether the tags file was stamped.
 */
interface Entry {
  h: number;
  o: number;
  a: RunFacts["attrs"];
  p?: string;
  s?: 1;
  t?: 1;
}

interface IndexFile {
  v: number;
  root: string;
  oprefs: string[];
  runs: Record<string, Entry>;
}

export function indexPath(home: string, deleted: boolean): string {
  return path.join(home, "cache", "guildts", `runs-index-v${INDEX_VERSION}${deleted ? "-trash" : ""}.json`);
}

export function isCacheable(f: RunFacts): boolean {
  return f.lock === null && f.lockRemote === null && !f.pending && !f.problems;
}

/**
 * Stats every run of `names`. For large stores, a worker thread starts on it at once, and the
 * main thread joins in `finish()` after its own work (loading the index): chunks are taken from
 * a shared counter, so the work spreads over both cores whatever each thread's speed.
 */
function statAll(root: string, names: readonly string[]): { finish: () => Float64Array } {
  if (names.length < PARALLEL_MIN) return { finish: () => statRuns(root, names) };
  const job: StatJob = {
    root,
    names,
    stats: new SharedArrayBuffer(names.length * RUN_WIDTH * 8),
    signal: new SharedArrayBuffer(12),
  };
  try {
    const { names: _omit, ...shared } = job;
    const w = new Worker(new URL("./stat-worker.js", import.meta.url), { workerData: { ...shared, joinedNames: names.join("/") } });
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
      if (Atomics.load(sig, 0) < total || Atomics.load(sig, 1)) return statRuns(root, names);
      return new Float64Array(job.stats);
    },
  };
}

/** The tags file's stats taken before a read (null: no tags file then). */
export type PreStamp = Float64Array | null;

export interface IndexedFacts {
  /** Facts of each name (null: not in the index or stale: read it). */
  cached: (RunFacts | null)[];
  /** Stamps what stats are still missing for `names[i]`: call BEFORE reading its facts. */
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
  const pending = statAll(root, names);
  let old: IndexFile | null = null;
  try {
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as IndexFile;
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
  const tagStats = new Float64Array(STAT_WIDTH);
  const statTags = (name: string) => {
    statInto(root + "/" + name + TAGS_PATH, tagStats, 0);
    return tagStats;
  };
  let hits = 0;
  let changed = old === null;
  const cached: (RunFacts | null)[] = names.map((name, i) => {
    const e = Object.hasOwn(oldRuns, name) ? oldRuns[name] : undefined;
    if (!e || typeof e.h !== "number" || oldOprefs[e.o] === undefined) return null;
    if (hashStats(stats, i * RUN_WIDTH, e.t ? statTags(name) : null) !== e.h) return null;
    hits++;
    const facts: RunFacts = { opref: oldOprefs[e.o]!, proto: e.p ?? null, attrs: e.a, pending: false, staged: e.s === 1, lock: null, lockRemote: null };
    fresh[name] = { ...e, o: internOpref(facts.opref) };
    return facts;
  });
  const oldCount = old ? Object.keys(oldRuns).length : 0;
  return {
    cached,
    prepare(i) {
      // The tags file is stamped when it exists (else creating it changes attrs/).
      const tags = statTags(names[i]!);
      return tags[0] === -1 ? null : Float64Array.from(tags);
    },
    store(i, facts, extra) {
      if (!isCacheable(facts)) return;
      const name = names[i]!;
      const start = i * RUN_WIDTH;
      if (newestTime(stats, start, extra) > startedAt - RACY_MS) return;
      const e: Entry = { h: hashStats(stats, start, extra), o: internOpref(facts.opref), a: facts.attrs };
      if (facts.proto !== null) e.p = facts.proto;
      if (facts.staged) e.s = 1;
      if (extra) e.t = 1;
      fresh[name] = e;
      changed = true;
    },
    save() {
      const entries = Object.keys(fresh).length;
      if (process.env.GUILDTS_DEBUG_INDEX) {
        process.stderr.write(`guildts: index ${file}: ${hits} hits, ${entries} entries\n`);
      }
      // Unchanged unless an entry was added, or an old one (a changed or vanished run) dropped.
      if (!changed && hits === oldCount) return;
      const data: IndexFile = { v: INDEX_VERSION, root, oprefs, runs: fresh };
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(tmp, JSON.stringify(data));
        fs.renameSync(tmp, file);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    },
  };
}
