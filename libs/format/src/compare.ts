import { stringify } from "csv-stringify/sync";
import { GuildFloat, pythonFloatRepr, scalarKey, type AttrValue, type RunRecord, type ScalarSummary } from "@guildts/runstore";
import { naturalCompare } from "./run-info.js";
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

export function compareData(runs: readonly RunRecord[], scalarsOf: (r: RunRecord) => ScalarSummary[]): CompareData {
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
        if (!cells.has(key)) cells.set(key, s.last);
      }
    }
    for (const c of cols) if (!seen.has(c)) (seen.add(c), opCols.push(c));
    return { run, cells };
  });
  return { header: [...core, ...opCols], rows };
}

function isFloat(v: Cell): boolean {
  return v instanceof GuildFloat || (typeof v === "number" && !Number.isInteger(v));
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
  return stringify(records, { record_delimiter: "\n" });
}

/** `guild compare --table`: Guild's aligned table; ` [marked]` after marked runs' operation. */
export function compareTable(d: CompareData): string[] {
  const rows = d.rows.map((r) => d.header.map((h) => (h === "operation" && r.run.marked ? `${tableCell(r.cells.get(h))} [marked]` : tableCell(r.cells.get(h)))));
  return alignColumns([d.header, ...rows]);
}
