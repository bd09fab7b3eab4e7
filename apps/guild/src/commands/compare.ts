import fs from "node:fs";
import {
  checkColumns,
  CliError,
  type ColumnSpec,
  ColumnSpecError,
  compareCsv,
  compareData,
  compareTable,
  EXIT,
  fitCompareTable,
  LineWriter,
  parseColumns,
  runDuration,
  sortRows,
  terminalWidth,
  textFor,
  writeJsonLines,
} from "@guildts/format";
import { addGuildUnsupported, addRunOptions, runOptions, scalarsJson, storeFilterRuns } from "@guildts/plumbing";
import type { RunRecord, ScalarSummary } from "@guildts/runstore";
import type { CommandBody } from "../command.js";
import { selectForCommand } from "../select-one.js";
import { userConfig } from "../user-config.js";

/**
 * `guild compare [RUN...]`: runs side by side, one row per run with the core columns, flags and
 * the last value of each scalar (spec §6). Output: `--table` (the default for now), `--csv
 * [FILE|-]`, `--json`; on a terminal, the interactive view (compare-tui.ts).
 */
export const compare: CommandBody = {
  takesRuns: true,
  usage: "[RUN...] [options]\n\nCompare runs: flags and the last value of each scalar, one row per run (default: all runs).",
  examples: [
    "guild compare -o train          # on a terminal: the interactive view",
    "guild compare -t --max acc --top 5",
    "guild compare --csv runs.csv -c 'max acc, loss step'",
  ],
  options: (cli) =>
    addGuildUnsupported(
      // Guild's -t is --table and its -u --skip-unchanged: the tag and unlabeled filters keep --tag/-Ft, --unlabeled/-Fu.
      addRunOptions(cli, ["t", "u"]),
      "-e, --extra-cols",
      "-s, --all-scalars",
      "-cc, --strict-cols",
      "-p, --skip-op-cols",
      "-r, --skip-core",
      "-u, --skip-unchanged",
      "--tool",
      "--print-scalars",
    )
      .option("-t, --table", "Aligned text table (the default when stdout is not a terminal)")
      .option("--csv [file]", "CSV to FILE, or to stdout with '-' or no FILE")
      .option("--json", "One JSON object per run: guild-ls-runs --json --scalars' record, plus run, time and the columns")
      .option("-c, --cols <cols>", "Extra columns: KEY, min|max|first|last|avg|total|count KEY, KEY step, =FLAG, .ATTR; 'as NAME'")
      .option("--min <col>", "Sort by COL, smallest first")
      .option("--max <col>", "Sort by COL, largest first")
      .option("-n, --limit, --top <n>", "Only the first N rows (after sorting)")
      .option("-w, --width <n>", "Fit the table in N columns (on a terminal: $COLUMNS or its width; piped: not cut)")
      .option("--include-batch", "Include batch runs (left out by default, as Guild does; their trials are shown)"),
  run({ args, opts }) {
    const outputs = ["table", "csv", "json"].filter((k) => opts[k] !== undefined && opts[k] !== false);
    if (outputs.length > 1) throw new CliError(`--${outputs[0]} and --${outputs[1]} cannot both be specified`, EXIT.USAGE);
    const o = runOptions(opts);
    // Guild's compare leaves batch runs out (`is_batch`) unless --include-batch.
    const select = () => selectForCommand(o, args, ":").filter((r) => opts.includeBatch === true || r.batch_proto === null);
    const runs = select();
    // Summaries cached on disk per run (validated by stats; saved at exit), and per process per run.
    const store = storeFilterRuns(o.home);
    const scalarCache = new Map<string, ScalarSummary[]>();
    const scalarsOf = (r: RunRecord) => {
      let s = scalarCache.get(r.id);
      if (!s) scalarCache.set(r.id, (s = store.scalarsOf(r)));
      return s;
    };
    const out = new LineWriter();
    let cols;
    // Without -c, the user's default columns (config compare.columns).
    const configured = opts.cols === undefined ? userConfig(o.home.path).compare.columns : undefined;
    try {
      cols = opts.cols !== undefined ? parseColumns(String(opts.cols)) : configured !== undefined ? parseColumns(configured) : [];
      // A default column no selected run has is left out (defaults serve every project); -c's is an error.
      if (configured !== undefined) cols = cols.filter((c) => !isUnknownColumn(runs, c, scalarsOf));
      else checkColumns(runs, cols, scalarsOf);
    } catch (e) {
      if (e instanceof ColumnSpecError)
        throw new CliError(configured !== undefined ? `compare.columns of the config: ${e.message}` : e.message, EXIT.USAGE);
      throw e;
    }
    const data = compareData(runs, scalarsOf, cols);
    // The interactive view is the default on a terminal (stdin and stdout), as the runs guide has it.
    if (!opts.table && !opts.json && opts.csv === undefined && process.stdout.isTTY && process.stdin.isTTY) {
      // The TUI is loaded only here (its own chunk in the bundle).
      return import("../compare-tui.js").then(({ runCompareTui }) =>
        runCompareTui({
          initial: data,
          home: o.home.path,
          load: () => {
            scalarCache.clear();
            const rs = select();
            return { runs: rs, data: compareData(rs, scalarsOf, cols) };
          },
        }),
      );
    }
    try {
      if (opts.min !== undefined) sortRows(data, String(opts.min), false);
      if (opts.max !== undefined) sortRows(data, String(opts.max), true);
    } catch (e) {
      if (e instanceof ColumnSpecError) throw new CliError(e.message, EXIT.USAGE);
      throw e;
    }
    if (opts.top !== undefined) {
      const n = Number(opts.top);
      if (!Number.isInteger(n) || n < 1)
        throw new CliError(`invalid value for --top: '${opts.top}' (a whole number of 1 or more)`, EXIT.USAGE);
      data.rows = data.rows.slice(0, n);
    }
    if (opts.json) {
      // The records of guild-ls-runs --json --scalars, plus the short id, the duration and the
      // compare columns (header → value, --cols included) of the row.
      writeJsonLines(
        (function* () {
          for (const row of data.rows) {
            const r = row.run;
            yield {
              ...r,
              run: r.id.slice(0, 8),
              time: runDuration(r),
              scalars: scalarsJson(scalarsOf(r)),
              columns: Object.fromEntries(data.header.map((h) => [h, row.cells.get(h) ?? null])),
            };
          }
        })(),
        (chunk) => out.raw(chunk),
      );
      out.flush();
      return EXIT.OK;
    }
    if (opts.csv !== undefined) {
      const text = data.rows.length ? compareCsv(data) : "";
      const file = opts.csv === true || opts.csv === "-" ? null : String(opts.csv);
      if (file === null) out.raw(text);
      else {
        // No parent directories are made: a mistyped path is an error, not a new tree.
        try {
          fs.writeFileSync(file, text);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          const why = code === "ENOENT" ? "its directory does not exist" : code === "EISDIR" ? "it is a directory" : (e as Error).message;
          throw new CliError(`cannot write ${JSON.stringify(file)}: ${why}`, EXIT.FAULT);
        }
        process.stderr.write(`Wrote ${data.rows.length} row(s) to ${file}\n`);
      }
      out.flush();
      return EXIT.OK;
    }
    const width = tableWidth(opts);
    if (data.rows.length && width) {
      const { lines, cut } = fitCompareTable(data, width, { text: textFor(process.stdout) });
      for (const line of lines) out.line(line);
      out.flush();
      if (cut.length) {
        const names = data.header.filter((h) => cut.includes(h));
        process.stderr.write(
          `${names.length} column(s) not shown to fit ${width} columns: ${names.join(", ")} (a larger -w, --csv or --json show every column)\n`,
        );
      }
      return EXIT.OK;
    }
    if (data.rows.length) for (const line of compareTable(data, { text: textFor(process.stdout) })) out.line(line);
    out.flush();
    return EXIT.OK;
  },
};

/** The width to fit the table in: -w N; on a terminal $COLUMNS or its width; piped, none (Guild's bytes). */
function tableWidth(opts: Record<string, unknown>): number {
  if (opts.width !== undefined) {
    const n = Number(opts.width);
    if (!Number.isInteger(n) || n < 20)
      throw new CliError(`invalid value for --width: '${opts.width}' (a whole number of 20 or more)`, EXIT.USAGE);
    return n;
  }
  return terminalWidth(process.stdout);
}

/** Whether no run has what column `c` names (checkColumns' rule, for one column). */
function isUnknownColumn(runs: readonly RunRecord[], c: ColumnSpec, scalarsOf: (r: RunRecord) => ScalarSummary[]): boolean {
  try {
    checkColumns(runs, [c], scalarsOf);
    return false;
  } catch (e) {
    if (e instanceof ColumnSpecError) return true;
    throw e;
  }
}
