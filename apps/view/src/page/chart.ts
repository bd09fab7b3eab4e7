// A uPlot line chart of one scalar key over many runs: each run's full series is smoothed
// (TensorBoard's debiased EMA), cut to the visible window and reduced to the min and max of
// each pixel column (downsample.ts), then all runs go on one shared x axis. Zooming (drag
// across the plot) asks for the window again from the full-resolution data; double-click resets.
import uPlot from "uplot";
import { alignOnGrid, minMaxDownsample, type Points } from "./downsample.js";
import { debiasedEma } from "./smooth.js";

export interface ChartRun {
  id: string;
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export interface ChartOptions {
  title: string;
  width: number;
  height: number;
  time: boolean;
  smooth: number;
  log: boolean;
  zoom: [number, number] | null;
  onZoom(zoom: [number, number] | null): void;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** A run's colour: by its place in the selection (kept in the URL), so stable across reloads. */
export function runColor(index: number): string {
  if (index < PALETTE.length) return PALETTE[index]!;
  return `hsl(${(index * 137.508) % 360} 65% 45%)`;
}

/** Guild series' times are seconds; microsecond or millisecond stamps are brought to seconds. */
export function toSeconds(t: number): number {
  return t > 1e14 ? t / 1e6 : t > 1e11 ? t / 1e3 : t;
}

/** The aligned data uPlot draws, for a window [x0, x1] at `cols` pixel columns. */
export function chartData(runs: ChartRun[], smooth: number, log: boolean, x0: number, x1: number, cols: number): uPlot.AlignedData {
  const pts: Points[] = runs.map((r) => {
    let y: ArrayLike<number> = smooth > 0 ? debiasedEma(r.y, smooth) : r.y;
    if (log) {
      const yl = Float64Array.from(y);
      for (let i = 0; i < yl.length; i++) if (!(yl[i]! > 0)) yl[i] = Number.NaN;
      y = yl;
    }
    return minMaxDownsample(r.x, y, x0, x1, cols);
  });
  const { x, ys } = alignOnGrid(pts, x0, x1, cols);
  return [x, ...ys] as uPlot.AlignedData;
}

/** The x extent of every run's data. */
export function extent(runs: ChartRun[]): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of runs) {
    if (!r.x.length) continue;
    lo = Math.min(lo, r.x[0]!);
    hi = Math.max(hi, r.x[r.x.length - 1]!);
  }
  return lo <= hi ? [lo, hi === lo ? lo + 1 : hi] : null;
}

export function drawChart(parent: HTMLElement, runs: ChartRun[], o: ChartOptions): uPlot | null {
  const full = extent(runs);
  if (!full) return null;
  const [x0, x1] = o.zoom ?? full;
  const cols = Math.max(50, o.width - 60);
  const data = chartData(runs, o.smooth, o.log, x0, x1, cols);
  const opts: uPlot.Options = {
    title: o.title,
    width: o.width,
    height: o.height,
    pxAlign: 0,
    scales: {
      x: { time: o.time, range: () => [x0, x1] },
      y: o.log ? { distr: 3 } : {},
    },
    legend: { show: runs.length <= 12 },
    series: [
      { label: o.time ? "time" : "step" },
      ...runs.map((r, i) => ({ label: r.label, stroke: runColor(i), width: 1, spanGaps: true, points: { show: false } })),
    ],
    cursor: { drag: { x: true, y: false, setScale: false }, points: { show: runs.length <= 12 } },
    hooks: {
      setSelect: [
        (u: uPlot) => {
          if (u.select.width > 3) {
            const a = u.posToVal(u.select.left, "x");
            const b = u.posToVal(u.select.left + u.select.width, "x");
            if (b > a) o.onZoom([a, b]);
          }
        },
      ],
    },
  };
  const u = new uPlot(opts, data, parent);
  u.over.addEventListener("dblclick", () => o.onZoom(null));
  return u;
}
