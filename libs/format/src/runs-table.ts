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
  /**
   * The terminal's width: rows wider than this are shortened, the operation's directory first,
   * then the label, then the operation's name; never the index, the id, the time or the status.
   * 0 or undefined: rows as Guild prints them (piped output).
   */
  width?: number;
  /** The first cell as `[short_id]`, without the index (Guild's confirmation lists). */
  shortIds?: boolean;
}

/** The parts of the operation cell, as the terminal shows them (escaped by `opts.text`). */
interface OpParts {
  name: string;
  /** The directory label (`../mnist`), "" when the operation is the cwd's. */
  dir: string;
  marked: boolean;
}

function opParts(r: RunRecord, opts: RunsTableOptions): OpParts {
  const text = opts.text ?? EXACT;
  // A batch shows its proto's directory, as Guild does.
  const ref = r.batch_proto ? r.batch_proto.opref : r.opref;
  const dir = ref ? opDir(ref) : null;
  return { name: text(r.operation ?? "?"), dir: dir ? text(opDirLabel(dir, opts.cwd, opts.home)) : "", marked: r.marked };
}

/** `op (dir) [marked]` as Guild writes it, the directory dimmed. */
function renderOp(p: OpParts, style: Style): string {
  return p.name + (p.dir ? style.dim(` (${p.dir})`) : "") + (p.marked ? " [marked]" : "");
}

/** The operation cell: description, the dim ` (dir)` when it is not the cwd, and ` [marked]`. */
export function opCell(r: RunRecord, opts: RunsTableOptions): string {
  return renderOp(opParts(r, opts), opts.style ?? PLAIN);
}

/** `s` cut to `n` characters, its end replaced by "…" when cut (left: its start). */
export function ellipsize(s: string, n: number, from: "end" | "start" = "end"): string {
  if (s.length <= n) return s;
  if (n <= 0) return "";
  return from === "end" ? s.slice(0, n - 1) + "\u2026" : "\u2026" + s.slice(s.length - n + 1);
}

/**
 * The operation parts shortened so that each row's cell takes at most `max` characters: the
 * directory keeps only its last part (`(…/mnist)`), then goes; then the name loses its end.
 */
function fitOp(p: OpParts, max: number): OpParts {
  const marks = p.marked ? 9 : 0;
  if (p.name.length + marks + (p.dir ? p.dir.length + 3 : 0) <= max) return p;
  const base = p.dir.replace(/\/+$/, "").split("/").pop() ?? "";
  const short = base && base !== ".." && base !== "~" ? `\u2026/${base}` : "";
  if (short && short.length < p.dir.length && p.name.length + marks + short.length + 3 <= max) return { ...p, dir: short };
  return { ...p, dir: "", name: ellipsize(p.name, Math.max(4, max - marks)) };
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
  const style = opts.style ?? PLAIN;
  const ops = runs.map((r) => opParts(r, opts));
  const labels = runs.map((r) => text(r.label ?? ""));
  const rest = runs.map((r, i) =>
    opts.simplified
      ? [`[${first + i}]`, statusCell(r, text)]
      : [
          opts.shortIds ? `[${text(r.id.slice(0, 8))}]` : `[${first + i}:${text(r.id.slice(0, 8))}]`,
          formatTimestamp(r.started),
          statusCell(r, text),
        ],
  );
  const opWidth = (p: OpParts) => p.name.length + (p.dir ? p.dir.length + 3 : 0) + (p.marked ? 9 : 0);
  const widthOf = (col: readonly string[][], c: number) => Math.max(0, ...col.map((row) => row[c]!.length));
  const fixedOf = (rows: readonly string[][]) => (rows[0] ? rows[0].reduce((n, _c, c) => n + widthOf(rows, c) + 2, 0) : 0);
  let fitted = ops;
  let labelRoom = Infinity;
  const width = opts.width ?? 0;
  if (width > 0 && runs.length) {
    const longestLabel = Math.max(...labels.map((l) => l.length));
    const bare = Math.max(...ops.map((p) => p.name.length + (p.marked ? 9 : 0)));
    // Too narrow for the operation's name beside the status: the start time goes (never the id
    // or the status).
    if (!opts.simplified && fixedOf(rest) + Math.min(bare, 12) + 2 > width) rest.forEach((row) => row.splice(1, 1));
    const fixed = fixedOf(rest);
    if (fixed + Math.max(...ops.map(opWidth)) + 2 + longestLabel > width) {
      // The directory first (shortened, then gone), then the label, then the operation's name.
      fitted = ops.map((p) => fitOp(p, Math.max(bare, width - fixed - 2 - longestLabel)));
      labelRoom = width - fixed - Math.max(...fitted.map(opWidth)) - 2;
      if (labelRoom < 0) {
        fitted = fitted.map((p) => fitOp(p, width - fixed - 2));
        labelRoom = Math.max(0, width - fixed - Math.max(...fitted.map(opWidth)) - 2);
      }
    }
  }
  const opW = Math.max(0, ...fitted.map(opWidth));
  return runs.map((_r, i) => {
    const row = rest[i]!;
    const cells = [row[0]!, renderOp(fitted[i]!, style) + " ".repeat(opW - opWidth(fitted[i]!)), ...row.slice(1)];
    const pads = [widthOf(rest, 0), opW, ...row.slice(1).map((_c, c) => widthOf(rest, c + 1))];
    const line = cells.map((cell, c) => (c === 1 ? cell + "  " : cell.padEnd(pads[c]! + 2))).join("");
    const label = labelRoom === Infinity ? labels[i]! : ellipsize(labels[i]!, labelRoom);
    // Rows shortened for a terminal lose the padding after the status (it would wrap).
    return labelRoom === Infinity ? line + label : (line + label).trimEnd();
  });
}
