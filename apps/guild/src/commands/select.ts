import {
  checkColumns,
  CliError,
  ColumnSpecError,
  compareData,
  EXIT,
  formatCommand,
  formatFrom,
  formatTimestamp,
  LineWriter,
  parseColumns,
  runDuration,
  sortRows,
  eachLine,
  textFor,
  tildePath,
} from "@guildts/format";
import { addGuildShorts, addRunOptions, readRawAttr, runOptions, storeFilterRuns } from "@guildts/plumbing";
import { encodeAttr, type AttrValue, type RunRecord, type ScalarSummary } from "@guildts/runstore";
import type { CommandBody } from "../command.js";
import { selectForCommand, selectOne } from "../select-one.js";

/** Guild's `run_util.format_run` fields that `--attr` shows formatted (the rest: the raw attr). */
function formattedAttr(r: RunRecord, name: string): string | undefined {
  const text = (v: AttrValue | undefined) => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
  switch (name) {
    case "command": {
      const cmd = readRawAttr(r, "cmd");
      return formatCommand(Array.isArray(cmd) ? cmd.map((x) => String(x)) : null);
    }
    case "duration":
      return runDuration(r);
    case "exit_status":
      return r.exit_status === null ? "" : String(r.exit_status);
    case "from":
      return formatFrom(r, process.env.HOME);
    case "id":
      return r.id;
    case "label":
      return r.label ?? "";
    case "marked":
      return r.marked ? "yes" : "no";
    case "model":
      return r.opref?.model ?? "";
    case "op_name":
      return r.opref?.op ?? "";
    case "operation":
      return r.operation ?? "";
    case "pid":
      return r.pid === null ? "" : String(r.pid);
    case "pkg_name":
      return r.opref?.pkg ?? "";
    case "run_dir":
      return tildePath(r.dir, process.env.HOME);
    case "short_id":
      return r.id.slice(0, 8);
    case "sourcecode_digest":
    case "vcs_commit":
      return text(readRawAttr(r, name));
    case "started":
      return formatTimestamp(r.started);
    case "stopped":
      return formatTimestamp(r.stopped);
    case "status":
      return r.status;
    default:
      return undefined;
  }
}

/** `--attr NAME`: the formatted field, else the raw attr as YAML, else an error naming it. */
function attrText(r: RunRecord, name: string): string {
  const formatted = formattedAttr(r, name);
  if (formatted !== undefined) return formatted;
  const raw = readRawAttr(r, name);
  if (raw === undefined) throw new CliError(`no such run attribute '${name}'`, EXIT.NO_MATCH);
  return encodeAttr(raw).replace(/\n$/, "");
}

/**
 * `guild select [RUN...]` (Guild 0.9's, spec §4.7): the id of the latest matching run (or of
 * every one with -A, or of the one with the lowest/highest COLSPEC), its short id, its
 * directory or one of its attrs.
 */
export const select: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN...] [options]\n\nPrint the id of the latest matching run (RUN: an index, a range or an id prefix; several RUNs\n" +
    "or -A: every match, one per line). --min/--max COLSPEC: the run with the lowest/highest value\n" +
    "of one compare column (a scalar, =FLAG, .ATTR; min|max|first|last|avg|total|count SCALAR);\n" +
    "runs without the value are never picked.",
  examples: [
    "guild run --restart $(guild select --max acc -Fo train)",
    "guild select -A -Ft good                # every run tagged good",
    "guild select 1 -a label                 # the latest run's label",
  ],
  options: (cli) =>
    // -a and -A are Guild's (--attr, --all: every match); the scope's --all keeps its long name.
    addGuildShorts(addRunOptions(cli, ["a"]), { "-min": "--min", "-max": "--max" })
      .option("-A, --all-matching", "Every matching run, not only the latest (Guild's -A/--all)")
      .option("--min <colspec>", "The run with the lowest value of COLSPEC")
      .option("--max <colspec>", "The run with the highest value of COLSPEC")
      .option("-s, --short-id", "Print the short id")
      .option("-a, --attr <name>", "Print the run's attribute NAME instead of its id")
      .option("-p, --path", "Print the run directory (also --dir)")
      .option("--dir", "Print the run directory"),
  run({ args, opts }) {
    if (opts.shortId && opts.attr !== undefined) throw new CliError("--short-id and --attr cannot both be specified", EXIT.USAGE);
    if (opts.min !== undefined && opts.max !== undefined) throw new CliError("--min and --max cannot both be specified", EXIT.USAGE);
    const o = runOptions(opts);
    const colspec = opts.min ?? opts.max;
    let runs: RunRecord[];
    if (colspec !== undefined) {
      runs = selectForCommand(o, args, ":");
      if (runs.length === 0) throw new CliError("no matching runs", EXIT.NO_MATCH);
      const store = storeFilterRuns(o.home);
      runs = [best(runs, String(colspec), opts.max !== undefined, (r) => store.scalarsOf(r))];
    } else if (opts.allMatching || args.length > 1) {
      runs = selectForCommand(o, args, ":");
      if (runs.length === 0) throw new CliError("no matching runs", EXIT.NO_MATCH);
    } else runs = [selectOne(o, args[0])];
    const out = new LineWriter();
    // Exact on a pipe (`$(guild select)`); run data shown escaped on a terminal.
    const text = textFor(process.stdout);
    for (const r of runs) {
      if (opts.attr !== undefined) out.line(eachLine(attrText(r, String(opts.attr)), text));
      else if (opts.shortId) out.line(text(r.id.slice(0, 8)));
      else if (opts.path || opts.dir) out.line(text(r.dir));
      else out.line(text(r.id));
    }
    out.flush();
    return EXIT.OK;
  },
};

/** The run with the lowest (or highest) value of one compare column; ties: the first in list order. */
function best(runs: RunRecord[], colspec: string, highest: boolean, scalarsOf: (r: RunRecord) => ScalarSummary[]): RunRecord {
  try {
    const cols = parseColumns(colspec);
    if (cols.length !== 1) throw new CliError(`invalid col spec '${colspec}': multiple cols not supported`, EXIT.USAGE);
    checkColumns(runs, cols, scalarsOf);
    const data = compareData(runs, scalarsOf, cols);
    sortRows(data, cols[0]!.header, highest);
    return data.rows[0]!.run;
  } catch (e) {
    if (e instanceof ColumnSpecError) {
      const unknown = e.message.startsWith("unknown column");
      throw new CliError(unknown ? e.message : `invalid col spec '${colspec}': ${e.message}`, unknown ? EXIT.NO_MATCH : EXIT.USAGE);
    }
    throw e;
  }
}
