// TensorBoard's scalar smoothing: an exponential moving average debiased like Adam's moments
// (tensorboard/webapp/widgets/line_chart_v2/lib/data_transformer.ts `classicSmoothing`).
// A non-finite value is passed through and does not enter the average; a constant series is
// returned unchanged (so a flat line stays exactly flat).

/** Smoothed copy of `ys` for a weight in [0, 1) (0: no smoothing). */
export function debiasedEma(ys: ArrayLike<number>, weight: number): Float64Array {
  const out = new Float64Array(ys.length);
  if (!(weight > 0)) {
    for (let i = 0; i < ys.length; i++) out[i] = ys[i]!;
    return out;
  }
  const w = Math.min(weight, 0.999999);
  let constant = true;
  for (let i = 1; i < ys.length; i++) {
    if (ys[i] !== ys[0]) {
      constant = false;
      break;
    }
  }
  let last = 0;
  let n = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]!;
    if (constant || !Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    last = last * w + (1 - w) * y;
    n++;
    out[i] = last / (1 - w ** n);
  }
  return out;
}
