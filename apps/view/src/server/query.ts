import { CliError } from "@guildts/format";
import { RUN_STATUSES, runOptions, type RunOptions } from "@guildts/plumbing";
import { parseSelector, type Selector } from "@guildts/select";

/**
 * The query parameters of `/api/runs` (and of the page's URL): the CLI's run options by long
 * name, mapped to the same option object cac makes, then through plumbing's `runOptions` (one
 * reading of scope and filters for the CLI and the view).
 */
const REPEATABLE = new Set(["op", "label", "tag", "operation", "comment", "status", "not-status", "run", "batch"]);
const SINGLE = new Set(["filter", "started", "digest"]);
const FLAGS = new Set(["all", "marked", "unmarked", "unlabeled", "deleted"]);

export class QueryError extends Error {}

/** What the server was started with: its home, its cwd (scope) and whether -a was given. */
export interface ViewScope {
  home: string;
  cwd: string;
  all: boolean;
}

export interface RunQuery {
  options: RunOptions;
  selectors: Selector[];
}

/** Reads `filter=…&op=…&status=running&all=1&run=…` into run options and selectors. */
export function parseRunQuery(params: URLSearchParams, scope: ViewScope, ignore: readonly string[] = []): RunQuery {
  const opts: Record<string, unknown> = { home: scope.home };
  if (scope.all) opts.all = true;
  const selectors: Selector[] = [];
  for (const [key, value] of params) {
    if (ignore.includes(key)) continue;
    if (FLAGS.has(key)) {
      if (value !== "1" && value !== "true" && value !== "") throw new QueryError(`parameter '${key}' takes 1 or nothing`);
      opts[key] = true;
    } else if (key === "status" || key === "not-status") {
      if (!(RUN_STATUSES as readonly string[]).includes(value))
        throw new QueryError(`unknown status '${value}' (one of ${RUN_STATUSES.join(", ")})`);
      opts[key === "status" ? value : `not${value[0]!.toUpperCase()}${value.slice(1)}`] = true;
    } else if (key === "run") {
      try {
        selectors.push(parseSelector(value));
      } catch (e) {
        throw new QueryError((e as Error).message);
      }
    } else if (REPEATABLE.has(key)) {
      const prev = opts[key];
      opts[key] = Array.isArray(prev) ? [...prev, value] : [value];
    } else if (SINGLE.has(key)) opts[key] = value;
    else throw new QueryError(`unknown parameter '${key}'`);
  }
  try {
    return { options: runOptions(opts, scope.cwd), selectors };
  } catch (e) {
    if (e instanceof CliError) throw new QueryError(e.message);
    throw e;
  }
}

/** The CLI's run options (as cac parsed them) as query parameters: `guild view -o train` → `op=train`. */
export function queryOfOptions(opts: Record<string, unknown>, args: readonly string[]): URLSearchParams {
  const q = new URLSearchParams();
  const list = (v: unknown) => (v === undefined || v === false ? [] : [v].flat().map(String));
  for (const key of ["op", "label", "tag", "operation", "comment", "batch"]) for (const v of list(opts[key])) q.append(key, v);
  for (const key of ["filter", "started", "digest"]) {
    const v = list(opts[key]).at(-1);
    if (v !== undefined) q.set(key, v);
  }
  for (const key of ["marked", "unmarked", "unlabeled", "deleted"]) if (opts[key] === true) q.set(key, "1");
  for (const s of RUN_STATUSES) {
    if (opts[s] === true) q.append("status", s);
    if (opts[`not${s[0]!.toUpperCase()}${s.slice(1)}`] === true) q.append("not-status", s);
  }
  for (const a of args) q.append("run", a);
  return q;
}
