import type { RunRecord, RunStatus } from "@guildts/runstore";
import { showInput } from "@guildts/runstore";
import { compileFilterExpr, FilterSyntaxError, parseFilterExpr, type FilterRun } from "./filter-expr.js";
import { type AttrValue as PyValue, pyStr } from "@guildts/py";
import { inTimeRange, parseTimeRange, TimeRangeError } from "./timerange.js";

/** The run filters shared by every command (`guild-ls-runs`, `guild runs`, selection...). */
export interface RunFilter {
  /** Operation substrings (OR). A value starting with `^` or ending with `$` is a regex, as in Guild. */
  ops?: string[];
  /** Statuses to keep (OR); empty or absent keeps all. */
  statuses?: RunStatus[];
  /** Label substrings (OR, case-sensitive); `-` means "no label", as in Guild. */
  labels?: string[];
  /** Only runs without a label. */
  unlabeled?: boolean;
  /** Exact tags (OR). */
  tags?: string[];
  /** Only marked runs. */
  marked?: boolean;
  /** Only unmarked runs. */
  unmarked?: boolean;
  /** Guild's `-Fo/--operation`: opspecs matched part by part (`*` globs; `^…`/`…$` regexes); OR. */
  opspecs?: string[];
  /** Statuses to drop (Guild's `--not-*`, AND'ed). */
  notStatuses?: RunStatus[];
  /** Guild's `-Fc/--comment`: case-insensitive substrings of a comment's user, host or body (OR); `-`: no comments. */
  comments?: string[];
  /** Guild's `-Fs/--started RANGE` (§5.5). */
  started?: string;
  /** Guild's `-Fd/--digest`: the source code digest starts with it. */
  digest?: string;
  /** Guild's `-F/--filter EXPR` (§5.4). */
  expr?: string;
  /** Only the trials of this batch run (an id or unique id prefix; resolved by runView). */
  batch?: string;
}

/** What a filter needs beyond the record: attrs, flags and scalars on demand, and the time. */
export interface FilterEnv {
  /** The FilterRun of a run (expressions, `-Fc`, `-Fd`); default: what the record holds. */
  run?: (r: RunRecord) => FilterRun;
  /** The reference time of `--started` (default: now). */
  now?: Date;
}

export class FilterError extends Error {
  override name = "FilterError";
  /** Lines to print after the message (Guild's hint after a bad RANGE). */
  hints: string[] = [];
}

/** A FilterRun over a record alone: its listed attrs and flags, no scalars. */
export function recordFilterRun(r: RunRecord): FilterRun {
  return {
    attr: (name) => recordAttr(r, name),
    flag: (name) => r.flags[name],
    scalar: () => undefined,
    tags: () => r.tags,
  };
}

/** The names `recordAttr` answers: kept beside it so a reader of the list (the filter tier) cannot drift from it. */
export const RECORD_ATTR_NAMES: ReadonlySet<string> = new Set([
  "id",
  "run",
  "short_id",
  "operation",
  "op",
  "op_model",
  "status",
  "label",
  "tags",
  "marked",
  "exit_status",
  "flags",
]);

/**
 * The attrs a record holds, as a filter expression sees them (Guild's index core attrs, then
 * the raw attrs): `id`, `run`/`short_id`, `operation`, `op`, `op_model`, `status`, and the listed
 * `label`, `tags`, `marked`, `exit_status`. Undefined for any other name.
 */
export function recordAttr(r: RunRecord, name: string): PyValue | undefined {
  switch (name) {
    case "id":
      return r.id;
    case "run":
    case "short_id":
      return r.id.slice(0, 8);
    case "operation":
      return r.operation;
    case "op":
      return r.opref?.op ?? null;
    case "op_model":
      return r.opref?.model || null;
    case "status":
      return r.status;
    case "label":
      return r.label;
    case "tags":
      return r.tags;
    case "marked":
      return r.marked;
    case "exit_status":
      return r.exit_status;
    case "flags":
      return r.flags;
    default:
      return undefined;
  }
}

/** Python's fnmatch (POSIX: case-sensitive): `*`, `?`, `[seq]`, `[!seq]`. */
function fnmatchRegex(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      const j = pattern.indexOf("]", i + 2);
      if (j < 0) re += "\\[";
      else {
        let body = pattern.slice(i + 1, j);
        const neg = body.startsWith("!");
        if (neg) body = body.slice(1);
        re += `[${neg ? "^" : ""}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  try {
    return new RegExp(`^${re}$`, "s");
  } catch {
    return new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&").replaceAll("\\*", "[\\s\\S]*")}$`, "s");
  }
}

type OpParts = [string | null, string | null, string | null];

/** Guild's _split_opspec: (pkg, model, op), or all null for text that is no opspec. */
export function splitOpspec(spec: string): OpParts {
  if (spec === "") return [null, null, null];
  let model: string | null;
  let op: string;
  let m: RegExpExecArray | null;
  if (!spec.includes("/") && !spec.includes(":")) return [null, null, spec];
  if ((m = /^([^/:]*):([^/:]+)$/.exec(spec))) [model, op] = [m[1]!, m[2]!];
  else if ((m = /^([^/:]*\/[^/:?]*):([^/:]+)$/.exec(spec))) [model, op] = [m[1]!, m[2]!];
  else if ((m = /^([^/:]+\/):?([^/:]+)$/.exec(spec))) [model, op] = [m[1]!, m[2]!];
  else return [null, null, null];
  if (model) {
    const k = model.indexOf("/");
    if (k >= 0) return [model.slice(0, k), model.slice(k + 1), op];
  }
  return [null, model, op];
}

/** Guild's `-Fo VAL` test of an operation description (store spec §5.2). */
function opspecMatcher(value: string): (operation: string) => boolean {
  if (value.startsWith("^") || value.endsWith("$")) {
    let re: RegExp | null = null;
    try {
      re = new RegExp(value);
      re.test("");
    } catch {
      re = null; // Guild: a bad regex matches nothing
    }
    return (op) => re?.test(op) === true;
  }
  const ref = splitOpspec(value);
  const parts = ref.map((p) => (p?.includes("*") ? fnmatchRegex(p) : p));
  return (operation) => {
    const got = splitOpspec(operation);
    return parts.every((p, i) => {
      if (!p) return true;
      const g = got[i];
      if (!g) return false;
      return typeof p === "string" ? p === g : p.test(g);
    });
  };
}

/** Guild's `-Fc`: a comment's user, host or body holds VAL (case-insensitive); `-` means none. */
function commentsMatch(comments: PyValue | undefined, values: string[]): boolean {
  const list = Array.isArray(comments) ? comments : [];
  return values.some((v) => {
    if (v === "-") return list.length === 0;
    const needle = v.toLowerCase();
    return list.some((c) => {
      if (typeof c !== "object" || c === null || Array.isArray(c)) return false;
      const d = c as Record<string, PyValue>;
      return ["user", "host", "body"].some((k) => d[k] !== undefined && d[k] !== null && pyStr(d[k]!).toLowerCase().includes(needle));
    });
  });
}

function opMatcher(value: string): (operation: string) => boolean {
  if (value.startsWith("^") || value.endsWith("$")) {
    const invalid = (e: unknown) =>
      new FilterError(`invalid operation pattern '${showInput(value)}': ${showInput((e as Error).message, 400)}`);
    let re: RegExp;
    try {
      re = new RegExp(value);
      // V8 compiles a pattern on first use, once for one-byte and once for two-byte subjects, and
      // only then finds some errors ("Regular expression too large"): compile both now.
      re.test("");
      re.test("\u0100");
    } catch (e) {
      throw invalid(e);
    }
    return (op) => {
      try {
        return re.test(op);
      } catch (e) {
        throw invalid(e);
      }
    };
  }
  return (op) => op.includes(value);
}

function strippedLabel(r: RunRecord): string {
  return (r.label ?? "").trim();
}

/**
 * Compiles a filter into one predicate (checked once, applied to many runs). Throws FilterError
 * for a filter that cannot work (a bad regex, `--label` with `--unlabeled`).
 */
export function compileFilter(f: RunFilter, env: FilterEnv = {}): (r: RunRecord) => boolean {
  const tests: ((r: RunRecord) => boolean)[] = [];
  const runOf = env.run ?? recordFilterRun;
  if (f.labels?.length && f.unlabeled) throw new FilterError("--label and --unlabeled cannot both be used");
  if (f.marked && f.unmarked) throw new FilterError("--marked and --unmarked cannot both be used");
  if (f.statuses?.length) {
    const set = new Set<string>(f.statuses);
    tests.push((r) => set.has(r.status));
  }
  if (f.ops?.length) {
    const ms = f.ops.map(opMatcher);
    tests.push((r) => r.operation !== null && ms.some((m) => m(r.operation!)));
  }
  if (f.labels?.length) {
    const labels = f.labels;
    tests.push((r) => {
      const label = strippedLabel(r);
      return labels.some((l) => (l === "-" ? label === "" : label.includes(l)));
    });
  }
  if (f.unlabeled) tests.push((r) => strippedLabel(r) === "");
  if (f.tags?.length) {
    const tags = f.tags;
    tests.push((r) => tags.some((t) => r.tags.includes(t)));
  }
  if (f.marked) tests.push((r) => r.marked);
  if (f.unmarked) tests.push((r) => !r.marked);
  if (f.notStatuses?.length) {
    const set = new Set<string>(f.notStatuses);
    tests.push((r) => !set.has(r.status));
  }
  if (f.opspecs?.length) {
    const ms = f.opspecs.map(opspecMatcher);
    tests.push((r) => r.operation !== null && ms.some((m) => m(r.operation!)));
  }
  if (f.comments?.length) {
    const values = f.comments;
    tests.push((r) => commentsMatch(runOf(r).attr("comments"), values));
  }
  if (f.started !== undefined) {
    let range;
    try {
      range = parseTimeRange(f.started, env.now);
    } catch (e) {
      if (!(e instanceof TimeRangeError)) throw e;
      const err = new FilterError(`invalid RANGE: ${showInput(e.message, 400)}`);
      err.hints.push("Try 'guild runs list --help' for help specifying time ranges.");
      throw err;
    }
    tests.push((r) => inTimeRange(range, r.started ?? r.initialized));
  }
  if (f.digest !== undefined && f.digest !== "") {
    const prefix = f.digest;
    tests.push((r) => {
      const d = runOf(r).attr("sourcecode_digest");
      return typeof d === "string" && d.startsWith(prefix);
    });
  }
  if (f.expr !== undefined && f.expr.trim() !== "") {
    let pred: (run: FilterRun) => boolean;
    try {
      pred = compileFilterExpr(parseFilterExpr(f.expr));
    } catch (e) {
      if (e instanceof FilterSyntaxError) throw new FilterError(e.message);
      throw e;
    }
    tests.push((r) => pred(runOf(r)));
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (r) => tests.every((t) => t(r));
}

export function isEmptyFilter(f: RunFilter): boolean {
  return !(
    f.ops?.length ||
    f.statuses?.length ||
    f.labels?.length ||
    f.unlabeled ||
    f.tags?.length ||
    f.marked ||
    f.unmarked ||
    f.opspecs?.length ||
    f.notStatuses?.length ||
    f.comments?.length ||
    f.started !== undefined ||
    f.digest ||
    f.expr?.trim() ||
    f.batch
  );
}
