import type { RunRecord } from "@guildts/runstore";
import { compileFilter, FilterError, type FilterEnv, type RunFilter } from "./filters.js";
import { scopePredicate, type Scope } from "./scope.js";
import { sortRuns } from "./sort.js";

/** What every run command applies before selectors: scope, then filters, then Guild's order. */
export interface ViewSpec {
  scope: Scope;
  filter: RunFilter;
}

/** The scoped, filtered, sorted list that indexes refer to. Does not modify `runs`. */
export function runView(runs: readonly RunRecord[], spec: ViewSpec, env?: FilterEnv): RunRecord[] {
  const inScope = scopePredicate(spec.scope);
  const matches = compileFilter(spec.filter, env);
  if (spec.filter.batch !== undefined) {
    const id = resolveBatch(runs, spec.filter.batch);
    return sortRuns(runs.filter((r) => r.batch === id && inScope(r) && matches(r)));
  }
  return sortRuns(runs.filter((r) => inScope(r) && matches(r)));
}

/**
 * The full id of the batch run `spec` names (an id or a unique prefix) among `runs` (all runs,
 * before scope and filters), or FilterError naming the input.
 */
export function resolveBatch(runs: readonly RunRecord[], spec: string): string {
  const batches = runs.filter((r) => r.batch_proto !== null && r.id.startsWith(spec));
  if (spec === "" || batches.length === 0) {
    // A batch deleted on success still names its trials (guildts' trials record it).
    if (/^[0-9a-f]{32}$/.test(spec) && runs.some((r) => r.batch === spec)) return spec;
    throw new FilterError(`no batch run matches '${spec}'`);
  }
  if (batches.length > 1)
    throw new FilterError(`'${spec}' matches ${batches.length} batch runs: ${batches.map((r) => r.id.slice(0, 8)).join(", ")}`);
  return batches[0]!.id;
}
