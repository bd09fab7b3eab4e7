import { CliError, EXIT } from "@guildts/format";
import { printWarnings, selectorCliError, selectRuns, type RunOptions } from "@guildts/plumbing";
import type { RunRecord } from "@guildts/runstore";
import { parseSelector, SelectorError, type Selector } from "@guildts/select";

/**
 * Runs selected by what a person typed (default `defaultSpec`), through the plumbing's
 * selection: the scope note and store warnings go to stderr, selector errors become CliErrors.
 */
export function selectForCommand(o: RunOptions, specs: string[], defaultSpec: string): RunRecord[] {
  let selectors: Selector[];
  try {
    selectors = (specs.length ? specs : [defaultSpec]).map(parseSelector);
    const sel = selectRuns(o, selectors);
    if (sel.note) process.stderr.write(sel.note + "\n");
    printWarnings("guild", sel.warnings);
    return sel.runs;
  } catch (e) {
    if (e instanceof SelectorError) throw selectorCliError(e);
    throw e;
  }
}

/** Exactly one run, or an error saying how many matched. */
export function selectOne(o: RunOptions, spec: string | undefined): RunRecord {
  const runs = selectForCommand(o, spec === undefined ? [] : [spec], "1");
  if (runs.length !== 1) {
    throw new CliError(`'${spec ?? "1"}' selects ${runs.length} runs: this command takes one run`, EXIT.NO_MATCH);
  }
  return runs[0]!;
}
