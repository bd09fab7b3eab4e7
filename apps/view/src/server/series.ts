import { readRunSeries, type RunRecord, type ScalarSeries } from "@guildts/runstore";

/** `{ID: {KEY: {step, time, value}}}` of runs: every point of each (or of `keys`), full resolution. */
export function seriesOf(runs: readonly RunRecord[], keys: readonly string[]): Record<string, Record<string, ScalarSeries>> {
  const wanted = keys.length ? new Set(keys) : undefined;
  const out: Record<string, Record<string, ScalarSeries>> = {};
  for (const r of runs) out[r.id] = Object.fromEntries(readRunSeries(r.dir, wanted));
  return out;
}
