import type { RunRecord } from "@guildts/runstore";
import { compileFilter, type FilterEnv, type RunFilter } from "./filters.js";
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
  return sortRuns(runs.filter((r) => inScope(r) && matches(r)));
}
