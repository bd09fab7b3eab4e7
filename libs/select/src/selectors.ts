import type { RunRecord } from "@guildts/runstore";
import { showInput } from "@guildts/runstore";
import { compareRuns } from "./sort.js";

/**
 * The selector grammar of the runs guide, with Guild's foot-guns removed (README: "Selecting
 * runs"):
 * - `N`: the Nth run of the scoped, filtered, newest-first list (1-based);
 * - `START:STOP`: runs START to STOP inclusive, either end optional; `:` is every run;
 * - anything else: a run id or a unique id prefix.
 * The index/prefix rule: an all-digit selector SHORTER than 8 characters is always an index,
 * never an id prefix, even when out of range (Guild issue #185); 8 characters or more (the
 * length of a short id) is an id prefix. An out-of-range index is an error.
 */
export type Selector =
  | { kind: "index"; text: string; index: number }
  | { kind: "range"; text: string; start: number | null; stop: number | null }
  | { kind: "prefix"; text: string; prefix: string; exact?: boolean };

/** All-digit selectors shorter than this are indexes. */
export const MIN_NUMERIC_PREFIX = 8;
export const SHORT_ID_LENGTH = 8;

export type SelectorErrorKind = "malformed" | "out-of-range" | "empty-range" | "no-match" | "ambiguous";

export class SelectorError extends Error {
  override name = "SelectorError";
  constructor(
    readonly kind: SelectorErrorKind,
    readonly selector: string,
    message: string,
    /** For "ambiguous": the matching runs, in list order. */
    readonly candidates: RunRecord[] = [],
  ) {
    super(message);
  }
}

const DIGITS = /^\d+$/;
const RANGE = /^(\d*):(\d*)$/;
// What a run directory name may hold: anything but a path (no `/`, no NUL, not `.`/`..`),
// and nothing that reads as an option or shell syntax by mistake.
const PREFIX = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

function positive(text: string, whole: string): number {
  const n = Number(text);
  if (n < 1) {
    throw new SelectorError("out-of-range", whole, `invalid selector '${showInput(whole)}': run indexes start at 1`);
  }
  return n;
}

/** A selector for one exact run id (from a JSON record or a full id): never a prefix. */
export function exactId(id: string): Selector {
  return { kind: "prefix", text: id, prefix: id, exact: true };
}

/** Parses one selector; throws SelectorError("malformed") naming it when it is none of the forms. */
export function parseSelector(text: string): Selector {
  if (DIGITS.test(text) && text.length < MIN_NUMERIC_PREFIX) {
    return { kind: "index", text, index: positive(text, text) };
  }
  const m = RANGE.exec(text);
  if (m) {
    const start = m[1] ? positive(m[1], text) : null;
    const stop = m[2] ? positive(m[2], text) : null;
    if (start !== null && stop !== null && start > stop) {
      throw new SelectorError(
        "empty-range",
        text,
        `empty range '${showInput(text)}': START must not be greater than STOP (runs are numbered newest first)`,
      );
    }
    return { kind: "range", text, start, stop };
  }
  if (PREFIX.test(text) && text !== "." && text !== "..") return { kind: "prefix", text, prefix: text };
  const what = text === "" ? "an empty selector" : `invalid selector '${showInput(text)}'`;
  throw new SelectorError("malformed", text, `${what}: use an index (1), a range (2:5, 3:, :), or a run id or id prefix`);
}

function plural(n: number): string {
  return n === 1 ? "1 run" : `${n} runs`;
}

/**
 * The list a selection resolves against, with a lazily built id-prefix table, so that many
 * prefix lookups on a large list cost microseconds each after one linear pass.
 */
export class RunList {
  private buckets: Map<string, RunRecord[]> | null = null;
  private position: Map<string, number> | null = null;
  /**
   * `runs` may be the head of a longer list of `total` runs (the newest N): enough for indexes
   * and ranges up to N, while errors still count every run.
   */
  constructor(
    readonly runs: readonly RunRecord[],
    readonly total: number = runs.length,
  ) {}

  get length(): number {
    return this.total;
  }

  /** Runs whose id starts with `prefix`, in list order. */
  withPrefix(prefix: string): RunRecord[] {
    if (prefix.length < 3) return this.runs.filter((r) => r.id.startsWith(prefix));
    if (!this.buckets) {
      this.buckets = new Map();
      for (const r of this.runs) {
        const key = r.id.slice(0, 3);
        const b = this.buckets.get(key);
        if (b) b.push(r);
        else this.buckets.set(key, [r]);
      }
    }
    return (this.buckets.get(prefix.slice(0, 3)) ?? []).filter((r) => r.id.startsWith(prefix));
  }

  /** The 0-based position of a run in the list. */
  indexOf(r: RunRecord): number {
    if (!this.position) {
      this.position = new Map();
      this.runs.forEach((x, i) => this.position!.set(x.id, i));
    }
    return this.position.get(r.id) ?? -1;
  }
}

/** Resolves one parsed selector to runs of `list` (in list order). */
export function resolveSelector(list: RunList, s: Selector): RunRecord[] {
  const n = list.length;
  switch (s.kind) {
    case "index":
      if (s.index > n) {
        throw new SelectorError(
          "out-of-range",
          s.text,
          `index ${s.index} is out of range: there ${n === 1 ? "is" : "are"} ${plural(n)} in this list` +
            (n ? ` (1 to ${n})` : "") +
            `; to select by id prefix, give at least ${MIN_NUMERIC_PREFIX} characters`,
        );
      }
      return [list.runs[s.index - 1]!];
    case "range": {
      const start = s.start ?? 1;
      if (n === 0 && s.start === null) return [];
      if (start > n) {
        throw new SelectorError(
          "out-of-range",
          s.text,
          `range '${showInput(s.text)}' starts past the end: there ${n === 1 ? "is" : "are"} ${plural(n)} in this list`,
        );
      }
      // STOP past the end is clamped, as in a slice: `5:` and `5:100` both mean "5 to the last".
      const stop = Math.min(s.stop ?? n, n);
      return list.runs.slice(start - 1, stop);
    }
    case "prefix": {
      const found = s.exact ? list.withPrefix(s.prefix).filter((r) => r.id === s.prefix) : list.withPrefix(s.prefix);
      if (found.length === 1) return found;
      if (found.length === 0) throw new SelectorError("no-match", s.text, `no run matches '${showInput(s.text)}'`);
      throw new SelectorError(
        "ambiguous",
        s.text,
        `'${showInput(s.text)}' matches ${found.length} runs: give more characters of the id`,
        found,
      );
    }
  }
}

/**
 * Resolves several selectors against one list: the union of their runs, de-duplicated, in list
 * order (not selector order). Throws the first SelectorError met.
 */
export function resolveSelectors(list: RunList | readonly RunRecord[], selectors: readonly (Selector | string)[]): RunRecord[] {
  const l = list instanceof RunList ? list : new RunList(list);
  const seen = new Set<string>();
  const out: RunRecord[] = [];
  for (const sel of selectors) {
    const s = typeof sel === "string" ? parseSelector(sel) : sel;
    for (const r of resolveSelector(l, s)) {
      if (!seen.has(r.id)) {
        seen.add(r.id);
        out.push(r);
      }
    }
  }
  if (selectors.length > 1) out.sort(compareRuns);
  return out;
}

/**
 * How many runs from the top of the list the selectors need (an index N needs N, a range
 * `A:B` needs B), or null when they need the whole list (a prefix, `:`, `A:`).
 */
export function headNeeded(selectors: readonly Selector[]): number | null {
  let n = 0;
  for (const s of selectors) {
    if (s.kind === "index") n = Math.max(n, s.index);
    else if (s.kind === "range" && s.stop !== null) n = Math.max(n, s.stop);
    else return null;
  }
  return n;
}

/** Whether a selector can be resolved from directory names alone (no full listing needed). */
export function isDirectLookup(s: Selector): boolean {
  return s.kind === "prefix" && (s.exact === true || s.prefix.length >= SHORT_ID_LENGTH);
}
