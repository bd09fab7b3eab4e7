// The runs table's columns and its client-side sort (pure: no DOM).
// A column id is a field (`status`), `flag:NAME` or `scalar:KEY` (the scalar's last value).

export interface ScalarSummary {
  last?: number | null;
  step?: number | null;
  min?: number | null;
  max?: number | null;
  count?: number | null;
}

/** One `guild-ls-runs --json --scalars` record (the fields the page uses). */
export interface RunRecord {
  id: string;
  dir?: string;
  deleted?: boolean;
  operation: string;
  status: string;
  started: number | null;
  stopped: number | null;
  initialized?: number | null;
  exit_status?: number | null;
  label: string | null;
  tags: string[];
  marked: boolean;
  flags: Record<string, unknown>;
  scalars?: Record<string, ScalarSummary>;
  [k: string]: unknown;
}

export interface Column {
  id: string;
  title: string;
  numeric: boolean;
  /** The value to show. */
  text(r: RunRecord): string;
  /** The sort key: a number (NaN sorts last) or a string. */
  key(r: RunRecord): number | string;
}

export const FIELD_COLUMNS = ["id", "operation", "started", "time", "status", "label", "tags", "marked"] as const;
export const DEFAULT_COLUMNS = ["id", "operation", "started", "time", "status", "label"];

const pad = (n: number) => String(n).padStart(2, "0");

/** Guild's `started` (microseconds since the epoch) as local `YYYY-MM-DD HH:MM:SS`. */
export function formatStarted(us: number | null | undefined): string {
  if (us == null) return "";
  const d = new Date(us / 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A run's duration in seconds (to now for a running run), NaN when it has not started. */
export function durationSeconds(r: RunRecord, nowUs = Date.now() * 1000): number {
  if (r.started == null) return Number.NaN;
  const end = r.stopped ?? (r.status === "running" ? nowUs : null);
  return end == null ? Number.NaN : (end - r.started) / 1e6;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "";
  const t = Math.round(s);
  return `${Math.floor(t / 3600)}:${pad(Math.floor(t / 60) % 60)}:${pad(t % 60)}`;
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

const numKey = (v: unknown): number | string => {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === null || v === undefined) return Number.NaN;
  return String(v);
};

/** The column of an id, or null for an unknown one. */
export function column(id: string): Column | null {
  if (id.startsWith("flag:")) {
    const name = id.slice(5);
    return { id, title: name, numeric: true, text: (r) => formatValue(r.flags?.[name]), key: (r) => numKey(r.flags?.[name]) };
  }
  if (id.startsWith("scalar:")) {
    const k = id.slice(7);
    return {
      id,
      title: k,
      numeric: true,
      text: (r) => formatValue(r.scalars?.[k]?.last),
      key: (r) => numKey(r.scalars?.[k]?.last),
    };
  }
  switch (id) {
    case "id":
      return { id, title: "id", numeric: false, text: (r) => r.id.slice(0, 8), key: (r) => r.id };
    case "operation":
      return { id, title: "operation", numeric: false, text: (r) => r.operation, key: (r) => r.operation };
    case "started":
      return { id, title: "started", numeric: true, text: (r) => formatStarted(r.started), key: (r) => numKey(r.started) };
    case "time":
      return { id, title: "time", numeric: true, text: (r) => formatDuration(durationSeconds(r)), key: (r) => durationSeconds(r) };
    case "status":
      return { id, title: "status", numeric: false, text: (r) => r.status, key: (r) => r.status };
    case "label":
      return { id, title: "label", numeric: false, text: (r) => r.label ?? "", key: (r) => r.label ?? "" };
    case "tags":
      return { id, title: "tags", numeric: false, text: (r) => (r.tags ?? []).join(" "), key: (r) => (r.tags ?? []).join(" ") };
    case "marked":
      return { id, title: "marked", numeric: true, text: (r) => (r.marked ? "*" : ""), key: (r) => (r.marked ? 1 : 0) };
    default:
      return null;
  }
}

/** Every column the runs offer: the fields, then each flag and scalar seen, sorted by name. */
export function availableColumns(runs: readonly RunRecord[]): string[] {
  const flags = new Set<string>();
  const scalars = new Set<string>();
  for (const r of runs) {
    for (const k in r.flags ?? {}) flags.add(k);
    for (const k in r.scalars ?? {}) scalars.add(k);
  }
  return [...FIELD_COLUMNS, ...[...flags].sort().map((f) => `flag:${f}`), ...[...scalars].sort().map((k) => `scalar:${k}`)];
}

/**
 * The order of `runs` sorted by a column: a permutation (indexes into runs). Numbers before
 * strings, missing values last whatever the direction; ties keep the listing's order. The keys
 * are read once into arrays, so 100k rows sort in tens of milliseconds.
 */
export function sortOrder(runs: readonly RunRecord[], col: Column, desc: boolean): Uint32Array {
  const n = runs.length;
  const nums = new Float64Array(n);
  const strs: (string | null)[] = new Array(n).fill(null);
  let anyString = false;
  for (let i = 0; i < n; i++) {
    const k = col.key(runs[i]!);
    if (typeof k === "number") nums[i] = k;
    else {
      nums[i] = Number.NaN;
      strs[i] = k;
      anyString = true;
    }
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sign = desc ? -1 : 1;
  if (!anyString) {
    order.sort((a, b) => {
      const x = nums[a]!;
      const y = nums[b]!;
      const xn = Number.isNaN(x);
      const yn = Number.isNaN(y);
      if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1;
      return x === y ? a - b : x < y ? -sign : sign;
    });
    return order;
  }
  order.sort((a, b) => {
    const sa = strs[a] ?? null;
    const sb = strs[b] ?? null;
    const x = nums[a]!;
    const y = nums[b]!;
    const ma = sa === null && Number.isNaN(x);
    const mb = sb === null && Number.isNaN(y);
    if (ma || mb) return ma === mb ? a - b : ma ? 1 : -1;
    if (sa === null && sb === null) return x === y ? a - b : x < y ? -sign : sign;
    if (sa === null) return -1;
    if (sb === null) return 1;
    return sa === sb ? a - b : sa < sb ? -sign : sign;
  });
  return order;
}
