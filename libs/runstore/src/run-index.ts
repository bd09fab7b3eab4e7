import fs from "node:fs";
import path from "node:path";
import type { RunFacts } from "./facts.js";

/**
 * A validated on-disk index of run facts, so that a listing of 100k runs stats a few paths per
 * run instead of reading a dozen files.
 *
 * Each entry is keyed by a stamp (inode, size, mtime, ctime) of the paths whose change can alter
 * the facts:
 * - `.guild/`: markers (PENDING, STAGED, LOCK, LOCK.remote) and opref are created or removed;
 * - `.guild/attrs/`: attrs are created or removed (exit_status and stopped when a run ends,
 *   label on `--clear`, marked...), and our own atomic writes rename into it;
 * - `attrs/label` and `attrs/tags` when they exist: Guild rewrites these in place.
 * Runs that may be live (LOCK, LOCK.remote, PENDING) are never stored: they are re-read each time.
 * Entries touched within RACY_MS of the listing are not stored either (as git does for its
 * index), because a second write inside the file system's timestamp granularity would leave the
 * stamp unchanged.
 */
export const INDEX_VERSION = 1;
/** Tests lower this (GUILDTS_INDEX_RACY_MS) to exercise the index on files they just wrote. */
const RACY_MS = Number(process.env.GUILDTS_INDEX_RACY_MS ?? 2000);

interface IndexEntry {
  s: string;
  f: RunFacts;
}

interface IndexFile {
  v: number;
  root: string;
  entries: Record<string, IndexEntry>;
}

export function indexPath(home: string, deleted: boolean): string {
  return path.join(home, "cache", "guildts", `runs-index-v${INDEX_VERSION}${deleted ? "-trash" : ""}.json`);
}

function statStamp(p: string, newest: { t: number }): string {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return "-";
  const t = Math.max(st.mtimeMs, st.ctimeMs);
  if (t > newest.t) newest.t = t;
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

export interface RunStamp {
  stamp: string;
  /** The newest mtime/ctime among the stamped paths (ms). */
  newest: number;
}

/**
 * The stamp of a run: `.guild|attrs|label|tags`. Take it BEFORE reading the facts, so a change
 * racing with the read leaves a stamp that no longer matches. `skipLabel`/`skipTags` reuse "-" for
 * a file that did not exist when the stored stamp was taken: creating it changes `attrs/`.
 */
export function runStamp(runDir: string, skipLabel = false, skipTags = false): RunStamp {
  const newest = { t: 0 };
  const g = path.join(runDir, ".guild");
  const a = path.join(g, "attrs");
  const stamp =
    statStamp(g, newest) +
    "|" +
    statStamp(a, newest) +
    "|" +
    (skipLabel ? "-" : statStamp(path.join(a, "label"), newest)) +
    "|" +
    (skipTags ? "-" : statStamp(path.join(a, "tags"), newest));
  return { stamp, newest: newest.t };
}

export function isCacheable(f: RunFacts): boolean {
  return f.lock === null && f.lockRemote === null && !f.pending && !f.problems;
}

export class RunIndex {
  private readonly old: Record<string, IndexEntry>;
  private readonly fresh: Record<string, IndexEntry> = Object.create(null);
  private changed = false;
  private used = 0;

  private constructor(
    private readonly file: string,
    private readonly root: string,
    old: Record<string, IndexEntry> | null,
    private readonly startedAt: number,
  ) {
    this.old = old ?? Object.create(null);
    if (!old) this.changed = true;
  }

  /** Loads the index of `root` (an unreadable or foreign index counts as empty). */
  static load(home: string, root: string, deleted: boolean): RunIndex {
    const file = indexPath(home, deleted);
    let entries: Record<string, IndexEntry> | null = null;
    try {
      const data = JSON.parse(fs.readFileSync(file, "utf8")) as IndexFile;
      if (data.v === INDEX_VERSION && data.root === root && data.entries && typeof data.entries === "object") {
        entries = Object.assign(Object.create(null), data.entries);
      }
    } catch {
      // Missing or damaged: rebuilt from the runs themselves.
    }
    return new RunIndex(file, root, entries, Date.now());
  }

  /** The cached facts of a run if its stamp still matches, else null. */
  lookup(id: string, runDir: string): RunFacts | null {
    const e = this.old[id];
    if (!e) return null;
    const parts = e.s.split("|");
    const { stamp } = runStamp(runDir, parts[2] === "-", parts[3] === "-");
    if (stamp !== e.s) return null;
    this.fresh[id] = e;
    this.used++;
    return e.f;
  }

  /** Records facts read from disk after `pre` was taken. */
  store(id: string, pre: RunStamp, facts: RunFacts): void {
    if (!isCacheable(facts) || pre.newest > this.startedAt - RACY_MS) return;
    this.fresh[id] = { s: pre.stamp, f: facts };
    this.changed = true;
  }

  /** Hits and misses so far (GUILDTS_DEBUG_INDEX=1 prints them). */
  stats(): { hits: number; entries: number } {
    return { hits: this.used, entries: Object.keys(this.fresh).length };
  }

  /** Writes the index atomically when it changed; failures (read-only home) are ignored. */
  save(): void {
    if (process.env.GUILDTS_DEBUG_INDEX) {
      process.stderr.write(`guildts: index ${this.file}: ${this.used} hits, ${Object.keys(this.fresh).length} entries\n`);
    }
    // Unchanged unless an entry was added or an old one (a changed or vanished run) dropped.
    if (!this.changed && this.used === Object.keys(this.old).length) return;
    const data: IndexFile = { v: INDEX_VERSION, root: this.root, entries: this.fresh };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify(data));
      fs.renameSync(tmp, this.file);
    } catch {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // nothing more to do
      }
    }
  }
}
