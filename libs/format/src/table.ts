/**
 * Aligns rows into columns as Guild's `cli.table` does: every column but the last is padded to
 * its widest cell plus `gap` spaces; the last is not padded. Widths count UTF-16 units, which is
 * exact for the ASCII that ids, dates and statuses are made of.
 */
export function alignColumns(rows: readonly (readonly string[])[], opts: { gap?: number; indent?: string } = {}): string[] {
  const gap = opts.gap ?? 2;
  const indent = opts.indent ?? "";
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + gap))).join(""));
}
