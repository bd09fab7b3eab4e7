// The page: a Preact shell (header, filter, column chooser, actions, views) around imperative
// islands (the windowed table, the uPlot charts, the plot canvases). Every view state is in
// the URL hash (url-state.ts): the hash is the source of truth, read on load and on hashchange.
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import * as api from "./api.js";
import { type ChartRun, chartData, drawChart, toSeconds } from "./chart.js";
import {
  availableColumns,
  type Column,
  column,
  DEFAULT_COLUMNS,
  formatStarted,
  formatValue,
  type RunRecord,
  sortOrder,
} from "./columns.js";
import { drawParallel, drawScatter, makeAxis } from "./plots.js";
import { RunsTable } from "./table.js";
import { formatState, parseState, type ViewState } from "./url-state.js";

// ---- the store of the page: the listing, its order, the selection, the series cache ----

interface Store {
  runs: RunRecord[];
  byId: Map<string, RunRecord>;
  order: Uint32Array;
  loading: boolean;
  error: string;
  loadedFilter: string | null;
  series: api.SeriesByRun;
}

const store: Store = { runs: [], byId: new Map(), order: new Uint32Array(0), loading: false, error: "", loadedFilter: null, series: {} };
/** The state of a hash; in an export, no selection means every run the file holds (its charts). */
function stateOf(hash: string): ViewState {
  const s = parseState(hash);
  const data = api.exportedData();
  if (data && !s.sel.length) s.sel = data.runs.map((r) => r.id);
  return s;
}

let state: ViewState = stateOf(location.hash);
const listeners = new Set<() => void>();
const notify = () => {
  for (const l of listeners) l();
};

/** Changes the view state: the URL first (so reload and back give it again), then the page. */
export function update(patch: Partial<ViewState>, push = false) {
  state = { ...state, ...patch };
  const hash = `#${formatState(state)}`;
  if (hash !== location.hash && !(hash === "#" && !location.hash)) {
    if (push) history.pushState(null, "", hash);
    else history.replaceState(null, "", hash);
  }
  resort();
  notify();
}

window.addEventListener("hashchange", () => {
  state = stateOf(location.hash);
  loadRuns();
  resort();
  notify();
});
window.addEventListener("popstate", () => {
  state = stateOf(location.hash);
  loadRuns();
  resort();
  notify();
});

const columnsOf = (s: ViewState): Column[] => (s.cols.length ? s.cols : DEFAULT_COLUMNS).map(column).filter((c): c is Column => c !== null);

let sortedKey = "";
function resort(force = false) {
  const key = `${state.sort}|${state.desc}`;
  if (!force && key === sortedKey && store.order.length === store.runs.length) return;
  sortedKey = key;
  const t0 = performance.now();
  const col = column(state.sort);
  if (!col || col.id === "started") {
    // Newest first is the order the server lists in: the CLI's (guild runs), whose rules for runs
    // not yet started the page does not repeat. Oldest first is that order reversed.
    const n = store.runs.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = state.desc || !col ? i : n - 1 - i;
    store.order = order;
  } else store.order = sortOrder(store.runs, col, state.desc);
  perf.lastSortMs = performance.now() - t0;
}

/** Figures the benchmarks and tests read (window.guildView). */
const perf = { firstRowsAt: 0, loadedAt: 0, lastSortMs: 0, lastFilterMs: 0, lastChartMs: 0, requests: 0 };

let loadSeq = 0;
/** How many rows the page asks for first (more than a screen holds). */
const FIRST_ROWS = 200;
async function loadRuns(force = false) {
  if (!force && store.loadedFilter === state.filter) return;
  const seq = ++loadSeq;
  const filter = state.filter;
  const t0 = performance.now();
  store.loading = true;
  store.error = "";
  const runs: RunRecord[] = [];
  let lastPaint = 0;
  notify();
  // The first screen at once: the newest rows (the server reads only their files when there is
  // no filter), then the whole listing replaces them as it streams.
  if (!filter && !store.runs.length && !api.isExport()) {
    try {
      const first = await api.fetchRuns("", () => {}, undefined, FIRST_ROWS);
      if (seq === loadSeq && !store.runs.length) {
        setRuns(first);
        if (!perf.firstRowsAt) perf.firstRowsAt = performance.now();
      }
    } catch {
      // the whole listing below reports the error
    }
  }
  try {
    await api.fetchRuns(filter, (batch) => {
      if (seq !== loadSeq) return;
      for (const r of batch) runs.push(r);
      const now = performance.now();
      // Paint the first rows at once, then at most every 250 ms while the rest streams in.
      if (store.runs !== runs && (lastPaint === 0 || now - lastPaint > 250)) {
        lastPaint = now;
        setRuns(runs);
        if (!perf.firstRowsAt) perf.firstRowsAt = now;
      }
    });
    if (seq !== loadSeq) return;
    setRuns(runs);
    store.loadedFilter = filter;
    perf.lastFilterMs = performance.now() - t0;
    if (!perf.loadedAt) perf.loadedAt = performance.now();
  } catch (e) {
    if (seq !== loadSeq) return;
    store.error = (e as Error).message;
    store.loadedFilter = filter;
  } finally {
    if (seq === loadSeq) {
      store.loading = false;
      notify();
    }
  }
}

function setRuns(runs: RunRecord[]) {
  store.runs = runs.slice();
  store.byId = new Map(store.runs.map((r) => [r.id, r]));
  resort(true);
  notify();
}

/** Live updates: changed records replace theirs in place; new points extend cached series. */
function startLive() {
  let pending = 0;
  const later = () => {
    if (!pending) pending = requestAnimationFrame(() => ((pending = 0), notify()));
  };
  api.subscribe(
    (changed) => {
      let added = false;
      for (const r of changed) {
        const old = store.byId.get(r.id);
        r.__rev = ((old?.__rev as number) ?? 0) + 1;
        if (old) store.runs[store.runs.indexOf(old)] = r;
        else if (!state.filter) {
          // A run new to the page is the newest: first, as the listing would put it.
          store.runs.unshift(r);
          added = true;
        }
        store.byId.set(r.id, r);
      }
      if (added) resort(true);
      later();
    },
    (e) => {
      const s = store.series[e.run]?.[e.key];
      if (!store.series[e.run]) return;
      if (!s) store.series[e.run]![e.key] = { step: e.step, time: e.time, value: e.value };
      else {
        s.step.push(...e.step);
        s.time.push(...e.time);
        s.value.push(...e.value);
      }
      seriesRev++;
      later();
    },
  );
}
let seriesRev = 0;

// ---- components ----

function useStore() {
  const [, set] = useState(0);
  useEffect(() => {
    const l = () => set((n) => n + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
}

function toggleSel(id: string) {
  const sel = new Set(state.sel);
  if (sel.has(id)) sel.delete(id);
  else sel.add(id);
  update({ sel: [...sel] });
}

function Table() {
  const ref = useRef<HTMLDivElement>(null);
  const table = useRef<RunsTable | null>(null);
  const anchor = useRef<string | null>(null);
  useEffect(() => {
    table.current = new RunsTable(ref.current!, {
      onSort: (c) => update({ sort: c, desc: state.sort === c ? !state.desc : c === "started" || c.startsWith("scalar:") }),
      onToggle: (id, range) => {
        if (range && anchor.current) {
          const pos = new Map<string, number>();
          store.order.forEach((i, k) => pos.set(store.runs[i]!.id, k));
          const p = pos.get(anchor.current) ?? 0;
          const q = pos.get(id) ?? 0;
          const [a, b] = p < q ? [p, q] : [q, p];
          const sel = new Set(state.sel);
          for (let k = a; k <= b; k++) sel.add(store.runs[store.order[k]!]!.id);
          update({ sel: [...sel] });
        } else toggleSel(id);
        anchor.current = id;
      },
      onToggleAll: () => update({ sel: state.sel.length ? [] : store.runs.map((r) => r.id) }),
      onOpen: (id) => update({ view: "run", run: id }, true),
    });
    tableRef = table.current;
    return () => table.current?.el.remove();
  }, []);
  useEffect(() => {
    const t = table.current!;
    const cols = columnsOf(state);
    const colKey = cols.map((c) => c.id).join(",") + state.sort + state.desc;
    if ((t as unknown as { _colKey?: string })._colKey !== colKey) {
      t.setColumns(cols, state.sort, state.desc);
      (t as unknown as { _colKey?: string })._colKey = colKey;
    }
    t.setRows(store.runs, store.order);
    t.setSelection(new Set(state.sel));
  });
  return <div class="table-host" ref={ref} />;
}

function ColumnChooser({ onClose }: { onClose(): void }) {
  const current = state.cols.length ? state.cols : DEFAULT_COLUMNS;
  const all = availableColumns(store.runs);
  const toggle = (id: string) => {
    const next = current.includes(id) ? current.filter((c) => c !== id) : [...current, id];
    update({ cols: next.join(",") === DEFAULT_COLUMNS.join(",") ? [] : next });
  };
  return (
    <div class="popover columns-chooser">
      <div class="popover-head">
        Columns{" "}
        <button type="button" onClick={onClose}>
          close
        </button>
      </div>
      {all.map((id) => (
        <label key={id}>
          <input type="checkbox" checked={current.includes(id)} onChange={() => toggle(id)} data-col={id} /> {id}
        </label>
      ))}
    </div>
  );
}

const ACTIONS: { action: string; title: string; value?: string }[] = [
  { action: "label", title: "Label…", value: "label" },
  { action: "tag", title: "Tag…", value: "tag" },
  { action: "untag", title: "Untag…", value: "tag" },
  { action: "mark", title: "Mark" },
  { action: "unmark", title: "Unmark" },
  { action: "delete", title: "Delete" },
  { action: "restore", title: "Restore" },
];

function Actions() {
  const [pending, setPending] = useState<{ action: string; title: string; value?: string } | null>(null);
  const [value, setValue] = useState("");
  const [message, setMessage] = useState("");
  if (api.isExport()) return null;
  const n = state.sel.length;
  const run = async () => {
    const a = pending!;
    setPending(null);
    try {
      const results = await api.postAction(a.action, state.sel, a.value ? value : undefined);
      const failed = results.filter((r) => !r.ok);
      setMessage(
        failed.length ? `${a.action}: ${failed.length} failed: ${failed[0]!.error ?? ""}` : `${a.action}: ${results.length} run(s) done`,
      );
      if (a.action === "delete" || a.action === "restore") update({ sel: [] });
      await loadRuns(true);
    } catch (e) {
      setMessage(`${a.action}: ${(e as Error).message}`);
    }
  };
  return (
    <div class="actions">
      {ACTIONS.map((a) => (
        <button
          key={a.action}
          type="button"
          data-action={a.action}
          disabled={n === 0}
          onClick={() => {
            setValue("");
            setPending(a);
          }}
        >
          {a.title}
        </button>
      ))}
      <span class="message">{message}</span>
      {pending && (
        <div class="modal" role="dialog" aria-modal="true">
          <form
            class="confirm"
            onSubmit={(e) => {
              e.preventDefault();
              run();
            }}
          >
            <p>
              {pending.action} {n} selected run{n === 1 ? "" : "s"}
              {pending.action === "delete" ? " (to the trash: restore brings them back)" : ""}?
            </p>
            {pending.value && (
              <input
                name="value"
                placeholder={pending.value}
                value={value}
                onInput={(e) => setValue((e.target as HTMLInputElement).value)}
              />
            )}
            <div>
              <button type="submit" class="confirm-ok">
                Confirm
              </button>
              <button type="button" class="confirm-cancel" onClick={() => setPending(null)}>
                Cancel
              </button>
            </div>
          </form>
        </div>
      )}
    </div>
  );
}

function Header() {
  const [filter, setFilter] = useState(state.filter);
  const [chooser, setChooser] = useState(false);
  useEffect(() => setFilter(state.filter), [state.filter]);
  const tab = (v: ViewState["view"], title: string) => (
    <a href={`#${formatState({ ...state, view: v })}`} class={state.view === v ? "tab active" : "tab"} data-view={v}>
      {title}
    </a>
  );
  return (
    <header>
      <strong class="brand">guild view</strong>
      <nav>
        {tab("runs", "Runs")}
        {tab("charts", "Charts")}
        {tab("plots", "Plots")}
        {!api.isExport() && tab("diff", "Diff")}
      </nav>
      <form
        class="filter"
        onSubmit={(e) => {
          e.preventDefault();
          update({ filter: filter.trim() }, true);
          loadRuns();
        }}
      >
        <input
          name="filter"
          placeholder={api.isExport() ? "search" : "filter, as guild runs -F (e.g. loss < 0.5 and status = completed)"}
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />
      </form>
      <button type="button" class="columns-button" onClick={() => setChooser(!chooser)}>
        Columns
      </button>
      <span class="count">
        {store.loading ? "loading… " : ""}
        {store.runs.length} runs, {state.sel.length} selected
      </span>
      {store.error && <span class="error">{store.error}</span>}
      {chooser && <ColumnChooser onClose={() => setChooser(false)} />}
    </header>
  );
}

function useSeries(ids: string[]): { series: api.SeriesByRun; loading: boolean } {
  const [, set] = useState(0);
  const key = ids.join(",");
  useEffect(() => {
    const missing = ids.filter((id) => !store.series[id]);
    if (!missing.length) return;
    let live = true;
    api
      .fetchSeries(missing, [])
      .then((s) => {
        for (const id of missing) store.series[id] = s[id] ?? {};
        perf.requests++;
        if (live) set((n) => n + 1);
      })
      .catch((e) => {
        store.error = (e as Error).message;
        notify();
      });
    return () => {
      live = false;
    };
  }, [key]);
  return { series: store.series, loading: ids.some((id) => !store.series[id]) };
}

function Chart({ runs, k }: { runs: ChartRun[]; k: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current!;
    const t0 = performance.now();
    let u: uPlot | null = null;
    u = drawChart(el, runs, {
      title: k,
      width: Math.max(300, Math.min(900, (el.parentElement?.clientWidth ?? 900) - 10)),
      height: 320,
      time: state.x === "time",
      smooth: state.smooth,
      log: state.log,
      zoom: state.zoom,
      onZoom: (zoom) => update({ zoom }),
    });
    perf.lastChartMs = performance.now() - t0;
    el.dataset.drawn = String(Date.now());
    return () => u?.destroy();
  });
  return <div class="chart" data-key={k} ref={ref} />;
}

function Charts() {
  const ids = state.sel.length ? state.sel : [];
  const { series, loading } = useSeries(ids);
  if (!ids.length) return <p class="hint">Select runs in the table to chart their scalars.</p>;
  if (loading) return <p class="hint">loading series…</p>;
  const keys = new Set<string>();
  for (const id of ids) for (const k in series[id] ?? {}) keys.add(k);
  const shown = state.keys.length ? state.keys.filter((k) => keys.has(k)) : [...keys].sort();
  const toggleKey = (k: string) => {
    const cur = state.keys.length ? state.keys : [...keys].sort();
    update({ keys: cur.includes(k) ? cur.filter((x) => x !== k) : [...cur, k] });
  };
  return (
    <div class="charts" data-rev={seriesRev}>
      <div class="chart-controls">
        <label>
          x{" "}
          <select
            name="x"
            value={state.x}
            onChange={(e) => update({ x: (e.target as HTMLSelectElement).value as "step" | "time", zoom: null })}
          >
            <option value="step">step</option>
            <option value="time">time</option>
          </select>
        </label>
        <label>
          smoothing{" "}
          <input
            name="smooth"
            type="range"
            min="0"
            max="0.99"
            step="0.01"
            value={state.smooth}
            onChange={(e) => update({ smooth: Number((e.target as HTMLInputElement).value) })}
          />{" "}
          {state.smooth.toFixed(2)}
        </label>
        <label>
          <input name="log" type="checkbox" checked={state.log} onChange={(e) => update({ log: (e.target as HTMLInputElement).checked })} />{" "}
          log scale
        </label>
        {state.zoom && (
          <button type="button" onClick={() => update({ zoom: null })}>
            reset zoom
          </button>
        )}
        <span class="keys">
          {[...keys].sort().map((k) => (
            <label key={k}>
              <input type="checkbox" checked={shown.includes(k)} onChange={() => toggleKey(k)} /> {k}
            </label>
          ))}
        </span>
      </div>
      {shown.map((k) => {
        const runs: ChartRun[] = [];
        for (const id of ids) {
          const s = series[id]?.[k];
          if (!s?.value.length) continue;
          const x = state.x === "time" ? s.time.map(toSeconds) : s.step;
          const label = store.byId.get(id)?.label;
          runs.push({ id, label: label ? `${id.slice(0, 8)} ${label.slice(0, 24)}` : id.slice(0, 8), x, y: s.value });
        }
        return <Chart key={k} k={k} runs={runs} />;
      })}
    </div>
  );
}

function Plots() {
  const par = useRef<HTMLCanvasElement>(null);
  const sc = useRef<HTMLCanvasElement>(null);
  const all = availableColumns(store.runs);
  const flags = all.filter((c) => c.startsWith("flag:"));
  const scalars = all.filter((c) => c.startsWith("scalar:"));
  const metric = state.metric || scalars[0] || "";
  const axes = state.axes.length ? state.axes : flags.slice(0, 6);
  useEffect(() => {
    const sel = new Set(state.sel);
    const ax = [...axes, metric].filter(Boolean).map((id) => makeAxis(store.runs, id));
    drawParallel(par.current!, store.runs, ax, sel, 900, 360);
    if (axes[0] && metric) drawScatter(sc.current!, store.runs, makeAxis(store.runs, axes[0]), makeAxis(store.runs, metric), sel, 600, 360);
  });
  const toggle = (id: string) => update({ axes: axes.includes(id) ? axes.filter((a) => a !== id) : [...axes, id] });
  return (
    <div class="plots">
      <div class="chart-controls">
        scalar{" "}
        <select name="metric" value={metric} onChange={(e) => update({ metric: (e.target as HTMLSelectElement).value })}>
          {scalars.map((s) => (
            <option key={s} value={s}>
              {s.slice(7)}
            </option>
          ))}
        </select>{" "}
        flags{" "}
        {flags.map((f) => (
          <label key={f}>
            <input type="checkbox" checked={axes.includes(f)} onChange={() => toggle(f)} /> {f.slice(5)}
          </label>
        ))}
      </div>
      <h3>Parallel coordinates</h3>
      <canvas class="parallel" ref={par} />
      <h3>
        Scatter: {axes[0]?.slice(5) ?? "(no flag)"} against {metric.slice(7)}
      </h3>
      <canvas class="scatter" ref={sc} />
    </div>
  );
}

function Kv({ obj }: { obj: Record<string, unknown> }) {
  return (
    <table class="kv">
      <tbody>
        {Object.entries(obj).map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{formatValue(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const TEXT_EXT = /\.(txt|log|json|ya?ml|csv|tsv|md|py|sh|cfg|ini|toml|out)$/i;
const IMAGE_EXT = /\.(png|jpe?g|gif|webp|svg)$/i;

function FilePreview({ id, f }: { id: string; f: api.FileEntry }) {
  const [text, setText] = useState<string | null>(null);
  const url = api.fileUrl(id, f.path);
  useEffect(() => {
    setText(null);
    if (TEXT_EXT.test(f.path) && f.size < 1_000_000)
      api
        .fetchText(url)
        .then(setText)
        .catch((e) => setText(String(e)));
  }, [url]);
  if (IMAGE_EXT.test(f.path)) return <img class="preview" src={url} alt={f.path} />;
  if (/\.html?$/i.test(f.path)) return <iframe class="preview" sandbox="" src={url} title={f.path} />;
  if (text !== null) return <pre class="preview">{text}</pre>;
  return (
    <a href={url} download>
      download {f.path}
    </a>
  );
}

function RunPage() {
  const [detail, setDetail] = useState<api.RunDetail | null>(null);
  const [files, setFiles] = useState<api.FileEntry[]>([]);
  const [error, setError] = useState("");
  const [open, setOpen] = useState<api.FileEntry | null>(null);
  const id = state.run;
  const live = store.byId.get(id);
  useEffect(() => {
    setDetail(null);
    setError("");
    setOpen(null);
    api.fetchRun(id).then(setDetail, (e) => setError((e as Error).message));
    api.fetchFiles(id).then(setFiles, () => setFiles([]));
  }, [id, live?.__rev]);
  if (error) return <p class="error">{error}</p>;
  if (!detail) return <p class="hint">loading run {id}…</p>;
  const r = detail.record;
  const fields = {
    id: r.id,
    operation: r.operation,
    status: r.status,
    started: formatStarted(r.started),
    stopped: formatStarted(r.stopped),
    label: r.label,
    tags: r.tags.join(" "),
    marked: r.marked,
    exit_status: r.exit_status,
    dir: r.dir,
  };
  return (
    <div class="run-page">
      <h2>
        Run {r.id.slice(0, 8)} <span class={`status ${r.status}`}>{r.status}</span>
      </h2>
      <div class="columns">
        <section>
          <h3>Fields</h3>
          <Kv obj={fields} />
          <h3>Flags</h3>
          <Kv obj={detail.flags ?? {}} />
        </section>
        <section>
          <h3>Scalars</h3>
          <table class="kv scalars">
            <thead>
              <tr>
                <th>key</th>
                {["last", "min", "max", "avg", "count", "step"].map((h) => (
                  <th key={h}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.entries(detail.scalars ?? {}).map(([k, s]) => (
                <tr key={k}>
                  <th>{k}</th>
                  {["last", "min", "max", "avg", "count", "step"].map((h) => (
                    <td key={h}>{formatValue(s[h])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Dependencies</h3>
          <pre class="deps">{detail.deps ? JSON.stringify(detail.deps, null, 2) : "(none)"}</pre>
        </section>
      </div>
      <h3>Output {!api.isExport() && <a href={`/api/runs/${encodeURIComponent(r.id)}/output`}>(whole)</a>}</h3>
      <pre class="output">{detail.output_tail}</pre>
      <h3>Files</h3>
      <ul class="files">
        {files.map((f) => (
          <li key={f.path}>
            {f.dir ? (
              `${f.path}/`
            ) : (
              <button type="button" class="link" onClick={() => setOpen(f)}>
                {f.path}
              </button>
            )}{" "}
            <span class="size">{f.dir ? "" : `${f.size} B`}</span>
          </li>
        ))}
      </ul>
      {open && <FilePreview id={r.id} f={open} />}
    </div>
  );
}

function Diff() {
  const [text, setText] = useState<string | null>(null);
  const [a, b] = state.sel;
  useEffect(() => {
    setText(null);
    if (a && b) api.fetchDiff(a, b, state.what).then(setText, (e) => setText(`error: ${(e as Error).message}`));
  }, [a, b, state.what]);
  if (!a || !b) return <p class="hint">Select two runs in the table to diff them.</p>;
  return (
    <div class="diff">
      <div class="chart-controls">
        {a.slice(0, 8)} → {b.slice(0, 8)}{" "}
        <select
          name="what"
          value={state.what}
          onChange={(e) => update({ what: (e.target as HTMLSelectElement).value as ViewState["what"] })}
        >
          {["flags", "attrs", "output", "sourcecode"].map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
      </div>
      <pre class="diff-text">
        {text === null
          ? "loading…"
          : text === ""
            ? "(no differences)"
            : text.split("\n").map((l, i) => (
                <div key={i} class={l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : l.startsWith("@") ? "hunk" : ""}>
                  {l}
                </div>
              ))}
      </pre>
    </div>
  );
}

function App() {
  useStore();
  return (
    <div class={`app view-${state.view}${api.isExport() ? " export" : ""}`}>
      <Header />
      {state.view !== "run" && <Actions />}
      <main>
        {state.view === "runs" && <Table />}
        {state.view === "charts" && <Charts />}
        {state.view === "plots" && <Plots />}
        {state.view === "diff" && <Diff />}
        {state.view === "run" && <RunPage />}
      </main>
    </div>
  );
}

let tableRef: RunsTable | null = null;

export function start() {
  // For the tests and bench/view-page.mjs: figures, the store, and the chart function itself.
  (window as unknown as { guildView: unknown }).guildView = {
    perf,
    table: () => tableRef,
    store,
    state: () => state,
    update,
    drawChart,
    chartData,
  };
  const root = document.getElementById("guild-app") ?? document.body.appendChild(document.createElement("div"));
  render(<App />, root);
  loadRuns();
  startLive();
}
