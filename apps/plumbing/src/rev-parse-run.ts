import fs from "node:fs";
import { alignColumns, CliError, EXIT, formatTimestamp, LineWriter, writeJsonLines } from "@guildts/format";
import { listRuns, runRootEntries, runsRoot, type RunRecord } from "@guildts/runstore";
import {
  compareRuns,
  compileFilter,
  exactId,
  headNeeded,
  isDirectLookup,
  LOCAL_SCOPE_NOTE,
  parseSelector,
  resolveSelectors,
  RunList,
  scopePredicate,
  SelectorError,
  SHORT_ID_LENGTH,
  type Selector,
} from "@guildts/select";
import { addRunOptions, idOfJsonLine, plumbingMain, readStdinLines, type CommandDef } from "./cli.js";
import { runOptions, type RunOptions } from "./run-options.js";
import { lsRuns, printWarnings } from "./ls-runs.js";
import { PLUMBING_SUMMARIES } from "./summaries.js";

const FULL_ID = /^[0-9a-f]{32}$/;

/** One line of `--stdin`: a selector, a full id, or a `guild-ls-runs --json` record. */
export function stdinSelector(line: string): Selector | null {
  const t = line.trim();
  if (t === "") return null;
  // A record names one exact run: its id must match whole, not as a prefix.
  if (t.startsWith("{")) return exactId(idOfJsonLine(t));
  return parseSelector(t);
}

export interface Selection {
  runs: RunRecord[];
  warnings: ReturnType<typeof lsRuns>["warnings"];
  note: string | null;
}

/**
 * Resolves selectors to runs (list order, de-duplicated) over the scoped, filtered list. When
 * every selector is an id prefix of 8+ characters (or an exact id), only the matching run
 * directories are read, not the whole store.
 */
export function selectRuns(o: RunOptions, selectors: Selector[]): Selection {
  try {
    return selectIn(o, selectors);
  } catch (e) {
    throw outOfScope(o, e);
  }
}

/**
 * A prefix that matches no run of the local scope but some run outside it (an id copied from
 * `guild runs -a` in another project): the error says so and suggests -a.
 */
function outOfScope(o: RunOptions, e: unknown): unknown {
  if (!(e instanceof SelectorError) || e.kind !== "no-match" || o.scope.kind !== "local" || !o.home.exists) return e;
  const names = runRootEntries(runsRoot(o.home.path, o.deleted)).filter((n) => n.startsWith(e.selector));
  if (names.length === 0) return e;
  const inScope = scopePredicate(o.scope);
  const outside = listRuns(o.home.path, { deleted: o.deleted, ids: new Set(names) }).runs.filter((r) => !inScope(r));
  if (outside.length === 0) return e;
  const which = outside.length === 1 ? `run ${outside[0]!.id.slice(0, SHORT_ID_LENGTH)} matches` : `${outside.length} runs match`;
  return new SelectorError(
    "no-match",
    e.selector,
    `${e.message} among the runs of the current directory (${which} outside it: use -a to include all runs)`,
  );
}

function selectIn(o: RunOptions, selectors: Selector[]): Selection {
  // (--batch needs the whole listing: a trial Guild wrote is known by its batch's link.)
  if (selectors.length > 0 && selectors.every(isDirectLookup) && o.filter.batch === undefined) {
    if (!o.home.exists) return resolveIn([], selectors, [], null);
    const root = runsRoot(o.home.path, o.deleted);
    const wanted = new Set<string>();
    // A full 32-hex id names its directory: no need to list 100k names to find it.
    const rest = selectors.filter(
      (s) => !(s.kind === "prefix" && FULL_ID.test(s.prefix) && fs.existsSync(`${root}/${s.prefix}`) && wanted.add(s.prefix)),
    );
    if (rest.length) {
      const names = runRootEntries(root);
      for (const s of rest) {
        if (s.kind !== "prefix") continue;
        for (const n of names) if (s.exact ? n === s.prefix : n.startsWith(s.prefix)) wanted.add(n);
      }
    }
    const listed = listRuns(o.home.path, { deleted: o.deleted, ids: wanted });
    const inScope = scopePredicate(o.scope);
    const matches = compileFilter(o.filter, o.env);
    const view = listed.runs.filter((r) => inScope(r) && matches(r)).sort(compareRuns);
    return resolveIn(view, selectors, listed.warnings, o.scope.kind === "local", view.length, o.quiet === true);
  }
  // Indexes and bounded ranges need only the head of the list (`1`, `1:20`): lsRuns then checks
  // the rest for order and scope alone.
  const head = selectors.length ? headNeeded(selectors) : null;
  const all = lsRuns(o, head ?? undefined);
  return resolveIn(all.runs, selectors, all.warnings, o.scope.kind === "local", all.total, o.quiet === true);
}

function resolveIn(
  view: RunRecord[],
  selectors: Selector[],
  warnings: Selection["warnings"],
  local: boolean | null,
  total = view.length,
  quietNote = false,
): Selection {
  const runs = resolveSelectors(new RunList(view, total), selectors);
  return { runs, warnings, note: local && !quietNote ? LOCAL_SCOPE_NOTE : null };
}

/** The CliError for a SelectorError: candidates listed for an ambiguous prefix. */
export function selectorCliError(e: SelectorError): CliError {
  const code = e.kind === "malformed" ? EXIT.USAGE : EXIT.NO_MATCH;
  const hints = e.candidates.length
    ? alignColumns(
        e.candidates.map((r) => [r.id.slice(0, SHORT_ID_LENGTH), r.operation ?? "?", formatTimestamp(r.started)]),
        { indent: "  " },
      )
    : [];
  return new CliError(e.message, code, hints);
}

/** `guild-rev-parse-run`: what a person typed (`1`, `2:5`, an id prefix) turned into full run ids. */
export const REV_PARSE_RUN: CommandDef = {
  summary: PLUMBING_SUMMARIES["guild-rev-parse-run"],
  usage:
    "[options] [SELECTOR...]\n\n" +
    "Print the full id of each selected run, one per line, in list order (newest first).\n" +
    "SELECTOR: N (index, 1 = newest), START:STOP (inclusive, either end optional; ':' = all),\n" +
    "or a run id / unique id prefix. All-digit selectors shorter than 8 characters are indexes.",
  examples: [
    "guild-rev-parse-run 1             # the id of the newest run",
    "guild-rev-parse-run -E 1:5 --json # the newest five failed runs, as records",
    "guild-rev-parse-run --verify -q e372a2f0 && echo one run",
  ],
  options: (cli) =>
    addRunOptions(cli, [], { quiet: "No scope note; with --verify: print nothing, only set the exit status" })
      .option("--stdin", "Also read selectors from stdin, one per line: a selector, an id, or a guild-ls-runs --json record")
      .option("--json", "Print guild-ls-runs --json records instead of ids")
      .option("--short", "Print 8-character short ids")
      .option("--verify", "Require exactly one run (exit 1 otherwise)"),
  run({ prog, args, opts }) {
    // -q alone silences the scope note (runOptions); with --verify, everything.
    const quiet = opts.quiet === true && opts.verify === true;
    const o = runOptions(opts);
    let selectors: Selector[];
    try {
      selectors = args.map(parseSelector);
      if (opts.stdin)
        for (const line of readStdinLines()) {
          const s = stdinSelector(line);
          if (s) selectors.push(s);
        }
    } catch (e) {
      if (e instanceof SelectorError) throw quietly(quiet, selectorCliError(e));
      throw e;
    }
    if (selectors.length === 0) {
      if (opts.stdin) return EXIT.OK; // an empty stream selects nothing: fine in a pipeline
      throw quietly(quiet, new CliError("no selector given: use an index (1), a range (1:5, ':' for all), or an id prefix", EXIT.USAGE));
    }
    let sel: Selection;
    try {
      sel = selectRuns(o, selectors);
    } catch (e) {
      if (e instanceof SelectorError) throw quietly(quiet, selectorCliError(e));
      throw e;
    }
    if (!quiet) {
      if (sel.note) process.stderr.write(sel.note + "\n");
      printWarnings(prog, sel.warnings);
    }
    if (opts.verify && sel.runs.length !== 1) {
      if (quiet) return EXIT.NO_MATCH;
      const what = sel.runs.length === 0 ? "no run" : `${sel.runs.length} runs`;
      throw new CliError(`--verify needs exactly one run, and the selection has ${what}`, EXIT.NO_MATCH);
    }
    if (quiet) return EXIT.OK;
    const out = new LineWriter();
    if (opts.json) writeJsonLines(sel.runs, (chunk) => out.raw(chunk));
    else for (const r of sel.runs) out.line(opts.short ? r.id.slice(0, SHORT_ID_LENGTH) : r.id);
    out.flush();
    return EXIT.OK;
  },
};

export function revParseRunMain(argv: string[]): void {
  plumbingMain("guild-rev-parse-run", REV_PARSE_RUN, argv);
}

/** Under -q, errors keep their exit code but print nothing. */
function quietly(quiet: boolean, e: CliError): CliError {
  return quiet ? new QuietError(e.exitCode) : e;
}

export class QuietError extends CliError {
  constructor(code: number) {
    super("", code);
  }
}
