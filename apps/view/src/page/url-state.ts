// Every view state lives in the URL's hash, so a reload (or a pasted link) shows the same view:
//   #view=runs&filter=…&cols=…&sort=-started&sel=ID,ID&keys=loss&x=step&smooth=0.6&log=1&zoom=A,B
// Pure: parse and format only (the page reads location.hash and writes it with replaceState).

export type View = "runs" | "run" | "charts" | "plots" | "diff";
export const VIEWS: readonly View[] = ["runs", "charts", "plots", "diff", "run"];

export interface ViewState {
  view: View;
  /** The CLI filter expression (-F), sent to /api/runs?filter=. */
  filter: string;
  /** Column ids in display order (see columns.ts); empty: the default set. */
  cols: string[];
  /** Sort column id, and direction. */
  sort: string;
  desc: boolean;
  /** Selected run ids (full ids). */
  sel: string[];
  /** The run of the run page. */
  run: string;
  /** Chart settings. */
  keys: string[];
  x: "step" | "time";
  smooth: number;
  log: boolean;
  zoom: [number, number] | null;
  /** Parallel coordinates / scatter: flag axes and the scalar. */
  axes: string[];
  metric: string;
  /** Diff: what to compare. */
  what: "flags" | "attrs" | "output" | "sourcecode";
}

export function defaultState(): ViewState {
  return {
    view: "runs",
    filter: "",
    cols: [],
    sort: "started",
    desc: true,
    sel: [],
    run: "",
    keys: [],
    x: "step",
    smooth: 0,
    log: false,
    zoom: null,
    axes: [],
    metric: "",
    what: "flags",
  };
}

const list = (v: string | null) => (v ? v.split(",").filter((s) => s !== "") : []);

/** The state a hash (with or without its '#') describes; unknown or bad values take defaults. */
export function parseState(hash: string): ViewState {
  const s = defaultState();
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const view = q.get("view");
  if (view && (VIEWS as readonly string[]).includes(view)) s.view = view as View;
  s.filter = q.get("filter") ?? "";
  s.cols = list(q.get("cols"));
  const sort = q.get("sort");
  if (sort) {
    s.desc = sort.startsWith("-");
    s.sort = sort.replace(/^-/, "");
  }
  s.sel = list(q.get("sel"));
  s.run = q.get("run") ?? "";
  s.keys = list(q.get("keys"));
  if (q.get("x") === "time") s.x = "time";
  const smooth = Number(q.get("smooth"));
  if (Number.isFinite(smooth) && smooth >= 0 && smooth < 1) s.smooth = smooth;
  s.log = q.get("log") === "1";
  const zoom = list(q.get("zoom")).map(Number);
  if (zoom.length === 2 && zoom.every(Number.isFinite) && zoom[0]! < zoom[1]!) s.zoom = [zoom[0]!, zoom[1]!];
  s.axes = list(q.get("axes"));
  s.metric = q.get("metric") ?? "";
  const what = q.get("what");
  if (what === "attrs" || what === "output" || what === "sourcecode") s.what = what;
  return s;
}

/** The hash (without '#') for a state: only what differs from the defaults, in a fixed order. */
export function formatState(s: ViewState): string {
  const d = defaultState();
  const q = new URLSearchParams();
  if (s.view !== d.view) q.set("view", s.view);
  if (s.filter) q.set("filter", s.filter);
  if (s.cols.length) q.set("cols", s.cols.join(","));
  if (s.sort !== d.sort || s.desc !== d.desc) q.set("sort", (s.desc ? "-" : "") + s.sort);
  if (s.sel.length) q.set("sel", s.sel.join(","));
  if (s.run) q.set("run", s.run);
  if (s.keys.length) q.set("keys", s.keys.join(","));
  if (s.x !== d.x) q.set("x", s.x);
  if (s.smooth) q.set("smooth", String(s.smooth));
  if (s.log) q.set("log", "1");
  if (s.zoom) q.set("zoom", s.zoom.join(","));
  if (s.axes.length) q.set("axes", s.axes.join(","));
  if (s.metric) q.set("metric", s.metric);
  if (s.what !== d.what) q.set("what", s.what);
  return q.toString();
}
