// Downsampling for the charts that never drops an extreme: the window [x0, x1] is cut into
// `cols` pixel columns; each column keeps its minimum and its maximum (in the order they occur,
// so the line goes through both), and the series' last point in the window is kept exactly.
// A window holding at most 2 points per column is returned at full resolution (every point),
// which is what zooming in gives: the chart asks again with the zoomed window.

export interface Points {
  x: Float64Array;
  y: Float64Array;
}

/** Index of the first element of the sorted `xs` that is >= v. */
export function lowerBound(xs: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The points of (xs, ys) (xs ascending) inside [x0, x1], plus one neighbour on each side so the
 * line reaches the edges, reduced to at most 2 points per column (min and max) when there are
 * more than 2 * cols of them. Non-finite y values are skipped.
 */
export function minMaxDownsample(xs: ArrayLike<number>, ys: ArrayLike<number>, x0: number, x1: number, cols: number): Points {
  const n = Math.min(xs.length, ys.length);
  const from = Math.max(0, lowerBound(xs, x0) - 1);
  let to = lowerBound(xs, x1);
  if (to < n && xs[to] === x1) to++;
  to = Math.min(n, to + 1);
  const count = to - from;
  cols = Math.max(1, Math.floor(cols));
  if (count <= 2 * cols || !(x1 > x0)) {
    const x = new Float64Array(count);
    const y = new Float64Array(count);
    let k = 0;
    for (let i = from; i < to; i++) {
      if (!Number.isFinite(ys[i]!)) continue;
      x[k] = xs[i]!;
      y[k] = ys[i]!;
      k++;
    }
    return { x: x.slice(0, k), y: y.slice(0, k) };
  }
  const outX = new Float64Array(2 * cols + 3);
  const outY = new Float64Array(2 * cols + 3);
  let k = 0;
  const push = (i: number) => {
    outX[k] = xs[i]!;
    outY[k] = ys[i]!;
    k++;
  };
  const scale = cols / (x1 - x0);
  let i = from;
  // The neighbour before the window, then each column's extremes, then the neighbour after.
  if (xs[i]! < x0) {
    if (Number.isFinite(ys[i]!)) push(i);
    i++;
  }
  let lastInWindow = -1;
  while (i < to && xs[i]! <= x1) {
    const col = Math.min(cols - 1, Math.floor((xs[i]! - x0) * scale));
    // The column's right edge (the last column takes x1 itself).
    const edge = col === cols - 1 ? Number.POSITIVE_INFINITY : x0 + (col + 1) / scale;
    let iMin = -1;
    let iMax = -1;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (; i < to; i++) {
      const x = xs[i]!;
      if (x >= edge || x > x1) break;
      const y = ys[i]!;
      if (y < lo) {
        lo = y;
        iMin = i;
      }
      if (y > hi) {
        hi = y;
        iMax = i;
      }
      if (!Number.isNaN(y)) lastInWindow = i;
    }
    if (iMin < 0) continue;
    if (iMin === iMax) push(iMin);
    else if (iMin < iMax) {
      push(iMin);
      push(iMax);
    } else {
      push(iMax);
      push(iMin);
    }
  }
  // The exact last point of the window (a column's extremes may both come before it).
  if (lastInWindow >= 0 && outX[k - 1] !== xs[lastInWindow]) push(lastInWindow);
  if (i < to && Number.isFinite(ys[i]!)) push(i);
  return { x: outX.slice(0, k), y: outY.slice(0, k) };
}

/**
 * Series with their own x values, put on one shared, ascending x axis (what uPlot draws):
 * the union of the xs, each series holding null where it has no point (drawn with spanGaps).
 */
export function alignSeries(series: Points[]): { x: Float64Array; ys: (number | null)[][] } {
  let total = 0;
  for (const s of series) total += s.x.length;
  const all = new Float64Array(total);
  let k = 0;
  for (const s of series) {
    all.set(s.x, k);
    k += s.x.length;
  }
  all.sort();
  let u = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[u - 1]) all[u++] = all[i]!;
  const x = all.slice(0, u);
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(u).fill(null);
    let j = 0;
    for (let i = 0; i < s.x.length; i++) {
      const xv = s.x[i]!;
      while (x[j]! < xv) j++;
      col[j] = s.y[i]!;
    }
    return col;
  });
  return { x, ys };
}

/**
 * Many series on one shared x axis of 2 slots per pixel column (uPlot draws aligned data): a
 * point keeps its order inside its column, so the min and max minMaxDownsample kept for a column
 * stay; a third point (the window's exact last one) goes to the next column's first slot, which
 * that series leaves empty; the neighbours outside the window go to one slot before and one
 * after. Sub-pixel x positions are rounded to half a column. When the series together hold few
 * points, they are aligned exactly (alignSeries).
 */
export function alignOnGrid(series: Points[], x0: number, x1: number, cols: number): { x: Float64Array; ys: (number | null)[][] } {
  let total = 0;
  for (const s of series) total += s.x.length;
  cols = Math.max(1, Math.floor(cols));
  if (total <= 2 * cols + 2 || !(x1 > x0)) return alignSeries(series);
  const slots = 2 * cols + 2;
  const x = new Float64Array(slots);
  const width = (x1 - x0) / cols;
  for (let c = 0; c < cols; c++) {
    x[1 + 2 * c] = x0 + (c + 0.25) * width;
    x[2 + 2 * c] = x0 + (c + 0.75) * width;
  }
  let pre = x0;
  let post = x1;
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(slots).fill(null);
    let lastCol = -1;
    let ordinal = 0;
    for (let i = 0; i < s.x.length; i++) {
      const xv = s.x[i]!;
      const yv = s.y[i]!;
      if (xv < x0) {
        col[0] = yv;
        if (xv < pre) pre = xv;
        continue;
      }
      if (xv > x1) {
        col[slots - 1] = yv;
        if (xv > post) post = xv;
        continue;
      }
      const c = Math.min(cols - 1, Math.floor((xv - x0) / width));
      ordinal = c === lastCol ? ordinal + 1 : 0;
      lastCol = c;
      const slot = ordinal < 2 ? 1 + 2 * c + ordinal : 1 + 2 * (c + 1);
      if (col[slot] === null || ordinal < 2) col[slot] = yv;
    }
    return col;
  });
  x[0] = pre < x0 ? pre : x0 - width;
  x[slots - 1] = post > x1 ? post : x1 + width;
  return { x, ys };
}
