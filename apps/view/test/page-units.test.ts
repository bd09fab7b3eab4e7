// The page's pure modules: smoothing, downsampling, the URL state, the table's sort.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type RunRecord, column, sortOrder, availableColumns } from "../src/page/columns.js";
import { alignOnGrid, alignSeries, minMaxDownsample } from "../src/page/downsample.js";
import { debiasedEma } from "../src/page/smooth.js";
import { defaultState, formatState, parseState } from "../src/page/url-state.js";

const close = (a: ArrayLike<number>, b: number[], eps = 1e-9) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= eps, `index ${i}: ${a[i]} != ${b[i]}`);
};

test("debiased EMA matches TensorBoard's formula worked by hand", () => {
  // w=0.5: 0.5/0.5 = 1; (0.25+1)/0.75; (0.625+1.5)/0.875
  close(debiasedEma([1, 2, 3], 0.5), [1, 1.25 / 0.75, 2.125 / 0.875]);
  // w=0.9 on [10, 0]: first value is itself (debiased), then (0.9*1 + 0)/(1-0.81)
  close(debiasedEma([10, 0], 0.9), [10, 0.9 / 0.19]);
  close(debiasedEma([1, 2, 3], 0), [1, 2, 3]);
});

test("debiased EMA passes non-finite values through and keeps a constant series flat", () => {
  const s = debiasedEma([1, Number.NaN, 3], 0.5);
  assert.equal(s[0], 1);
  assert.ok(Number.isNaN(s[1]!));
  close([s[2]!], [(0.25 + 1.5) / 0.75]);
  close(debiasedEma([0.3, 0.3, 0.3], 0.99), [0.3, 0.3, 0.3], 0);
});

test("a window with few points comes back at full resolution, with one neighbour each side", () => {
  const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const ys = xs.map((x) => x * x);
  const p = minMaxDownsample(xs, ys, 3, 6, 100);
  assert.deepEqual([...p.x], [2, 3, 4, 5, 6, 7]);
  assert.deepEqual([...p.y], [4, 9, 16, 25, 36, 49]);
  const all = minMaxDownsample(xs, ys, 0, 9, 100);
  assert.equal(all.x.length, 10);
});

test("downsampling keeps every pixel column's min and max, in order, and the exact last point", () => {
  const n = 100_000;
  const xs = Float64Array.from({ length: n }, (_, i) => i);
  const ys = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50) + (i === 31_337 ? 100 : 0) - (i === 77_777 ? 100 : 0));
  const cols = 500;
  const p = minMaxDownsample(xs, ys, 0, n - 1, cols);
  assert.ok(p.x.length <= 2 * cols + 3, `${p.x.length} points`);
  assert.ok(p.x.length >= cols, "each column has points");
  // The spikes survive.
  assert.equal(Math.max(...p.y), ys[31_337]);
  assert.equal(Math.min(...p.y), ys[77_777]);
  // x stays ascending (the line goes through min and max in their order).
  for (let i = 1; i < p.x.length; i++) assert.ok(p.x[i]! > p.x[i - 1]!);
  // Every column's min and max are kept.
  const width = (n - 1) / cols;
  for (let c = 0; c < cols; c += 37) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let klo = Number.POSITIVE_INFINITY;
    let khi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (Math.min(cols - 1, Math.floor(xs[i]! / width)) !== c) continue;
      lo = Math.min(lo, ys[i]!);
      hi = Math.max(hi, ys[i]!);
    }
    for (let i = 0; i < p.x.length; i++) {
      if (Math.min(cols - 1, Math.floor(p.x[i]! / width)) !== c) continue;
      klo = Math.min(klo, p.y[i]!);
      khi = Math.max(khi, p.y[i]!);
    }
    assert.equal(klo, lo, `column ${c} min`);
    assert.equal(khi, hi, `column ${c} max`);
  }
  assert.equal(p.x[p.x.length - 1], n - 1);
  assert.equal(p.y[p.y.length - 1], ys[n - 1]);
});

test("zooming gives full resolution inside the zoomed window", () => {
  const n = 100_000;
  const xs = Float64Array.from({ length: n }, (_, i) => i);
  const ys = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 1000);
  const p = minMaxDownsample(xs, ys, 50_000, 50_400, 500);
  assert.equal(p.x.length, 403);
  for (let i = 0; i < p.x.length; i++) assert.equal(p.y[i], ys[p.x[i]!]);
});

test("series on their own x values align on one axis; many points go on a shared grid", () => {
  const a = { x: Float64Array.of(1, 2, 3), y: Float64Array.of(10, 20, 30) };
  const b = { x: Float64Array.of(2, 4), y: Float64Array.of(5, 6) };
  const al = alignSeries([a, b]);
  assert.deepEqual([...al.x], [1, 2, 3, 4]);
  assert.deepEqual(al.ys, [
    [10, 20, 30, null],
    [null, 5, null, 6],
  ]);
  const n = 10_000;
  const big = Array.from({ length: 3 }, (_, k) => {
    const xs = Float64Array.from({ length: n }, (_, i) => i + k * 0.3);
    return minMaxDownsample(
      xs,
      Float64Array.from({ length: n }, (_, i) => Math.cos(i / 10) * (k + 1)),
      0,
      n,
      200,
    );
  });
  const g = alignOnGrid(big, 0, n, 200);
  assert.equal(g.x.length, 2 * 200 + 2);
  for (let i = 1; i < g.x.length; i++) assert.ok(g.x[i]! > g.x[i - 1]!);
  for (let k = 0; k < 3; k++) {
    const kept = g.ys[k]!.filter((v): v is number => v !== null);
    assert.equal(kept.length, big[k]!.y.length, "no point of a series is lost on the grid");
    assert.equal(Math.max(...kept), Math.max(...big[k]!.y));
    assert.equal(Math.min(...kept), Math.min(...big[k]!.y));
  }
});

test("the URL state round-trips and keeps only what differs from the defaults", () => {
  assert.equal(formatState(defaultState()), "");
  const s = {
    ...defaultState(),
    view: "charts" as const,
    filter: "loss < 0.5 and op = train",
    cols: ["id", "flag:lr", "scalar:loss"],
    sort: "scalar:loss",
    desc: false,
    sel: ["aaa", "bbb"],
    keys: ["loss"],
    x: "time" as const,
    smooth: 0.6,
    log: true,
    zoom: [10, 20] as [number, number],
  };
  const h = formatState(s);
  assert.deepEqual(parseState(`#${h}`), s);
  assert.deepEqual(parseState("#view=bogus&smooth=7&zoom=5,1&x=nope"), defaultState());
});

const rec = (id: string, started: number | null, lr?: unknown, loss?: number): RunRecord => ({
  id,
  operation: "train",
  status: "completed",
  started,
  stopped: started === null ? null : started + 1e6,
  label: null,
  tags: [],
  marked: false,
  flags: lr === undefined ? {} : { lr },
  scalars: loss === undefined ? {} : { loss: { last: loss } },
});

test("sorting: numbers in order, missing values last in both directions, ties stable", () => {
  const runs = [rec("a", 3, 0.1, 0.5), rec("b", 1, 0.01), rec("c", null, 0.1, 0.2), rec("d", 2, undefined, 0.9)];
  const ids = (o: Uint32Array) => [...o].map((i) => runs[i]!.id);
  assert.deepEqual(ids(sortOrder(runs, column("started")!, false)), ["b", "d", "a", "c"]);
  assert.deepEqual(ids(sortOrder(runs, column("started")!, true)), ["a", "d", "b", "c"]);
  assert.deepEqual(ids(sortOrder(runs, column("flag:lr")!, false)), ["b", "a", "c", "d"]);
  assert.deepEqual(ids(sortOrder(runs, column("scalar:loss")!, true)), ["d", "a", "c", "b"]);
  const mixed = [rec("x", 1, "adam"), rec("y", 2, 3), rec("z", 3, "sgd"), rec("w", 4)];
  assert.deepEqual(
    [...sortOrder(mixed, column("flag:lr")!, false)].map((i) => mixed[i]!.id),
    ["y", "x", "z", "w"],
  );
  assert.deepEqual(availableColumns(runs).slice(-2), ["flag:lr", "scalar:loss"]);
});
