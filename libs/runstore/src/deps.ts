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
