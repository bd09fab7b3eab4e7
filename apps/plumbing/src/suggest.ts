/** Edit distance with adjacent transpositions (optimal string alignment), for "did you mean". */
export function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest name, if it is close enough to be a plausible typo (or a prefix): within
 * `maxDistance` edits (default: 2, or a third of the word's length when longer). The first of
 * equally close names wins, so order `names` by preference.
 */
export function closest(word: string, names: readonly string[], maxDistance = Math.max(2, Math.floor(word.length / 3))): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const n of names) {
    const dist = n.startsWith(word) ? 0.5 : distance(word, n);
    if (dist < bestD) {
      bestD = dist;
      best = n;
    }
  }
  return best !== null && bestD <= maxDistance ? best : null;
}
