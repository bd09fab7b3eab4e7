// Where the page's data comes from: the server's HTTP API (view-api.md), or, in an exported
// file, the `#guild-data` script element (no network at all, actions hidden).
import type { RunRecord } from "./columns.js";

export interface Series {
  step: number[];
  time: number[];
  value: number[];
}
export type SeriesByRun = Record<string, Record<string, Series>>;

export interface RunDetail {
  record: RunRecord;
  flags: Record<string, unknown>;
  attrs: Record<string, unknown>;
  scalars: Record<string, Record<string, number | null>>;
  deps: unknown;
  output_tail: string;
}

export interface FileEntry {
  path: string;
  size: number;
  dir: boolean;
  mtime: number;
}

export interface ActionResult {
  id: string;
  ok: boolean;
  error?: string;
}

export class ApiError extends Error {}

interface Exported {
  runs: RunRecord[];
  series: SeriesByRun;
}

let exported: Exported | null | undefined;

/** The data of an exported file, or null when the page is served. */
export function exportedData(): Exported | null {
  if (exported !== undefined) return exported;
  const el = document.getElementById("guild-data");
  exported = el ? (JSON.parse(el.textContent ?? "{}") as Exported) : null;
  if (exported) {
    exported.runs ??= [];
    exported.series ??= {};
  }
  return exported;
}

export const isExport = () => exportedData() !== null;

async function check(res: Response): Promise<Response> {
  if (res.ok) return res;
  let msg = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: string };
    if (body.error) msg = body.error;
  } catch {}
  throw new ApiError(msg);
}

/**
 * The runs matching a CLI filter, streamed: `onBatch` gets the records parsed so far in chunks
 * as the NDJSON arrives (the table paints from the first chunk). Resolves with all of them.
 */
export async function fetchRuns(
  filter: string,
  onBatch: (batch: RunRecord[]) => void,
  signal?: AbortSignal,
  limit?: number,
): Promise<RunRecord[]> {
  const data = exportedData();
  if (data) {
    const runs = filter ? data.runs.filter((r) => JSON.stringify(r).toLowerCase().includes(filter.toLowerCase())) : data.runs;
    onBatch(runs);
    return runs;
  }
  // The query the view was opened with (`guild view RUN... -F ...` puts it in the URL) is the
  // scope; the filter box's expression replaces its filter.
  const q = new URLSearchParams(location.search);
  q.delete("token");
  if (filter) q.set("filter", filter);
  if (limit !== undefined) q.set("limit", String(limit));
  const qs = q.toString();
  const res = await check(await fetch(`/api/runs${qs ? `?${qs}` : ""}`, { signal: signal ?? null, credentials: "same-origin" }));
  const all: RunRecord[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = rest + value;
    const cut = text.lastIndexOf("\n");
    if (cut < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(cut + 1);
    const batch = JSON.parse(`[${text.slice(0, cut).split("\n").filter(Boolean).join(",")}]`) as RunRecord[];
    for (const r of batch) all.push(r);
    onBatch(batch);
  }
  if (rest.trim()) {
    const r = JSON.parse(rest) as RunRecord;
    all.push(r);
    onBatch([r]);
  }
  return all;
}

/** The series of some runs, in one request whatever their number (keys empty: all keys). */
export async function fetchSeries(runs: string[], keys: string[]): Promise<SeriesByRun> {
  const data = exportedData();
  if (data) {
    const out: SeriesByRun = {};
    for (const id of runs) {
      const s = data.series[id];
      if (!s) continue;
      out[id] = keys.length ? Object.fromEntries(Object.entries(s).filter(([k]) => keys.includes(k))) : s;
    }
    return out;
  }
  const q = new URLSearchParams();
  for (const r of runs) q.append("run", r);
  for (const k of keys) q.append("key", k);
  const res = await check(await fetch(`/api/series?${q}`, { credentials: "same-origin" }));
  return ((await res.json()) as { runs: SeriesByRun }).runs;
}

export async function fetchRun(id: string): Promise<RunDetail> {
  const data = exportedData();
  if (data) {
    const record = data.runs.find((r) => r.id === id);
    if (!record) throw new ApiError(`no run ${id} in this file`);
    return { record, flags: record.flags, attrs: {}, scalars: {}, deps: null, output_tail: "" };
  }
  return (await (await check(await fetch(`/api/runs/${encodeURIComponent(id)}`))).json()) as RunDetail;
}

export async function fetchFiles(id: string): Promise<FileEntry[]> {
  if (isExport()) return [];
  const text = await (await check(await fetch(`/api/runs/${encodeURIComponent(id)}/files`))).text();
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FileEntry);
}

export const fileUrl = (id: string, path: string) =>
  `/api/runs/${encodeURIComponent(id)}/files/${path.split("/").map(encodeURIComponent).join("/")}`;

export async function fetchText(url: string): Promise<string> {
  return (await check(await fetch(url))).text();
}

export async function fetchDiff(a: string, b: string, what: string): Promise<string> {
  const q = new URLSearchParams({ a, b, what });
  return ((await (await check(await fetch(`/api/diff?${q}`))).json()) as { text: string }).text;
}

/** An action on runs (label, tag, untag, mark, unmark, delete, restore), CSRF-protected. */
export async function postAction(action: string, runs: string[], value?: string): Promise<ActionResult[]> {
  const csrf = document.querySelector('meta[name="guild-csrf"]')?.getAttribute("content") ?? "";
  const body: Record<string, unknown> = { action, runs };
  if (value !== undefined) body.value = value;
  const res = await check(
    await fetch("/api/actions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    }),
  );
  return ((await res.json()) as { results: ActionResult[] }).results;
}

export interface SeriesEvent extends Series {
  run: string;
  key: string;
}

/** The one server-sent-events stream of the tab: changed runs and new series points. */
export function subscribe(onRuns: (runs: RunRecord[]) => void, onSeries: (e: SeriesEvent) => void): () => void {
  if (isExport() || typeof EventSource === "undefined") return () => {};
  const es = new EventSource("/api/events");
  es.addEventListener("runs", (e) => {
    const runs = (e as MessageEvent<string>).data
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RunRecord);
    if (runs.length) onRuns(runs);
  });
  es.addEventListener("series", (e) => onSeries(JSON.parse((e as MessageEvent<string>).data) as SeriesEvent));
  return () => es.close();
}
