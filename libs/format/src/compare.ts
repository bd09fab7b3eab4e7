import type * as CsvStringify from "csv-stringify/sync";
import { GuildFloat, pythonFloatRepr, requireLazy, scalarKey, type AttrValue, type RunRecord, type ScalarSummary } from "@guildts/runstore";
import { naturalCompare } from "./run-info.js";
import { EXACT, type TextFilter } from "./safe.js";
import { alignColumns } from "./table.js";
import { formatTimestamp } from "./time.js";

/**
 * `guild compare` data (spec §6.2): per run the core columns, then the op columns (its flags,
 * then a step column and its scalars' last values), merged into one header in order of first
 * appearance, newest run first.
 */
export type Cell = AttrValue | undefined;

export interface CompareRow {
  run: RunRecord;
  cells: Map<string, Cell>;
}

export interface CompareData {
  header: string[];
  rows: CompareRow[];
}

/** `H:MM:SS` between started and stopped (or now, for a running run); "" when not stopped. */
export function runDuration(r: RunRecord, nowUs = Date.now() * 1000): string {
  if (r.started === null) return "";
  const end = r.stopped ?? (r.status === "running" ? nowUs : null);
  if (end === null) return "";
  const s = Math.max(0, Math.floor((end - r.started) / 1e6));
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** A user column (`--cols`, spec §6.3): an attr, a flag, or a scalar with a qualifier. */
export interface ColumnSpec {
  kind: "attr" | "flag" | "scalar";
  key: string;
  qualifier: "last" | "first" | "min" | "max" | "avg" | "total" | "count";
  step: boolean;
  header: string;
}

const QUALIFIERS = ["min", "max", "first", "last", "avg", "total", "count"] as const;

export class ColumnSpecError extends Error {
  override name = "ColumnSpecError";
}

/** Parses `--cols` text: `loss, max acc, acc step, =lr, flag:lr, .label, attr:label, loss as L`. */
export function parseColumns(text: string): ColumnSpec[] {
  return text
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const asMatch = /^(.*?)\s+as\s+(?:'([^']*)'|"([^"]*)"|(\S+))$/.exec(t);
      const body = asMatch ? asMatch[1]!.trim() : t;
      const alias = asMatch ? (asMatch[2] ?? asMatch[3] ?? asMatch[4]!) : null;
      let m: RegExpExecArray | null;
      if ((m = /^(?:\.|attr:)(\S+)$/.exec(body)))
        return { kind: "attr", key: m[1]!, qualifier: "last", step: false, header: alias ?? m[1]! } as ColumnSpec;
      if ((m = /^(?:=|flag:)(\S+)$/.exec(body)))
        return { kind: "flag", key: m[1]!, qualifier: "last", step: false, header: alias ?? m[1]! } as ColumnSpec;
      m = /^(?:scalar:)?(?:(min|max|first|last|avg|total|count)\s+)?(\S+?)(\s+step)?$/.exec(body);
      if (!m)
        throw new ColumnSpecError(
          `invalid column '${t}': use KEY, QUALIFIER KEY (${QUALIFIERS.join("|")}), KEY step, =FLAG or .ATTR, optionally 'as NAME'`,
        );
      const key = m[2]!;
      return {
        kind: "scalar",
        key,
        qualifier: (m[1] ?? "last") as ColumnSpec["qualifier"],
        step: Boolean(m[3]),
        header: alias ?? (m[3] ? `${key.replace("#", " ")} step` : key.replace("#", " ")),
      } as ColumnSpec;
    });
}

function attrValue(r: RunRecord, key: string): Cell {
  const core: Record<string, Cell> = {
    id: r.id,
    run: r.id.slice(0, 8),
    short_id: r.id.slice(0, 8),
    operation: r.operation,
    status: r.status,
    label: r.label,
    started: formatTimestamp(r.started),
    stopped: formatTimestamp(r.stopped),
    time: runDuration(r),
    exit_status: r.exit_status,
    marked: r.marked,
    tags: r.tags,
  };
  return key in core ? core[key] : undefined;
}

function userCell(r: RunRecord, c: ColumnSpec, scalars: ScalarSummary[]): Cell {
  if (c.kind === "attr") return attrValue(r, c.key);
  if (c.kind === "flag") return r.flags[c.key];
  const s = scalars.find((x) => scalarKey(x) === c.key || (!c.key.includes("#") && x.tag === c.key));
  if (!s) return undefined;
  if (c.step) return s.lastStep;
  return { last: s.last, first: s.first, min: s.min, max: s.max, count: s.count, total: s.total, avg: s.total / s.count }[c.qualifier];
}

/** Every column of `cols` must name something some run has: an unknown column is an error (#206). */
export function checkColumns(runs: readonly RunRecord[], cols: readonly ColumnSpec[], scalarsOf: (r: RunRecord) => ScalarSummary[]): void {
  for (const c of cols) {
    const known = runs.some((r) => userCell(r, c, scalarsOf(r)) !== undefined);
    if (!known && runs.length) {
      const what = c.kind === "flag" ? "flag" : c.kind === "attr" ? "attribute" : "scalar";
      throw new ColumnSpecError(`unknown column '${c.header}': no selected run has a ${what} '${c.key}'`);
    }
  }
}

export function compareData(
  runs: readonly RunRecord[],
  scalarsOf: (r: RunRecord) => ScalarSummary[],
  userCols: readonly ColumnSpec[] = [],
): CompareData {
  const core = ["run", "operation", "started", "time", "status", "label"];
  const opCols: string[] = [];
  const seen = new Set(core);
  const rows = runs.map((run) => {
    const cells = new Map<string, Cell>([
      ["run", run.id.slice(0, 8)],
      ["operation", run.operation ?? ""],
      ["started", formatTimestamp(run.started)],
      ["time", runDuration(run)],
      ["status", run.status],
      ["label", run.label],
    ]);
    const cols: string[] = [];
    for (const name of Object.keys(run.flags).sort(naturalCompare)) {
      cols.push(name);
      if (!cells.has(name)) cells.set(name, run.flags[name]);
    }
    const scalars = scalarsOf(run).filter((s) => !s.tag.startsWith("sys/"));
    if (scalars.length) {
      const byTag = [...scalars].sort((a, b) => naturalCompare(scalarKey(a), scalarKey(b)));
      const stepOf = scalars.find((s) => s.tag === "loss" && !s.prefix) ?? byTag[0]!;
      cols.push("step");
      if (!cells.has("step")) cells.set("step", stepOf.lastStep);
      for (const s of byTag) {
        const key = scalarKey(s).replace("#", " ");
        cols.push(key);
        // Event-file scalars are floats: `5.0`, as Guild prints them.
        if (!cells.has(key)) cells.set(key, new GuildFloat(s.last));
      }
    }
    for (const c of cols) if (!seen.has(c)) seen.add(c), opCols.push(c);
    // User columns win over core and op cells of the same header (a later section wins).
    for (const c of userCols) {
      const v = userCell(run, c, scalars);
      if (v !== undefined) cells.set(c.header, v);
      else if (!cells.has(c.header)) cells.set(c.header, undefined);
    }
    return { run, cells };
  });
  const userHeaders = userCols.map((c) => c.header).filter((h) => !seen.has(h));
  return { header: [...core, ...opCols, ...new Set(userHeaders)], rows };
}

function isFloat(v: Cell): boolean {
  return v instanceof GuildFloat || (typeof v === "number" && !Number.isInteger(v));
}

/**
 * Rows sorted by a column (`--min`/`--max`): numbers and booleans numerically, else as text;
 * missing values last either way (spec §6.4).
 */
export function sortRows(d: CompareData, header: string, descending: boolean): void {
  if (!d.header.includes(header))
    throw new ColumnSpecError(`unknown column '${header}' for sorting: the columns are ${d.header.join(", ")}`);
  const key = (v: Cell) => (typeof v === "boolean" ? Number(v) : v instanceof GuildFloat ? v.value : v);
  d.rows.sort((a, b) => {
    const x = key(a.cells.get(header));
    const y = key(b.cells.get(header));
    if (x === undefined || x === null) return y === undefined || y === null ? 0 : 1;
    if (y === undefined || y === null) return -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    return descending ? -c : c;
  });
}

/** A CSV cell (spec §6.6): Python's str of the raw value: `True`, `1.0`, `0.8550000190734863`. */
export function csvCell(v: Cell): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (isFloat(v)) return pythonFloatRepr(Number(v));
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A table cell (spec §6.5): yes/no, floats cut (not rounded) to 6 decimals. */
export function tableCell(v: Cell): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (isFloat(v)) {
    const m = /^(-?\d+\.)(\d+)(e[-+]\d+)?$/.exec(pythonFloatRepr(Number(v)));
    return m && m[2]!.length > 6 ? `${m[1]}${m[2]!.slice(0, 6)}${m[3] ?? ""}` : pythonFloatRepr(Number(v));
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** `guild compare --csv`: RFC 4180 through csv-stringify (quoted only when needed), `\n` line ends. */
export function compareCsv(d: CompareData): string {
  const records = [d.header, ...d.rows.map((r) => d.header.map((h) => csvCell(r.cells.get(h))))];
  const { stringify } = requireLazy<typeof CsvStringify>(import.meta.url, "csv-stringify/sync");
  return stringify(records, { record_delimiter: "\n" });
}

/** `guild compare --table`: Guild's aligned table; ` [marked]` after marked runs' operation. */
export function compareTable(d: CompareData, opts: { text?: TextFilter } = {}): string[] {
  const text = opts.text ?? EXACT;
  const rows = d.rows.map((r) => d.header.map((h) => compareCellText(r, h, text)));
  return alignColumns([d.header.map(text), ...rows]);
}

function compareCellText(r: CompareRow, h: string, text: TextFilter): string {
  const cell = text(tableCell(r.cells.get(h)));
  return h === "operation" && r.run.marked ? `${cell} [marked]` : cell;
}

/**
 * Whether the label column only repeats the flag columns: every run's label is empty or made
 * of `NAME=VALUE` words, each naming a column of the row with that value (Guild's default
 * label, `epochs=3 lr=0.1`).
 */
export function labelRepeatsFlags(d: CompareData): boolean {
  if (!d.header.includes("label")) return false;
  return d.rows.every((r) => {
    const label = r.cells.get("label");
    if (label === undefined || label === null || label === "") return true;
    return String(label)
      .split(/\s+/)
      .filter(Boolean)
      .every((word) => {
        const eq = word.indexOf("=");
        if (eq <= 0) return false;
        const name = word.slice(0, eq);
        if (!(name in r.run.flags) || !r.cells.has(name)) return false;
        const v = r.cells.get(name);
        const value = word.slice(eq + 1);
        return value === tableCell(v) || value === csvCell(v) || (typeof v === "boolean" && value === String(v));
      });
  });
}

/** Columns a fitted table leaves out first, before cutting from the right. */
const FIRST_CUT = ["started", "time", "label", "status", "operation"];
/** The widest a text cell of a fitted table gets (the label, the operation): longer ones end in "…". */
const FITTED_TEXT = 24;

/**
 * `guild compare --table` on a terminal of `width` columns: the label column left out when it
 * only repeats the flag columns, long labels and operations cut, and then whole columns left
 * out (the start time, the duration, the label, the status, the operation: the flags and scalars
 * asked for stay longest; then from the right; never the run) until the
 * rows fit. `cut` names the columns left out, for one line saying so.
 */
export function fitCompareTable(d: CompareData, width: number, opts: { text?: TextFilter } = {}): { lines: string[]; cut: string[] } {
  const text = opts.text ?? EXACT;
  let header = d.header.filter((h) => h !== "label" || !labelRepeatsFlags(d));
  const cellOf = (r: CompareRow, h: string) => {
    const c = compareCellText(r, h, text);
    return (h === "label" || h === "operation") && c.length > FITTED_TEXT ? c.slice(0, FITTED_TEXT - 1) + "\u2026" : c;
  };
  const colWidth = new Map(header.map((h) => [h, Math.max(text(h).length, ...d.rows.map((r) => cellOf(r, h).length))]));
  const total = (hs: string[]) => hs.reduce((n, h) => n + colWidth.get(h)! + 2, -2);
  const cut: string[] = [];
  const drop = (h: string) => {
    header = header.filter((x) => x !== h);
    cut.push(h);
  };
  for (const h of FIRST_CUT) if (total(header) > width && header.includes(h)) drop(h);
  while (total(header) > width && header.length > 1) drop(header[header.length - 1]!);
  const rows = d.rows.map((r) => header.map((h) => cellOf(r, h)));
  // The last column is padded too when it is not the last of the data: no trailing spaces.
  return { lines: alignColumns([header.map(text), ...rows]).map((l) => l.trimEnd()), cut };
}
