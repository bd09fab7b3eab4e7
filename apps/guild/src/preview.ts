import { canPrompt, CliError, confirm, declined, EXIT, eachLine, runsTable, styleFor, terminalWidth, textFor } from "@guildts/format";
import type { RunRecord } from "@guildts/runstore";

/**
 * Guild's confirmation for commands that change runs: the runs listed on stderr (indented,
 * `[short_id]  operation  started  status  label`), then a question whose default is NO.
 * `-y` skips it; without a terminal to ask on, the command refuses (changes nothing) and says
 * why. Returns normally only when the change may go ahead.
 */
export function confirmRuns(
  runs: readonly RunRecord[],
  o: { intro: string; question: string; yes: boolean; refusal: string; warn?: boolean; note?: string },
): void {
  if (o.yes) return;
  if (!canPrompt()) throw new CliError(`${o.refusal}: no terminal to confirm on (use -y to go ahead without asking)`, EXIT.USAGE);
  // Run data (and a label the user typed) shown escaped: the prompt is on a terminal.
  const text = textFor(process.stderr);
  // Guild's warnings (`WARNING: ...`, tag's label note) are yellow.
  const yellow = styleFor(process.stderr).yellow;
  process.stderr.write((o.warn ? yellow(eachLine(o.intro, text)) : eachLine(o.intro, text)) + "\n");
  if (o.note) process.stderr.write(yellow(eachLine(o.note, text)) + "\n");
  // Guild's rows; on a narrow terminal, shortened as the runs table is (the indent counted).
  const width = terminalWidth(process.stderr);
  for (const line of runsTable(runs, { cwd: process.cwd(), text, shortIds: true, width: width > 2 ? width - 2 : 0 }))
    process.stderr.write(`  ${line}\n`);
  if (!confirm(o.question)) throw declined();
}
