import assert from "node:assert/strict";
import fc from "fast-check";
import { reliabilityScale } from "./reliability.js";

/** A property's number of runs, times GUILDTS_RELIABILITY_SCALE. */
export function scaledRuns(n: number): number {
  return Math.round(n * reliabilityScale());
}

/** fc.assert, with the report cut short (a 100 KB counterexample would flood the output). */
export function checkProperty<Ts extends [unknown, ...unknown[]]>(prop: fc.IProperty<Ts>, params: fc.Parameters<Ts>): void {
  const details = fc.check(prop, params);
  if (!details.failed) return;
  const err = details.errorInstance as Error | undefined;
  assert.fail(
    `property failed (seed ${details.seed}): ${String(err?.message ?? err).slice(0, 1500)}\ncounterexample: ${fc.stringify(details.counterexample).slice(0, 600)}`,
  );
}
