import fs from "node:fs";
import { NotARunError, readRunFacts, type RunFacts } from "./facts.js";
import { runsRoot } from "./home.js";
import { buildRecord, LazyRunRecord, TRIAL_LINKS, type RecordWarning, type RunRecord } from "./record.js";
import { lookupOrder, orderEntry, orderIndexPath, saveOrderEntries, type OrderEntry } from "./order-index.js";
import { lookupRuns } from "./run-index.js";
import { setRunStamp } from "./scalar-tier.js";

export interface ListOptions {
  /** List `trash/runs/` instead of `runs/`. */
  deleted?: boolean;
  /** Use and update the run index (default: on unless GUILDTS_INDEX=off). */
  index?: boolean;
  /** Only these ids (the others are not read at all). */
  ids?: Iterable<string>;
  isAlive?: (pid: number) => boolean;
  /**
   * "order": runs served by the index are checked for order and scope only (one stat each) and
   * come back as LazyRunRecords: pass the ones you show to `confirm`. For listings that show a
   * few runs of many, without filters. Default "full".
   */
  tier?: "full" | "order";
}

export interface StoreWarning {
  /** The run id, or null for a problem with the store itself. */
  id: string | null;
  message: string;
}

export interface ListResult {
  runs: RunRecord[];
  warnings: StoreWarning[];
}

export interface OrderListResult {
  runs: (RunRecord | LazyRunRecord)[];
  warnings: StoreWarning[];
  /** Full, current records of the given runs (re-read where the index was stale). */
  confirm(runs: readonly (RunRecord | LazyRunRecord)[]): ListResult;
}

export function indexEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.GUILDTS_INDEX ?? "").toLowerCase();
  return !(v === "off" || v === "0" || v === "false" || v === "no");
}

/** Entries of a runs root; a missing root has none. Dot entries (temp files) are skipped. */
export function runRootEntries(root: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    throw e;
  }
  return names.filter((n) => !n.startsWith("."));
}

/**
 * Reads the runs of a store (unsorted: ordering is the selector core's job). Damaged runs never
 * fail the listing: a run is listed with what can be read, and a directory that is not a run or
 * cannot be read is skipped, each with one warning.
 */
export function listRuns(home: string, opts?: ListOptions & { tier?: "full" }): ListResult;
export function listRuns(home: string, opts: ListOptions & { tier: "order" }): OrderListResult;
export function listRuns(home: string, opts: ListOptions = {}): ListResult | OrderListResult {
  const deleted = opts.deleted ?? false;
  const root = runsRoot(home, deleted);
  const warnings: StoreWarning[] = [];
  const names = opts.ids ? [...opts.ids].filter((id) => isSafeRunName(id)) : runRootEntries(root);
  const useIndex = (opts.index ?? indexEnabled()) && !opts.ids && names.length > 0;

  const read = (id: string, into: StoreWarning[], beforeTags?: () => void): RunFacts | null => {
    const dir = root + "/" + id;
    try {
      return readRunFacts(dir, beforeTags ? { beforeTags } : undefined);
    } catch (e) {
      if (e instanceof NotARunError) {
        // Explicitly requested ids that do not exist are the caller's business, not a warning.
        if (!opts.ids) into.push({ id, message: `skipped '${dir}': not a run (${e.message})` });
      } else if ((e as NodeJS.ErrnoException).code !== "ENOENT" || !opts.ids) {
        into.push({ id, message: `skipped '${dir}': ${(e as Error).message}` });
      }
      return null;
    }
  };
  const build = (id: string, facts: RunFacts, into: StoreWarning[]): RunRecord => {
    const b = buildRecord(id, root + "/" + id, deleted, facts, opts.isAlive);
    for (const w of b.warnings) into.push(w as RecordWarning);
    return b.record;
  };

  if (opts.tier === "order") {
    const order = useIndex ? lookupOrder(home, root, names, deleted) : null;
    const runs: (RunRecord | LazyRunRecord)[] = [];
    for (let i = 0; i < names.length; i++) {
      const e = order?.cached[i];
      if (e) {
        const stamp = order!.stamp(i); // filter tier hook (runStamp)
        runs.push(new LazyRunRecord(names[i]!, root + "/" + names[i], deleted, e.opref, e.started, e.initialized, e.proto, stamp));
        continue;
      }
      const facts = read(names[i]!, warnings);
      if (!facts) continue;
      order?.store(i, orderEntry(facts));
      const built = build(names[i]!, facts, warnings);
      setRunStamp(built, order?.stamp(i) ?? null); // filter tier hook
      runs.push(built);
    }
    order?.save();
    const confirm = (shown: readonly (RunRecord | LazyRunRecord)[]): ListResult => {
      const w: StoreWarning[] = [];
      const out: RunRecord[] = [];
      for (const r of shown) {
        if (!(r instanceof LazyRunRecord)) out.push(r);
        else {
          const facts = read(r.id, w);
          if (!facts) continue;
          const built = build(r.id, facts, w);
          setRunStamp(built, r.stamp); // filter tier hook
          out.push(built);
        }
      }
      return { runs: out, warnings: w };
    };
    return { runs, warnings, confirm };
  }

  const index = useIndex ? lookupRuns(home, root, names, deleted) : null;
  const runs: RunRecord[] = [];
  // What the order index needs of each run, kept instead of its facts (which are dropped as soon
  // as its record is built: a cold listing of 100k runs holds each run once).
  // (The record, and the opref and proto texts, referenced only: entries are made if it is written.)
  const orderRecord: (RunRecord | undefined)[] | null = index ? new Array(names.length) : null;
  const orderTexts: (RunFacts["opref"] | undefined)[] = index ? new Array(names.length) : [];
  const orderProtos = new Map<number, string>();
  for (let i = 0; i < names.length; i++) {
    let facts = index ? index.cached(i) : null;
    if (!facts) {
      const pre = index ? index.prepare(i) : null;
      facts = read(names[i]!, warnings, pre ? pre.statTags : undefined);
      if (!facts) continue;
      if (index && pre) index.store(i, facts, pre);
    }
    const record = build(names[i]!, facts, warnings);
    if (index) setRunStamp(record, index.guildHash(i)); // filter tier hook
    runs.push(record);
    if (orderRecord) {
      orderRecord[i] = record;
      orderTexts[i] = facts.opref;
      if (facts.proto !== null) orderProtos.set(i, facts.proto);
    }
  }
  if (index) {
    // A full listing also refreshes the order index that unfiltered listings use.
    if (index.changed() || !fs.existsSync(orderIndexPath(home, deleted))) {
      const entries: ((OrderEntry & { g: number }) | undefined)[] = new Array(names.length);
      for (let i = 0; i < names.length; i++) {
        const record = orderRecord![i];
        const g = record ? index.guildHash(i) : null;
        if (!record || g === null) continue;
        const proto = orderProtos.get(i) ?? null;
        entries[i] = { opref: orderTexts[i]!, proto, started: record.started, initialized: record.initialized, g };
      }
      saveOrderEntries(home, root, deleted, names, entries);
    }
    index.save();
  }
  linkTrials(runs);
  return { runs, warnings };
}

/** Trials Guild wrote record no batch: the batch runs of the listing that link them name it. */
function linkTrials(runs: RunRecord[]): void {
  let byTrial: Map<string, string> | null = null;
  for (const r of runs) {
    const links = (r as unknown as Record<symbol, string[] | undefined>)[TRIAL_LINKS];
    if (!links) continue;
    byTrial ??= new Map();
    for (const t of links) byTrial.set(t, r.id);
  }
  if (!byTrial) return;
  for (const r of runs) if (r.batch === null) r.batch = byTrial.get(r.id) ?? null;
}

/** A name that can only ever be a directory entry of a runs root: never a path. */
export function isSafeRunName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0");
}
