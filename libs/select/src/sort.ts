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
