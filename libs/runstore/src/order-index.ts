import path from "node:path";
import { decodeAttr } from "./yaml/decode.js";
import { numericValue } from "./yaml/value.js";
import type { RunFacts } from "./facts.js";
import { hashStats, ORDER_PATHS, STAT_WIDTH } from "./stamp.js";
import { readCacheFile, writeCacheFile } from "./atomic.js";
import { statAll } from "./run-index.js";

/**
 * The order index: what an unfiltered listing needs of the runs it does not show — opref (for
 * scope), `started` and `initialized` (for order) — keyed by a hash of each run's `.guild/`
 * stats. Those facts only change along with a marker in `.guild/` (a start or restart writes
 * PENDING or LOCK), so one stat per run validates them. Small (a few MB for 100k runs) so that
 * loading it is cheap; the runs shown are read from disk.
 */
export const ORDER_INDEX_VERSION = 2;
const RACY_MS = Number(process.env.GUILDTS_INDEX_RACY_MS ?? 2000);

interface OrderFile {
  v: number;
  root: string;
  oprefs: string[];
  /** Run ids joined by "/" (which no id contains). */
  ids: string;
  /** Per run: `.guild` stamp hash, started, initialized, opref index. */
  g: number[];
  s: (number | null)[];
  i: (number | null)[];
  o: number[];
  /** Per run: the batch proto's opref index, or -1 (scope of a batch is its proto's). */
  p: number[];
}

export interface OrderEntry {
  opref: string;
  proto: string | null;
  started: number | null;
  initialized: number | null;
}

export function orderIndexPath(home: string, deleted: boolean): string {
  return path.join(home, "cache", "guildts", `runs-order${deleted ? "-trash" : ""}.json`);
}

function timeAttr(text: string | undefined): number | null {
  if (text === undefined) return null;
  try {
    const n = numericValue(decodeAttr(text));
    return n !== undefined && Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/** The order entry of facts just read. */
export function orderEntry(f: RunFacts): OrderEntry {
  return { opref: f.opref, proto: f.proto, started: timeAttr(f.attrs.started), initialized: timeAttr(f.attrs.initialized) };
}

export interface OrderLookup {
  /** Entries still valid (null: read the run). */
  cached: (OrderEntry | null)[];
  /** Records a run read from disk (with the `.guild` stats taken before the read). */
  store(i: number, entry: OrderEntry): void;
  /** The `.guild` stamp of run i (the filter tier's key), or null when too recent to trust. */
  stamp(i: number): number | null;
  save(): void;
}

/** Looks up `names` in the order index: one stat per run (in parallel), the index loaded meanwhile. */
export function lookupOrder(home: string, root: string, names: readonly string[], deleted: boolean): OrderLookup {
  const file = orderIndexPath(home, deleted);
  const startedAt = Date.now();
  const pending = statAll(root, names, ORDER_PATHS);
  let old: OrderFile | null = null;
  try {
    const data = JSON.parse(readCacheFile(file) ?? "null") as OrderFile;
    if (data.v === ORDER_INDEX_VERSION && data.root === root && typeof data.ids === "string") old = data;
  } catch {
    // rebuilt below
  }
  const stats = pending.finish();
  const pos = new Map<string, number>();
  if (old) old.ids.split("/").forEach((id, k) => pos.set(id, k));
  let dirty = !old || pos.size !== names.length;
  // Runs read from disk (store); a cached run's entry is made from `cached` and `gs` only if the
  // file is rewritten (most listings do not: no per-run copy kept alive).
  const fresh: (OrderEntry & { g: number })[] = new Array(names.length);
  const gs = new Float64Array(names.length);
  const cached = names.map((name, i): OrderEntry | null => {
    const k = pos.get(name);
    const g = hashStats(stats, i * STAT_WIDTH, STAT_WIDTH, null);
    gs[i] = g;
    if (k === undefined || old!.g[k] !== g || old!.oprefs[old!.o[k]!] === undefined) {
      dirty = true;
      return null;
    }
    const p = old!.p?.[k] ?? -1;
    const e = {
      opref: old!.oprefs[old!.o[k]!]!,
      proto: p >= 0 ? (old!.oprefs[p] ?? null) : null,
      started: old!.s[k] ?? null,
      initialized: old!.i[k] ?? null,
    };
    return e;
  });
  return {
    cached,
    store(i, entry) {
      const at = i * STAT_WIDTH;
      if (Math.max(stats[at + 2]!, stats[at + 3]!) > startedAt - RACY_MS) return;
      fresh[i] = { ...entry, g: hashStats(stats, at, STAT_WIDTH, null) };
    },
    stamp(i) {
      const at = i * STAT_WIDTH;
      if (stats[at] === -1 || Math.max(stats[at + 2]!, stats[at + 3]!) > startedAt - RACY_MS) return null;
      return gs[i]!; // hashStats(stats, at, STAT_WIDTH, null), taken above
    },
    save() {
      if (!dirty) return;
      dirty = false;
      for (let i = 0; i < names.length; i++) {
        const e = cached[i];
        if (e && fresh[i] === undefined) fresh[i] = { ...e, g: gs[i]! };
      }
      writeOrderFile(file, root, names, fresh);
    },
  };
}

function writeOrderFile(
  file: string,
  root: string,
  names: readonly string[],
  entries: readonly ((OrderEntry & { g: number }) | undefined)[],
): void {
  const data: OrderFile = { v: ORDER_INDEX_VERSION, root, oprefs: [], ids: "", g: [], s: [], i: [], o: [], p: [] };
  const ids: string[] = [];
  const oprefIndex = new Map<string, number>();
  entries.forEach((e, k) => {
    if (!e) return;
    const intern = (text: string) => {
      let o = oprefIndex.get(text);
      if (o === undefined) {
        o = data.oprefs.push(text) - 1;
        oprefIndex.set(text, o);
      }
      return o;
    };
    const o = intern(e.opref);
    data.p.push(e.proto === null ? -1 : intern(e.proto));
    ids.push(names[k]!);
    data.g.push(e.g);
    data.s.push(e.started);
    data.i.push(e.initialized);
    data.o.push(o);
  });
  data.ids = ids.join("/");
  writeCacheFile(file, JSON.stringify(data));
}

/**
 * Writes the order index from a full listing, so that the next unfiltered listing finds it:
 * `entries[i]` is run i's order entry with the `.guild` stamp hash taken before its facts were
 * read, or undefined when the run must not be stored (racy, unreadable).
 */
export function saveOrderEntries(
  home: string,
  root: string,
  deleted: boolean,
  names: readonly string[],
  entries: readonly ((OrderEntry & { g: number }) | undefined)[],
): void {
  writeOrderFile(orderIndexPath(home, deleted), root, names, entries);
}
