import { applyLifecycle } from "@guildts/plumbing";
import {
  labelRepeatsFlags,
  runInfoLines,
  safeText,
  sortRows,
  tableCell,
  truncateVisible,
  type CompareData,
  type CompareRow,
} from "@guildts/format";
import type { RunRecord } from "@guildts/runstore";
import { applyLabel } from "./runs-label.js";
import { runDetails } from "./runs-info.js";

/**
 * The interactive comparison (the runs guide's "spreadsheet-like application"): a full-screen
 * table on the terminal's alternate screen. Keys: arrows/hjkl move, PgUp/PgDn, g/G first/last
 * row, s/S sort by the column (ascending/descending), / filter rows by text, - hide the column,
 * + show all columns, i run info, space mark the row, L label and D delete the marked (or
 * current) runs after a y/N question (one key: y is yes, any other no), r reload, ? help, q quit.
 * The columns: the run (frozen on the left), its operation and status, then the flags and
 * scalars, so they are on the first screen; the start time, the duration and the label last
 * (a label that only repeats the flags starts hidden: + shows it).
 */
export interface TuiSource {
  /** The data shown first (already computed by the caller). */
  initial: CompareData;
  /** Reads the runs again (`r`, and after a label or delete). */
  load(): { runs: RunRecord[]; data: CompareData };
  home: string;
}

const ESC = "\x1b[";
const HELP = [
  "Guild run comparison: keys",
  "",
  "  arrows, h j k l   move          PgUp PgDn   page",
  "  g  G              first / last row",
  "  s  S              sort by this column, ascending / descending",
  "  /                 filter rows by text (empty: all rows)",
  "  -  +              hide this column / show every column",
  "  i                 show the run's info",
  "  space             mark or unmark the row",
  "  L  D              label / delete the marked runs (or this one), after y/n",
  "  r                 reload      q  quit",
  "",
  "Press any key to go back.",
];

export function runCompareTui(src: TuiSource): Promise<number> {
  const out = process.stdout;
  const stdin = process.stdin;
  let data = src.initial;
  let row = 0;
  let col = 0;
  let top = 0;
  let left = 0;
  let sort: { header: string; desc: boolean } | null = null;
  let filter = "";
  const hidden = new Set<string>();
  const marked = new Set<string>();
  let overlay: string[] | null = null;
  /** A question: a line of text (Enter ends it, Esc cancels), or with `key`, one key (y or not). */
  let prompt: { text: string; value: string; key?: boolean; done: (v: string | null) => void } | null = null;
  let message = "";
  if (labelRepeatsFlags(data)) hidden.add("label");

  // The run, its operation and status; the flags and scalars; then the rest of the core columns.
  const LATE = ["started", "time", "label"];
  const order = (header: string[]) => [...header.filter((h) => !LATE.includes(h)), ...LATE.filter((h) => header.includes(h))];
  const visibleCols = () => order(data.header).filter((h) => !hidden.has(h));
  // Cells and column names as the screen shows them: run data with its control, escape and bidi
  // characters escaped (a label cannot rewrite the screen).
  const cellText = (r: CompareRow, h: string) => safeText(tableCell(r.cells.get(h)));
  const rows = (): CompareRow[] => {
    let rs = data.rows;
    if (filter) rs = rs.filter((r) => data.header.some((h) => tableCell(r.cells.get(h)).toLowerCase().includes(filter.toLowerCase())));
    if (sort) {
      const sorted: CompareData = { header: data.header, rows: [...rs] };
      sortRows(sorted, sort.header, sort.desc);
      rs = sorted.rows;
    }
    return rs;
  };
  // Column widths, computed once per data set (not per cell drawn: 10k rows make that slow).
  let widths = new Map<string, number>();
  let widthsOf: CompareData | null = null;
  const width = (h: string) => {
    if (widthsOf !== data) {
      widths = new Map();
      widthsOf = data;
    }
    let w = widths.get(h);
    if (w === undefined) {
      w = Math.min(safeText(h).length, 12);
      for (const r of data.rows) w = Math.max(w, Math.min(20, cellText(r, h).length));
      widths.set(h, w);
    }
    return w;
  };
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + "\u2026" : s.padEnd(w));

  function render(): void {
    const W = out.columns || 80;
    const H = out.rows || 24;
    const lines: string[] = [];
    if (overlay) {
      lines.push(...overlay.slice(0, H));
    } else {
      const cols = visibleCols();
      const rs = rows();
      row = Math.max(0, Math.min(row, rs.length - 1));
      col = Math.max(0, Math.min(col, cols.length - 1));
      const bodyH = Math.max(1, H - 3);
      if (row < top) top = row;
      if (row >= top + bodyH) top = row - bodyH + 1;
      // The first column (the run) stays in place; the others scroll: `left` is the first of
      // them shown.
      const frozen = cols.length > 1 ? 1 : 0;
      left = Math.max(frozen, Math.min(left, col < frozen ? left : col));
      // Scroll right until the current column fits.
      const used = () => [...cols.slice(0, frozen), ...cols.slice(left, col + 1)].reduce((n, h) => n + width(h) + 2, 4);
      while (col > left && used() > W) left++;
      const shownAt = [...cols.keys()].filter((i) => i < frozen || i >= left);
      const shown = shownAt.map((i) => cols[i]!);
      const at = shownAt.indexOf(col);
      const line = (cells: string[], hs: string[]) => cells.map((c, i) => fit(c, width(hs[i]!))).join("  ");
      lines.push(
        `${ESC}7mGuild run comparison${ESC}0m  ${rs.length}/${data.rows.length} runs${filter ? `  filter: ${safeText(filter)}` : ""}${sort ? `  sorted by ${safeText(sort.header)} ${sort.desc ? "desc" : "asc"}` : ""}  (? help, q quit)`,
      );
      lines.push(`${ESC}1m  ${line(shown.map(safeText), shown)}${ESC}0m`);
      for (let i = top; i < Math.min(rs.length, top + bodyH); i++) {
        const r = rs[i]!;
        const cells = shown.map((h) => cellText(r, h));
        let text = (marked.has(r.run.id) ? "* " : "  ") + line(cells, shown);
        if (i === row) {
          const before = (marked.has(r.run.id) ? "* " : "  ") + line(cells.slice(0, at), shown.slice(0, at)) + (at > 0 ? "  " : "");
          const cur = fit(cells[at] ?? "", width(shown[at] ?? ""));
          text = `${ESC}4m${before}${ESC}7m${cur}${ESC}27m${text.slice(before.length + cur.length)}${ESC}0m`;
        }
        lines.push(text);
      }
      while (lines.length < H - 1) lines.push("");
      lines.push(prompt ? safeText(`${prompt.text}${prompt.value}`) : safeText(message || `${cols[col] ?? ""}`));
    }
    // Every line is cut at the terminal width: a wrapped line would scroll the screen.
    out.write(
      `${ESC}H${ESC}2J` +
        lines
          .slice(0, H)
          .map((l) => truncateVisible(l, W - 1))
          .join("\r\n"),
    );
  }

  function ask(text: string, done: (v: string | null) => void): void {
    prompt = { text, value: "", done };
    render();
  }

  /** A yes/no question answered by one key: y (or Y) is yes; any other key, Enter and Esc are no. */
  function askYesNo(text: string, done: (yes: boolean) => void): void {
    prompt = { text: `${text} (y/n) `, value: "", key: true, done: (v) => done(v === "y" || v === "Y") };
    render();
  }

  function targets(): RunRecord[] {
    const rs = rows();
    const picked = data.rows.filter((r) => marked.has(r.run.id)).map((r) => r.run);
    return picked.length ? picked : rs[row] ? [rs[row]!.run] : [];
  }

  function reload(): void {
    data = src.load().data;
    for (const id of [...marked]) if (!data.rows.some((r) => r.run.id === id)) marked.delete(id);
  }

  return new Promise((resolve) => {
    const finish = () => {
      closed = true;
      stdin.off("data", onData);
      out.off("resize", render);
      stdin.setRawMode?.(false);
      stdin.pause();
      out.write(`${ESC}?25h${ESC}?1049l`);
      resolve(0);
    };
    // Keys typed (or pasted) quickly arrive together: split them into single keys and escape sequences.
    const onData = (buf: Buffer) => {
      const text = buf.toString("utf8");
      for (let i = 0; i < text.length && !closed; ) {
        let len = 1;
        if (text.startsWith("\x1b[", i)) {
          const m = /^\x1b\[[0-9;]*[A-Za-z~]/.exec(text.slice(i));
          len = m ? m[0].length : 1;
        } else if (text.codePointAt(i)! > 0xffff) len = 2;
        onKey(text.slice(i, i + len));
        i += len;
      }
    };
    let closed = false;
    const onKey = (k: string) => {
      if (prompt?.key) {
        const p = prompt;
        prompt = null;
        p.done(k);
        render();
        return;
      }
      if (prompt) {
        const p = prompt;
        if (k === "\r" || k === "\n") {
          prompt = null;
          p.done(p.value);
        } else if (k === "\x1b") {
          prompt = null;
          p.done(null);
        } else if (k === "\x7f" || k === "\b") p.value = p.value.slice(0, -1);
        else if (k >= " ") p.value += k;
        render();
        return;
      }
      if (overlay) {
        overlay = null;
        render();
        return;
      }
      message = "";
      const rs = rows();
      const page = Math.max(1, (out.rows || 24) - 3);
      switch (k) {
        case "q":
        case "Q":
        case "\x03":
          return finish();
        case "\x1b[A":
        case "k":
          row--;
          break;
        case "\x1b[B":
        case "j":
          row++;
          break;
        case "\x1b[D":
        case "h":
          col--;
          break;
        case "\x1b[C":
        case "l":
          col++;
          break;
        case "\x1b[5~":
          row -= page;
          break;
        case "\x1b[6~":
          row += page;
          break;
        case "g":
          row = 0;
          break;
        case "G":
          row = rs.length - 1;
          break;
        case "s":
        case "S":
          sort = { header: visibleCols()[col]!, desc: k === "S" };
          break;
        case "/":
          return ask("filter: ", (v) => {
            if (v !== null) filter = v;
            row = 0;
          });
        case "-":
          if (visibleCols().length > 1) hidden.add(visibleCols()[col]!);
          break;
        case "+":
          hidden.clear();
          break;
        case " ": {
          const r = rs[row];
          if (r) marked.has(r.run.id) ? marked.delete(r.run.id) : marked.add(r.run.id);
          row++;
          break;
        }
        case "i": {
          const r = rs[row];
          if (r)
            overlay = [
              ...runInfoLines(r.run, runDetails(r.run), { home: process.env.HOME, text: safeText }),
              "",
              "Press any key to go back.",
            ];
          break;
        }
        case "?":
          overlay = HELP;
          break;
        case "r":
          reload();
          message = "reloaded";
          break;
        case "L": {
          const ts = targets();
          return ask(`label for ${ts.length} run(s) (Esc cancels): `, (label) => {
            if (label === null) return;
            askYesNo(`Label ${ts.length} run(s) '${label}'?`, (yes) => {
              if (yes) {
                let failed = 0;
                for (const r of ts) {
                  try {
                    applyLabel(src.home, r, () => label);
                  } catch {
                    failed++; // moved or locked meanwhile: said below, the rest still labelled
                  }
                }
                marked.clear();
                reload();
                message = `Labeled ${ts.length - failed} run(s)` + (failed ? `; ${failed} could not be labelled` : "");
              } else message = "not labeled";
              render();
            });
          });
        }
        case "D": {
          const ts = targets();
          return askYesNo(`Delete ${ts.length} run(s)?`, (yes) => {
            if (yes) {
              const res = applyLifecycle(
                "delete",
                src.home,
                ts.map((r) => r.id),
                () => {},
              );
              const ok = res.filter((r) => r.outcome === "deleted").length;
              marked.clear();
              reload();
              message = `Deleted ${ok} run(s)` + (ok < ts.length ? `; ${ts.length - ok} not deleted (running?)` : "");
            } else message = "not deleted";
            render();
          });
        }
      }
      render();
    };
    out.write(`${ESC}?1049h${ESC}?25l`);
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.on("data", onData);
    out.on("resize", render);
    render();
  });
}
