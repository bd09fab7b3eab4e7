import { runTimestamp, type OrderedRun } from "@guildts/runstore";

/**
 * Guild's order: newest first by `started`, else `initialized`; runs without a timestamp last.
 * Guild leaves ties in directory order; here they are broken by id so every command and every
 * machine agrees on the indexes.
 */
export function compareRuns(a: OrderedRun, b: OrderedRun): number {
  const ta = runTimestamp(a);
  const tb = runTimestamp(b);
  if (ta !== tb) {
    if (ta === null) return 1;
    if (tb === null) return -1;
    return tb - ta;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Sorts in place and returns the array. */
export function sortRuns<T extends OrderedRun>(runs: T[]): T[] {
  return runs.sort(compareRuns);
}

/**
 * The first `k` runs of `sortRuns(runs)`, without sorting them all (a listing shows the newest
 * 20 of many): one comparison per run against the k-th kept, a binary insertion for the few that
 * beat it. `runs` is not changed. Same result as `sortRuns([...runs]).slice(0, k)` (the order is
 * total: run ids are unique).
 */
export function newestRuns<T extends OrderedRun>(runs: readonly T[], k: number): T[] {
  if (k <= 0) return [];
  if (k >= runs.length) return sortRuns([...runs]);
  const top: T[] = [];
  for (const r of runs) {
    if (top.length === k) {
      if (compareRuns(r, top[k - 1]!) >= 0) continue;
      top.pop();
    }
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareRuns(top[mid]!, r) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, r);
  }
  return top;
}
