// Parallel coordinates and a scatter plot of flags against a scalar, on our own canvas (uPlot
// has neither): every run of the listing is one polyline (one point), batched into one Path2D
// per colour bucket, so 100k runs are a few stroke() calls.
import type { RunRecord } from "./columns.js";

export interface Axis {
  id: string;
  title: string;
  value(r: RunRecord): number;
  /** Category names for a non-numeric axis (values are their indexes). */
  categories: string[] | null;
  min: number;
  max: number;
}

function raw(r: RunRecord, id: string): unknown {
  if (id.startsWith("scalar:")) return r.scalars?.[id.slice(7)]?.last;
  return r.flags?.[id.startsWith("flag:") ? id.slice(5) : id];
}

/** An axis over the runs: numeric when every present value is a number, else categorical. */
export function makeAxis(runs: readonly RunRecord[], id: string): Axis {
  let numeric = true;
  const cats = new Set<string>();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const r of runs) {
    const v = raw(r, id);
    if (v === undefined || v === null) continue;
    if (typeof v === "number") {
      if (v < min) min = v;
      if (v > max) max = v;
    } else {
      numeric = false;
    }
    cats.add(String(v));
  }
  const title = id.replace(/^(flag|scalar):/, "");
  if (numeric) {
    if (!(min <= max)) [min, max] = [0, 1];
    if (min === max) [min, max] = [min - 1, max + 1];
    return { id, title, categories: null, min, max, value: (r) => Number(raw(r, id) ?? Number.NaN) };
  }
  const categories = [...cats].sort();
  const index = new Map(categories.map((c, i) => [c, i]));
  return {
    id,
    title,
    categories,
    min: -0.5,
    max: Math.max(0.5, categories.length - 0.5),
    value: (r) => {
      const v = raw(r, id);
      return v === undefined || v === null ? Number.NaN : (index.get(String(v)) ?? Number.NaN);
    },
  };
}

const BUCKETS = 8;
const bucketColor = (b: number) => `hsl(${240 - (b * 200) / (BUCKETS - 1)} 75% 45% / 0.5)`;

function setup(canvas: HTMLCanvasElement, width: number, height: number) {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d")!;
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "12px sans-serif";
  return ctx;
}

const label = (a: Axis, v: number) => (a.categories ? (a.categories[Math.round(v)] ?? "") : String(Number(v.toPrecision(4))));

/** Parallel coordinates: one vertical axis per id (the last is the colour scale). */
export function drawParallel(
  canvas: HTMLCanvasElement,
  runs: readonly RunRecord[],
  axes: Axis[],
  selected: ReadonlySet<string>,
  width: number,
  height: number,
) {
  const ctx = setup(canvas, width, height);
  if (axes.length < 2) {
    ctx.fillText("Choose at least two axes.", 20, 30);
    return;
  }
  const top = 30;
  const bottom = height - 20;
  const left = 40;
  const step = (width - 2 * left) / (axes.length - 1);
  const color = axes[axes.length - 1]!;
  const paths = Array.from({ length: BUCKETS }, () => new Path2D());
  const hi = new Path2D();
  const ys = (a: Axis, v: number) => bottom - ((v - a.min) / (a.max - a.min)) * (bottom - top);
  for (const r of runs) {
    const cv = color.value(r);
    if (Number.isNaN(cv)) continue;
    const b = Math.max(0, Math.min(BUCKETS - 1, Math.floor(((cv - color.min) / (color.max - color.min)) * BUCKETS)));
    const p = selected.has(r.id) ? hi : paths[b]!;
    let pen = false;
    for (let i = 0; i < axes.length; i++) {
      const v = axes[i]!.value(r);
      if (Number.isNaN(v)) {
        pen = false;
        continue;
      }
      const x = left + i * step;
      const y = ys(axes[i]!, v);
      if (pen) p.lineTo(x, y);
      else p.moveTo(x, y);
      pen = true;
    }
  }
  ctx.lineWidth = 1;
  paths.forEach((p, b) => {
    ctx.strokeStyle = bucketColor(b);
    ctx.stroke(p);
  });
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 2;
  ctx.stroke(hi);
  ctx.lineWidth = 1;
  ctx.fillStyle = "#222";
  axes.forEach((a, i) => {
    const x = left + i * step;
    ctx.strokeStyle = "#555";
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.textAlign = i === 0 ? "left" : i === axes.length - 1 ? "right" : "center";
    ctx.fillText(a.title, x, top - 14);
    ctx.fillText(label(a, a.max), x, top - 2);
    ctx.fillText(label(a, a.min), x, bottom + 14);
  });
}

/** A scatter of one axis (x) against another (y). */
export function drawScatter(
  canvas: HTMLCanvasElement,
  runs: readonly RunRecord[],
  ax: Axis,
  ay: Axis,
  selected: ReadonlySet<string>,
  width: number,
  height: number,
) {
  const ctx = setup(canvas, width, height);
  const left = 60;
  const right = width - 20;
  const top = 20;
  const bottom = height - 40;
  const dots = new Path2D();
  const hi = new Path2D();
  for (const r of runs) {
    const vx = ax.value(r);
    const vy = ay.value(r);
    if (Number.isNaN(vx) || Number.isNaN(vy)) continue;
    const x = left + ((vx - ax.min) / (ax.max - ax.min)) * (right - left);
    const y = bottom - ((vy - ay.min) / (ay.max - ay.min)) * (bottom - top);
    const p = selected.has(r.id) ? hi : dots;
    p.rect(x - 2, y - 2, 4, 4);
  }
  ctx.fillStyle = "hsl(210 70% 45% / 0.6)";
  ctx.fill(dots);
  ctx.fillStyle = "#d33";
  ctx.fill(hi);
  ctx.strokeStyle = "#555";
  ctx.strokeRect(left, top, right - left, bottom - top);
  ctx.fillStyle = "#222";
  ctx.textAlign = "center";
  ctx.fillText(ax.title, (left + right) / 2, height - 8);
  ctx.fillText(label(ax, ax.min), left, bottom + 14);
  ctx.fillText(label(ax, ax.max), right, bottom + 14);
  ctx.save();
  ctx.translate(14, (top + bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(ay.title, 0, 0);
  ctx.restore();
  ctx.textAlign = "right";
  ctx.fillText(label(ay, ay.max), left - 4, top + 10);
  ctx.fillText(label(ay, ay.min), left - 4, bottom);
}
