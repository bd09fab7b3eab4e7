let last = 0;

/** Guild's `run.timestamp()`: µs since the epoch, strictly increasing within the process. */
export function timestampUs(): number {
  const now = Math.floor(Date.now() * 1000 + (performance.now() % 1) * 1000);
  last = now > last ? now : last + 1;
  return last;
}
