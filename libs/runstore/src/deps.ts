/**
 * A run's `deps` attr (Guild's record of resolved dependencies: resource → source →
 * `{uri, paths, config?}`) read as what a script wants to walk: per resource, the upstream run
 * ids and the resolved paths.
 */
import type { AttrValue } from "./yaml/value.js";

export interface DepSummary {
  /** Upstream run ids (full), in source order, each once. */
  runs: string[];
  /** The resolved source paths, relative to the run directory, as recorded. */
  paths: string[];
}

const FULL_ID = /^[0-9a-f]{32}$/;
const UPSTREAM_PATH = /^\.\.\/([0-9a-f]{32})(?:\/|$)/;

function isMap(v: AttrValue | undefined): v is { [k: string]: AttrValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && v.constructor === Object;
}

/** The `deps` attr's resources with their upstream runs and paths; {} for anything else. */
export function depsSummary(attr: AttrValue | undefined): Record<string, DepSummary> {
  const out: Record<string, DepSummary> = {};
  if (!isMap(attr)) return out;
  for (const [res, sources] of Object.entries(attr)) {
    const sum: DepSummary = { runs: [], paths: [] };
    if (isMap(sources)) {
      for (const info of Object.values(sources)) {
        if (!isMap(info)) continue;
        const paths = Array.isArray(info.paths) ? info.paths.filter((p): p is string => typeof p === "string") : [];
        sum.paths.push(...paths);
        const isOp = typeof info.uri === "string" && info.uri.startsWith("operation:");
        const ids = new Set<string>();
        if (isOp && typeof info.config === "string" && FULL_ID.test(info.config)) ids.add(info.config);
        if (isOp) for (const p of paths) UPSTREAM_PATH.test(p) && ids.add(UPSTREAM_PATH.exec(p)![1]!);
        for (const id of ids) if (!sum.runs.includes(id)) sum.runs.push(id);
      }
    }
    out[res] = sum;
  }
  return out;
}

// A plain YAML scalar that PyYAML reads back as this same string (no quoting, indicators,
// comments or implicit types): anything else is left to the full decoder.
const PLAIN = /^[A-Za-z0-9_./~][^#]*$/;
const IMPLICIT = /^(?:[-+.]?[0-9][0-9_.:eE+-]*|\.inf|\.nan|true|false|yes|no|on|off|y|n|null|~|=)$/i;
function plain(s: string): string | null {
  if (!PLAIN.test(s) || s.includes(": ") || s.endsWith(":") || s.endsWith(" ") || IMPLICIT.test(s)) return null;
  return s;
}

/**
 * The summary of a `deps` attr text in the shape Guild and guildts write (block maps of
 * `config`/`paths`/`uri` with plain scalars), without the YAML decoder: a listing reads one per
 * run. Null for any other text (the caller decodes it in full).
 */
export function depsSummaryFast(text: string): Record<string, DepSummary> | null {
  if (text.trim() === "{}") return {};
  const out: Record<string, DepSummary> = {};
  let res: DepSummary | null = null;
  let src: { uri: string | null; config: string | null; paths: string[] } | null = null;
  let inPaths = false;
  const flush = () => {
    if (!res || !src) return;
    res.paths.push(...src.paths);
    if (src.uri?.startsWith("operation:")) {
      const ids: string[] = [];
      if (src.config && FULL_ID.test(src.config)) ids.push(src.config);
      for (const p of src.paths) {
        const m = UPSTREAM_PATH.exec(p);
        if (m) ids.push(m[1]!);
      }
      for (const id of ids) if (!res.runs.includes(id)) res.runs.push(id);
    }
    src = null;
  };
  const lines = text.split("\n");
  if (lines.pop() !== "") return null;
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if (inPaths && (m = /^ {4}- (.*)$/.exec(line))) {
      const p = plain(m[1]!);
      if (p === null) return null;
      src!.paths.push(p);
      continue;
    }
    inPaths = false;
    if ((m = /^([^ ].*?):( \{\})?$/.exec(line))) {
      flush();
      const k = plain(m[1]!);
      if (k === null || k in out) return null;
      res = out[k] = { runs: [], paths: [] };
      if (m[2]) res = null;
    } else if ((m = /^ {2}([^ ].*?):$/.exec(line)) && res) {
      flush();
      if (plain(m[1]!) === null) return null;
      src = { uri: null, config: null, paths: [] };
    } else if ((m = /^ {4}(config|uri): (.*)$/.exec(line)) && src) {
      const v = plain(m[2]!);
      if (v === null) return null;
      src[m[1] as "config" | "uri"] = v;
    } else if (line === "    paths:" && src) inPaths = true;
    else if (line === "    paths: []" && src) continue;
    else return null;
  }
  flush();
  return out;
}
