import path from "node:path";
import { type AttrValue, encodeAttr } from "@guildts/py";
import { readCacheFile, writeCacheFile } from "./atomic.js";
import { decodeAttr } from "./yaml/decode.js";
import type { ScalarSummary } from "./scalars.js";
import { LazyRunRecord } from "./record.js";

/**
 * The filter tier: what a filter expression reads of a run beyond its order and scope — its
 * flags and the last value of each scalar — for every run of a home, in one compact file
 * (`cache/guildts/filter-tier.json`, `filter-tier-trash.json`) loaded once per command, so that
 * `guild runs -F 'lr > 0.01 and acc > 0.5'` over 100k runs reads no run's files and stats only
 * what the order index stats.
 *
 * An entry is keyed by the run's `.guild` stamp (the hash of the `.guild/` directory's stats the
 * listing took before reading the run: `runStamp`). It is stored only for a run that is not
 * running: a run that starts or restarts creates `.guild/LOCK` and one that ends removes it, so
 * its stamp changes and its entry is read again; a running run's scalars come from the scalar
 * cache, which stats each event file. Entries touched within the racy window are never stored
 * (the listing gives no stamp then).
 */
export const FILTER_TIER_VERSION = 1;

interface TierFile {
  v: number;
  root: string;
  /** Scalar keys, `prefix\ttag`, shared by runs. */
  keys: string[];
  /** Run ids joined by "/". */
  ids: string;
  /** Per run: the `.guild` stamp. */
  g: number[];
  /** Per run: key index, last value, key index, last value... (non-finite values as strings). */
  s: (number | string)[][];
  /** Per run: its flags, each encoded as Guild encodes an attr. */
  f: Record<string, string>[];
}

/** What the tier holds of one run. */
export interface TierRun {
  /** The last value of scalar `[prefix#]tag` (an unprefixed tag: under any prefix, the first found), as findScalar. */
  scalar(key: string): number | undefined;
  flag(name: string): AttrValue | undefined;
}

interface Entry {
  g: number;
  s: (number | string)[];
  f: Record<string, string>;
}

const stamps = new WeakMap<object, number>();

/** Records the `.guild` stamp of a listed run (list.ts, for records read from an index or disk). */
export function setRunStamp(record: object, stamp: number | null): void {
  if (stamp !== null) stamps.set(record, stamp);
}

/** The `.guild` stamp the listing took of `record`, if any (none: too recent, or not from a listing). */
export function runStamp(record: object): number | undefined {
  // A LazyRunRecord carries its own (no weak-map entry per unshown run of a listing).
  if (record instanceof LazyRunRecord) return record.stamp ?? undefined;
  return stamps.get(record);
}

export function filterTierPath(home: string, deleted: boolean): string {
  return path.join(home, "cache", "guildts", `filter-tier${deleted ? "-trash" : ""}.json`);
}

function encodeLast(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function decodeLast(v: number | string): number {
  return typeof v === "number" ? v : Number(v);
}

class Store {
  readonly keys: string[] = [];
  private readonly keyIndex = new Map<string, number>();
  readonly entries = new Map<string, Entry>();
  /** Ids served or stored by this process. */
  readonly touched = new Set<string>();
  dirty = false;

  constructor(
    readonly file: string,
    readonly root: string,
  ) {
    let data: TierFile | null = null;
    try {
      data = JSON.parse(readCacheFile(file) ?? "null") as TierFile | null;
    } catch {
      data = null; // damaged: rebuilt
    }
    if (!data || data.v !== FILTER_TIER_VERSION || data.root !== root || typeof data.ids !== "string" || !Array.isArray(data.keys)) {
      this.dirty = data !== null;
      return;
    }
    for (const k of data.keys) this.key(k);
    const ids = data.ids === "" ? [] : data.ids.split("/");
    for (let i = 0; i < ids.length; i++) {
      const g = data.g[i];
      const s = data.s[i];
      const f = data.f[i];
      if (typeof g !== "number" || !Array.isArray(s) || !f || typeof f !== "object") continue;
      this.entries.set(ids[i]!, { g, s, f });
    }
  }

  key(k: string): number {
    let i = this.keyIndex.get(k);
    if (i === undefined) {
      i = this.keys.push(k) - 1;
      this.keyIndex.set(k, i);
    }
    return i;
  }

  text(): string {
    const data: TierFile = { v: FILTER_TIER_VERSION, root: this.root, keys: this.keys, ids: "", g: [], s: [], f: [] };
    const ids: string[] = [];
    for (const [id, e] of this.entries) {
      ids.push(id);
      data.g.push(e.g);
      data.s.push(e.s);
      data.f.push(e.f);
    }
    data.ids = ids.join("/");
    return JSON.stringify(data);
  }
}

function tierRun(keys: readonly string[], e: Entry): TierRun {
  let flags: Map<string, AttrValue | undefined> | null = null;
  return {
    scalar(key) {
      const k = key.indexOf("#");
      const prefix = k < 0 ? null : key.slice(0, k);
      const tag = k < 0 ? key : key.slice(k + 1);
      for (let i = 0; i + 1 < e.s.length; i += 2) {
        const name = keys[e.s[i] as number];
        if (name === undefined) continue;
        const tab = name.indexOf("\t");
        if (name.slice(tab + 1) !== tag) continue;
        if (prefix && name.slice(0, tab) !== prefix) continue;
        return decodeLast(e.s[i + 1]!);
      }
      return undefined;
    },
    flag(name) {
      if (!Object.hasOwn(e.f, name)) return undefined;
      flags ??= new Map();
      if (!flags.has(name)) {
        let v: AttrValue | undefined;
        try {
          v = decodeAttr(e.f[name]!);
        } catch {
          v = undefined;
        }
        flags.set(name, v);
      }
      return flags.get(name);
    },
  };
}

/** The filter tier of a home (its runs and its trash), loaded on first use. One per command; `save()` writes it back. */
export class FilterTier {
  private readonly stores = new Map<boolean, Store | null>();

  constructor(private readonly home: string | null) {}

  /** Whether the tier is kept at all (a home, and the indexes not turned off). */
  get enabled(): boolean {
    return this.home !== null;
  }

  private store(deleted: boolean, dir: string): Store | null {
    let s = this.stores.get(deleted);
    if (s === undefined) {
      s = this.home ? new Store(filterTierPath(this.home, deleted), path.dirname(dir)) : null;
      this.stores.set(deleted, s);
    }
    return s && s.root === path.dirname(dir) ? s : null;
  }

  /** The tier's data of a listed run when its stamp still matches, else null (read the run). */
  get(r: { id: string; dir: string; deleted: boolean }): TierRun | null {
    const stamp = runStamp(r);
    if (stamp === undefined) return null;
    const s = this.store(r.deleted, r.dir);
    const e = s?.entries.get(r.id);
    if (!s || !e || e.g !== stamp) return null;
    s.touched.add(r.id);
    return tierRun(s.keys, e);
  }

  /**
   * Stores what a run read from disk holds (a listed record with its stamp, not running):
   * its flags and the last value of each of its scalars.
   */
  put(
    r: { id: string; dir: string; deleted: boolean; status: string; flags: { [name: string]: AttrValue } },
    scalars: readonly ScalarSummary[],
  ): void {
    const stamp = runStamp(r);
    if (stamp === undefined || r.status === "running") return;
    const s = this.store(r.deleted, r.dir);
    if (!s) return;
    const old = s.entries.get(r.id);
    if (old && old.g === stamp) return;
    const sv: (number | string)[] = [];
    for (const x of scalars) sv.push(s.key(`${x.prefix}\t${x.tag}`), encodeLast(x.last));
    const f: Record<string, string> = {};
    for (const [name, v] of Object.entries(r.flags)) {
      try {
        f[name] = encodeAttr(v);
      } catch {
        return; // a value the encoder does not take: not stored
      }
    }
    s.entries.set(r.id, { g: stamp, s: sv, f });
    s.touched.add(r.id);
    s.dirty = true;
  }

  /**
   * Writes changed tiers back. Entries this command did not touch are kept while their run is
   * still there (checked only when they outnumber the touched ones: a full listing touches all).
   */
  save(exists: (dir: string) => boolean): void {
    for (const s of this.stores.values()) {
      if (!s?.dirty) continue;
      s.dirty = false;
      const untouched = s.entries.size - s.touched.size;
      if (untouched > s.touched.size) {
        for (const id of [...s.entries.keys()]) if (!s.touched.has(id) && !exists(`${s.root}/${id}`)) s.entries.delete(id);
      }
      writeCacheFile(s.file, s.text());
    }
  }
}
