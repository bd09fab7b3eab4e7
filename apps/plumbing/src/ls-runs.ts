import { CliError, EXIT, formatTimestamp, LineWriter, oneLine, writeJsonLines } from "@guildts/format";
import { LazyRunRecord, listRuns, type RunRecord, type StoreWarning } from "@guildts/runstore";
import {
  compileFilterExpr,
  exprRefs,
  FilterError,
  isEmptyFilter,
  LOCAL_SCOPE_NOTE,
  parseFilterExpr,
  runView,
  scopePredicate,
  newestRuns,
  sortRuns,
  type FilterRun,
} from "@guildts/select";
import { addRunOptions, plumbingMain, say, type CommandDef } from "./cli.js";
import { runOptions, storeFilterRuns, type RunOptions } from "./run-options.js";
import { scalarsJson, tierServes } from "./filter-run.js";
import { PLUMBING_SUMMARIES } from "./summaries.js";

export interface LsRunsResult {
  runs: RunRecord[];
  /** How many runs the scoped, filtered list holds (more than `runs` under a limit). */
  total: number;
  warnings: StoreWarning[];
  /** The scope note to print on stderr, if the listing is local. */
  note: string | null;
}

/**
 * The listing every run command starts from: read the store, scope, filter, sort (newest
 * first), and keep the newest `limit` runs if given. An unfiltered listing under a limit only
 * checks the order and scope of the runs it does not return (see the run index's "order" tier).
 * `idPrefix` keeps only the runs whose id starts with it (completion), before the limit.
 */
export function lsRuns(o: RunOptions, limit?: number, idPrefix = ""): LsRunsResult {
  const note = o.scope.kind === "local" && !o.quiet ? LOCAL_SCOPE_NOTE : null;
  if (!o.home.exists) return { runs: [], total: 0, warnings: [], note };
  if (limit !== undefined && isEmptyFilter(o.filter)) {
    const listed = listRuns(o.home.path, { deleted: o.deleted, tier: "order" });
    const inScope = scopePredicate(o.scope);
    const view = listed.runs.filter((r) => r.id.startsWith(idPrefix) && inScope(r));
    const shown = listed.confirm(newestRuns(view, limit));
    return { runs: shown.runs, total: view.length, warnings: [...listed.warnings, ...shown.warnings], note };
  }
  const fast = limit !== undefined ? tierFilter(o) : null;
  if (fast) return lsRunsFromTier(o, fast, limit!, idPrefix, note);
  const listed = listRuns(o.home.path, { deleted: o.deleted });
  let view: RunRecord[];
  try {
    view = runView(listed.runs, { scope: o.scope, filter: o.filter }, o.env);
    if (idPrefix) view = view.filter((r) => r.id.startsWith(idPrefix));
  } catch (e) {
    if (e instanceof FilterError) throw new CliError(e.message, EXIT.NO_MATCH);
    throw e;
  }
  return { runs: limit === undefined ? view : view.slice(0, limit), total: view.length, warnings: listed.warnings, note };
}

/**
 * The predicate of a filter that is one expression reading only flags and scalars (`-F 'lr >
 * 0.01 and acc > 0.5'`), which the filter tier answers without reading runs; null for any other.
 */
function tierFilter(o: RunOptions): ((run: FilterRun) => boolean) | null {
  const expr = o.filter.expr;
  if (!o.env || expr === undefined || !expr.trim() || !isEmptyFilter({ ...o.filter, expr: undefined })) return null;
  try {
    const e = parseFilterExpr(expr);
    return exprRefs(e).every(tierServes) ? compileFilterExpr(e) : null;
  } catch {
    return null; // the full path reports it
  }
}

/** Runs the tier may lack before a filtered listing reads the whole store through the run index instead (tests lower it). */
const TIER_READ_MAX = Number(process.env.GUILDTS_TIER_READ_MAX ?? 2000);

/**
 * A filtered listing under a limit from the order index and the filter tier: each run's order,
 * scope, flags and scalars come from the caches (one stat per run); runs the tier does not hold
 * (new, changed, running) are read, and so are the runs shown.
 */
function lsRunsFromTier(
  o: RunOptions,
  pred: (run: FilterRun) => boolean,
  limit: number,
  idPrefix: string,
  note: string | null,
): LsRunsResult {
  const store = storeFilterRuns(o.home);
  const listed = listRuns(o.home.path, { deleted: o.deleted, tier: "order" });
  const inScope = scopePredicate(o.scope);
  const kept: (RunRecord | LazyRunRecord)[] = [];
  const unread: LazyRunRecord[] = [];
  for (const r of listed.runs) {
    if (!r.id.startsWith(idPrefix) || !inScope(r)) continue;
    if (r instanceof LazyRunRecord) {
      const f = store.lazyRun(r);
      if (!f) unread.push(r);
      else if (pred(f)) kept.push(r);
    } else {
      store.fill(r);
      if (pred(store.run(r))) kept.push(r);
    }
  }
  if (unread.length > TIER_READ_MAX) {
    // A cold or mostly stale tier: the full listing (the run index) reads them faster, and fills it.
    const full = listRuns(o.home.path, { deleted: o.deleted });
    const view = sortRuns(
      full.runs.filter((r) => {
        if (!r.id.startsWith(idPrefix) || !inScope(r)) return false;
        store.fill(r);
        return pred(store.run(r));
      }),
    );
    return { runs: view.slice(0, limit), total: view.length, warnings: full.warnings, note };
  }
  const read = listed.confirm(unread);
  for (const r of read.runs) {
    store.fill(r);
    if (inScope(r) && pred(store.run(r))) kept.push(r);
  }
  const view = sortRuns(kept);
  const shown = listed.confirm(view.slice(0, limit));
  return { runs: shown.runs, total: view.length, warnings: [...listed.warnings, ...read.warnings, ...shown.warnings], note };
}

/**
 * The records of `guild-ls-runs --json --scalars`: each record followed by its `scalars`
 * (`guild view`'s /api/runs streams the same).
 */
export function* recordsWithScalars(
  o: Pick<RunOptions, "home">,
  runs: Iterable<RunRecord>,
): Generator<RunRecord & { scalars: ReturnType<typeof scalarsJson> }> {
  const store = storeFilterRuns(o.home);
  for (const r of runs) yield { ...r, scalars: scalarsJson(store.scalarsOf(r)) };
}

const MAX_WARNINGS = 20;

/** Prints store warnings on stderr, at most MAX_WARNINGS of them and a count of the rest. */
export function printWarnings(prog: string, warnings: StoreWarning[]): void {
  for (const w of warnings.slice(0, MAX_WARNINGS)) {
    say(prog, `warning: ${w.id === null ? "" : `run ${w.id}: `}${w.message}`);
  }
  if (warnings.length > MAX_WARNINGS) say(prog, `warning: ... and ${warnings.length - MAX_WARNINGS} more warnings`);
}

/** The value of `-n/--limit` (a whole number of 1 or more), as Guild's `-n` reads it. */
export function limitOption(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = /^[0-9]+$/.test(String(v)) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new CliError(`invalid value for '-n' / '--limit': '${v}' (a whole number of 1 or more)`, EXIT.USAGE);
  return n;
}

export function plainLine(r: RunRecord): string {
  return [r.id, r.operation ?? "?", formatTimestamp(r.started), r.status, oneLine(r.label ?? "")].join("\t");
}

/** `guild-ls-runs`: the listing, as tab-separated lines, NUL-terminated ids or JSON records. */
export const LS_RUNS: CommandDef = {
  summary: PLUMBING_SUMMARIES["guild-ls-runs"],
  usage:
    "[options]\n\nList runs, newest first: one line per run (ID, OPERATION, STARTED, STATUS, LABEL,\ntab-separated), or one JSON record per line with --json.",
  examples: [
    "guild-ls-runs -E --json | jq -r .id            # the ids of failed runs",
    "guild-ls-runs -o train -z | xargs -0 -n1 echo  # ids, NUL-terminated",
    "guild-ls-runs -F 'acc > 0.9' --json --scalars | jq '{id, acc: .scalars.acc.last}'",
  ],
  options: (cli) =>
    addRunOptions(cli)
      .option("--json", "One JSON object per line (see README: the --json contract)")
      .option("--scalars", "With --json: each record's scalars, {key: {last, step, min, max, count}}")
      .option("-z", "Print only ids, each terminated by NUL (for xargs -0)")
      .option("-n, --limit <n>", "Only the newest N runs (of the scoped, filtered list)")
      .option("-r, --remote <name>", "List the runs of remote NAME (Guild's user config, or ssh:[USER@]HOST[:PORT]) over ssh"),
  run({ prog, args, opts }) {
    if (args.length) {
      throw new CliError(`unexpected argument '${args[0]}'`, EXIT.USAGE);
    }
    if (opts.scalars && !opts.json) throw new CliError("--scalars needs --json", EXIT.USAGE);
    const limit = limitOption(opts.limit);
    const o = runOptions(opts);
    if (opts.remote !== undefined) {
      if (opts.scalars) throw new CliError("--scalars does not go with --remote", EXIT.USAGE);
      return lsRemoteRuns(opts, o, limit);
    }
    const { runs, warnings, note } = lsRuns(o, limit);
    if (note) process.stderr.write(note + "\n");
    printWarnings(prog, warnings);
    const out = new LineWriter();
    if (opts.z) for (const r of runs) out.line(r.id, "\0");
    else if (opts.json && opts.scalars) {
      writeJsonLines(recordsWithScalars(o, runs), (chunk) => out.raw(chunk));
    } else if (opts.json) writeJsonLines(runs, (chunk) => out.raw(chunk));
    else for (const r of runs) out.line(plainLine(r));
    out.flush();
    return 0;
  },
};

/** `guild-ls-runs -r NAME`: the remote's records; its modules are loaded only then (start-up stays small). */
async function lsRemoteRuns(opts: Record<string, unknown>, o: RunOptions, limit: number | undefined): Promise<number> {
  const { remoteCliError, remoteOption } = await import("./remote.js");
  const { listRemoteRuns } = await import("@guildts/remote");
  const remote = remoteOption(opts.remote, o.home.path);
  let listed: RunRecord[];
  try {
    listed = listRemoteRuns(remote, o.filter, { deleted: o.deleted }).runs.slice(0, limit);
  } catch (e) {
    throw remoteCliError(e);
  }
  const out = new LineWriter();
  if (opts.z) for (const r of listed) out.line(r.id, "\0");
  else if (opts.json) writeJsonLines(listed, (chunk) => out.raw(chunk));
  else for (const r of listed) out.line(plainLine(r));
  out.flush();
  return 0;
}

export function lsRunsMain(argv: string[]): void {
  plumbingMain("guild-ls-runs", LS_RUNS, argv);
}
