import { alignColumns, canPrompt, CliError, confirm, EXIT, formatTimestamp, opCell, statusCell } from "@guildts/format";
import type { RunRecord } from "@guildts/runstore";

/**
 * Guild's confirmation for commands that change runs: the runs listed on stderr (indented,
 * `[short_id]  operation  started  status  label`), then a question whose default is NO.
 * `-y` skips it; without a terminal to ask on, the command refuses (changes nothing) and says
 * why. Returns normally only when the change may go ahead.
 */
export function confirmRuns(runs: readonly RunRecord[], o: { intro: string; question: string; yes: boolean; refusal: string }): void {
  if (o.yes) return;
  if (!canPrompt()) throw new CliError(`${o.refusal}: no terminal to confirm on (use -y to go ahead without asking)`, EXIT.USAGE);
  process.stderr.write(o.intro + "\n");
  const rows = runs.map((r) => [
    `[${r.id.slice(0, 8)}]`,
    opCell(r, { cwd: process.cwd() }),
    formatTimestamp(r.started),
    statusCell(r),
    r.label ?? "",
  ]);
  for (const line of alignColumns(rows, { indent: "  " })) process.stderr.write(line + "\n");
  if (!confirm(o.question)) throw new CliError("", EXIT.DECLINED);
}
