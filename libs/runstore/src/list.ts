import fs from "node:fs";
import path from "node:path";
import { NotARunError, readRunFacts, type RunFacts } from "./facts.js";
import { runsRoot } from "./home.js";
import { buildRecord, type RecordWarning, type RunRecord } from "./record.js";
import { lookupRuns } from "./run-index.js";

export interface ListOptions {
  /** List `trash/runs/` instead of `runs/`. */
  deleted?: boolean;
  /** Use and update the run index (default: on unless GUILDTS_INDEX=off). */
  index?: boolean;
  /** Only these ids (the others are not read at all). */
  ids?: Iterable<string>;
  isAlive?: (pid: number) => boolean;
}

export interface StoreWarning {
  /** The run id, or null for a problem with the store itself. */
  id: string | null;
  message: string;
}

export interface ListResult {
  runs: RunRecord[];
  warnings: StoreWarning[];
}

export function indexEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.GUILDTS_INDEX ?? "").toLowerCase();
  return !(v === "off" || v === "0" || v === "false" || v === "no");
}

/** Entries of a runs root; a missing root has none. Dot entries (temp files) are skipped. */
export function runRootEntries(root: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    throw e;
  }
  return names.filter((n) => !n.startsWith("."));
}

/**
 * Reads the runs of a store (unsorted: ordering is the selector core's job). Damaged runs never
 * fail the listing: a run is listed with what can be read, and a directory that is not a run or
 * cannot be read is skipped, each with one warning.
 */
export function listRuns(home: string, opts: ListOptions = {}): ListResult {
  const deleted = opts.deleted ?? false;
  const root = runsRoot(home, deleted);
  const warnings: StoreWarning[] = [];
  const names = opts.ids ? [...opts.ids].filter((id) => isSafeRunName(id)) : runRootEntries(root);
  const useIndex = (opts.index ?? indexEnabled()) && !opts.ids && names.length > 0;
  const index = useIndex ? lookupRuns(home, root, names, deleted) : null;
  const runs: RunRecord[] = [];
  for (let i = 0; i < names.length; i++) {
    const id = names[i]!;
    const dir = root + "/" + id;
    let facts: RunFacts | null = index ? index.cached[i]! : null;
    if (!facts) {
      const pre = index ? index.prepare(i) : null;
      try {
        facts = readRunFacts(dir);
      } catch (e) {
        if (e instanceof NotARunError) {
          // Explicitly requested ids that do not exist are the caller's business, not a warning.
          if (!opts.ids) warnings.push({ id, message: `skipped '${dir}': not a run (${e.message})` });
        } else if ((e as NodeJS.ErrnoException).code !== "ENOENT" || !opts.ids) {
          warnings.push({ id, message: `skipped '${dir}': ${(e as Error).message}` });
        }
        continue;
      }
      if (index) index.store(i, facts, pre);
    }
    const built = buildRecord(id, dir, deleted, facts, opts.isAlive);
    runs.push(built.record);
    for (const w of built.warnings) warnings.push(w as RecordWarning);
  }
  index?.save();
  return { runs, warnings };
}

/** A name that can only ever be a directory entry of a runs root: never a path. */
export function isSafeRunName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0");
}
