import type { RunRecord } from "@guildts/runstore";
import { opDir } from "@guildts/runstore";
import { opDirLabel } from "./paths.js";
import { EXACT, type TextFilter } from "./safe.js";
import { PLAIN, type Style } from "./style.js";
import { formatTimestamp } from "./time.js";

export interface RunsTableOptions {
  cwd: string;
  home?: string;
  style?: Style;
  /** 1-based index of the first row (rows of a longer list shown from the top keep their index). */
  firstIndex?: number;
  /** How run data is written (`textFor(stream)`: escaped on a terminal); exact by default. */
  text?: TextFilter;
  /** Guild's `-s/--simplified`: `[N]  operation  status  label` (no id, no start time). */
  simplified?: boolean;
}

/** The operation cell: description, the dim ` (dir)` when it is not the cwd, and ` [marked]`. */
export function opCell(r: RunRecord, opts: RunsTableOptions): string {
  const text = opts.text ?? EXACT;
  let cell = text(r.operation ?? "?");
  // A batch shows its proto's directory, as Guild does.
  const ref = r.batch_proto ? r.batch_proto.opref : r.opref;
  const dir = ref ? opDir(ref) : null;
  if (dir) {
    const label = opDirLabel(dir, opts.cwd, opts.home);
    if (label) cell += (opts.style ?? PLAIN).dim(` (${text(label)})`);
  }
  // Guild: `op (dir) [marked]`.
  if (r.marked) cell += " [marked]";
  return cell;
}

/** The status cell: the status, and the remote's name for a remote run. */
export function statusCell(r: RunRecord, text: TextFilter = EXACT): string {
  return r.remote ? `${r.status} (${text(r.remote)})` : r.status;
}

/**
 * Guild's `runs list` table (`[1:9734f85e]  model:op (dir)  2017-12-14 07:56:32  terminated  label`):
 * columns padded to the widest cell plus two, the last (label) not padded, so rows without a
 * label keep the status padding. Widths count visible characters (styling excluded).
 */
export function runsTable(runs: readonly RunRecord[], opts: RunsTableOptions): string[] {
  const first = opts.firstIndex ?? 1;
  const text = opts.text ?? EXACT;
  const rows = runs.map((r, i) =>
    opts.simplified
      ? [`[${first + i}]`, opCell(r, opts), statusCell(r, text), text(r.label ?? "")]
      : [`[${first + i}:${text(r.id.slice(0, 8))}]`, opCell(r, opts), formatTimestamp(r.started), statusCell(r, text), text(r.label ?? "")],
  );
  const last = opts.simplified ? 3 : 4;
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;
  const widths = new Array<number>(last).fill(0);
  for (const row of rows) for (let c = 0; c < last; c++) widths[c] = Math.max(widths[c]!, visible(row[c]!));
  return rows.map((row) => row.map((cell, c) => (c === last ? cell : cell + " ".repeat(widths[c]! + 2 - visible(cell)))).join(""));
}
