import { formatFrom, formatTimestamp, runDuration } from "@guildts/format";
import fs from "node:fs";
import {
  FilterTier,
  readAttr,
  ScalarCache,
  scalarKey,
  type AttrValue,
  type LazyRunRecord,
  type RunRecord,
  type ScalarSummary,
} from "@guildts/runstore";
import { RECORD_ATTR_NAMES, recordAttr, type FilterEnv, type FilterRun } from "@guildts/select";

/**
 * The attrs Guild writes in a run's `.guild/attrs/`: an unprefixed name in a filter expression
 * reads one of these from disk when the record does not hold it. Any other unprefixed name goes
 * on to the flags and scalars without a file read per run (`attr:NAME` reads any attr).
 */
const GUILD_ATTRS = new Set([
  "cmd",
  "comments",
  "deps",
  "env",
  "host",
  "initialized",
  "objective",
  "op",
  "opdef",
  "pip_freeze",
  "platform",
  "plugins",
  "random_seed",
  "requirements",
  "resolved_deps",
  "run_params",
  "sourcecode_digest",
  "started",
  "stopped",
  "user",
  "user_flags",
  "vcs_commit",
]);

/** Guild's index core attrs, computed (they override the raw attrs of the same name). */
const CORE = new Set([
  "id",
  "run",
  "short_id",
  "operation",
  "from",
  "op",
  "op_model",
  "sourcecode",
  "started",
  "stopped",
  "status",
  "time",
]);

/** A raw attr of a run (never through a symlink), undefined when missing, unreadable or not an attr name. */
export function readRawAttr(r: RunRecord, name: string): AttrValue | undefined {
  try {
    return readAttr(r.dir, name);
  } catch {
    return undefined;
  }
}

/** A scalar's summary in a JSON record (`guild-ls-runs --json --scalars`, `guild compare --json`). */
export interface ScalarJson {
  last: number;
  step: number;
  min: number;
  max: number;
  count: number;
}

/** The `scalars` of a JSON record: `{key: {last, step, min, max, count}}`, Guild's `sys/*` tags left out. */
export function scalarsJson(scalars: readonly ScalarSummary[]): Record<string, ScalarJson> {
  const out: Record<string, ScalarJson> = {};
  for (const s of scalars) {
    if (s.tag.startsWith("sys/")) continue;
    out[scalarKey(s)] = { last: s.last, step: s.lastStep, min: s.min, max: s.max, count: s.count };
  }
  return out;
}

/** Guild's `_find_scalar`: `prefix#tag`, or a tag under any prefix (the first found). */
export function findScalar(scalars: readonly ScalarSummary[], key: string): ScalarSummary | undefined {
  const k = key.indexOf("#");
  const prefix = k < 0 ? null : key.slice(0, k);
  const tag = k < 0 ? key : key.slice(k + 1);
  return scalars.find((s) => (!prefix || prefix === s.prefix) && s.tag === tag);
}

/**
 * What filter expressions, `-Fc` and `-Fd` read of runs in a store: the record first, attrs
 * on demand, scalars from the scalar cache (GUILD_HOME/cache/guildts/scalars.json). One per
 * command; `save()` writes the cache back.
 */
export class StoreFilterRuns {
  private readonly cache: ScalarCache;
  private readonly tier: FilterTier;
  private readonly memo = new WeakMap<RunRecord, FilterRun>();

  constructor(
    home: string | null,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.cache = new ScalarCache(home);
    this.tier = new FilterTier(home && !/^(off|0|false|no)$/i.test(process.env.GUILDTS_INDEX ?? "") ? home : null);
  }

  /** Stores a run read from disk in the filter tier (its scalars read for it), unless already there. */
  fill(r: RunRecord): void {
    if (this.tier.enabled && r.status !== "running" && !this.tier.get(r)) this.tier.put(r, this.scalarsOf(r));
  }

  /**
   * The FilterRun of a run the order index listed (not read): its flags and scalars from the
   * filter tier, no attrs (only for expressions that `tierServes`); null when the tier has no
   * current entry (read the run, then use `run`).
   */
  lazyRun(r: LazyRunRecord): FilterRun | null {
    const t = this.tier.get(r);
    if (!t) return null;
    return { attr: () => undefined, flag: (name) => t.flag(name), scalar: (key) => t.scalar(key), tags: () => [] };
  }

  scalarsOf(r: RunRecord): ScalarSummary[] {
    return this.cache.get(r.id, r.dir, (file, e) => this.warn(`run ${r.id}: cannot read ${file}: ${e.message}`));
  }

  run(r: RunRecord): FilterRun {
    let f = this.memo.get(r);
    if (f) return f;
    let scalars: ScalarSummary[] | undefined;
    const raw = new Map<string, AttrValue | undefined>();
    const rawAttr = (name: string) => {
      if (!raw.has(name)) raw.set(name, readRawAttr(r, name));
      return raw.get(name);
    };
    f = {
      attr: (name, forced) => {
        if (CORE.has(name)) {
          switch (name) {
            case "from":
              return formatFrom(r);
            case "sourcecode": {
              const d = rawAttr("sourcecode_digest");
              return typeof d === "string" ? d.slice(0, 8) : null;
            }
            case "started":
              return formatTimestamp(r.started);
            case "stopped":
              return formatTimestamp(r.stopped);
            case "time":
              return runDuration(r) || null;
          }
          return recordAttr(r, name);
        }
        const listed = recordAttr(r, name);
        if (listed !== undefined) return listed;
        return forced || GUILD_ATTRS.has(name) ? rawAttr(name) : undefined;
      },
      flag: (name) => r.flags[name],
      scalar: (key) => {
        if (scalars === undefined) {
          const t = this.tier.get(r);
          if (t) return t.scalar(key);
          scalars = this.scalarsOf(r);
          this.tier.put(r, scalars);
        }
        return findScalar(scalars, key)?.last;
      },
      tags: () => r.tags,
    };
    this.memo.set(r, f);
    return f;
  }

  /** The filter environment to pass to compileFilter/runView. */
  env(): FilterEnv {
    return { run: (r) => this.run(r) };
  }

  save(): void {
    this.cache.save();
    this.tier.save((dir) => fs.lstatSync(dir, { throwIfNoEntry: false }) !== undefined);
  }
}

/**
 * Whether the filter tier can answer a reference alone: `flag:`/`scalar:` ones, and unprefixed
 * names that are no attr a run lists or Guild writes (they go on to the flags, then the scalars).
 */
export function tierServes(ref: string): boolean {
  if (ref.startsWith("flag:") || ref.startsWith("scalar:")) return true;
  if (ref.startsWith("attr:") || ref === "tag") return false;
  return !CORE.has(ref) && !RECORD_ATTR_NAMES.has(ref) && !GUILD_ATTRS.has(ref);
}
