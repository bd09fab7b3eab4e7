import fs from "node:fs";
import { formatCommand, formatFrom, formatTimestamp, type RunDetails, scalarStats, tildePath } from "@guildts/format";
import { readRawAttr } from "@guildts/plumbing/filter-run.js";
import { buildRecord, formatOpRef, GuildFloat, readRunFacts, scalarKey, type AttrValue, type RunRecord } from "@guildts/runstore";

/**
 * The JSON Guild 0.9.1 prints from the porcelain (`runs list --json`, `runs info --json`),
 * as plain values for pyJsonDumps (store spec §7.3 and §8): scripts written against Guild keep
 * working. The plumbing keeps its own line-per-record contract.
 */

const raw = (r: RunRecord, name: string): AttrValue => readRawAttr(r, name) ?? null;

/** One element of `guild runs list --json`: Guild's keys in Guild's order, values the raw attrs. */
export function listedRunJson(r: RunRecord): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: r.id,
    run_dir: r.dir,
    opref: r.opref ? formatOpRef(r.opref) : "",
    exit_status: raw(r, "exit_status"),
    cmd: raw(r, "cmd"),
    comments: raw(r, "comments"),
    marked: raw(r, "marked"),
    label: raw(r, "label"),
    started: raw(r, "started"),
    status: r.status,
    stopped: raw(r, "stopped"),
    tags: raw(r, "tags"),
  };
  const proto = protoRecord(r);
  if (proto) data.batch_proto = listedRunJson(proto);
  return data;
}

/** The batch prototype in `.guild/proto` as a run of its own (id `proto`), or null. */
function protoRecord(r: RunRecord): RunRecord | null {
  // The listing already knows which runs have a proto: no stat per run for the others.
  if (!r.batch_proto) return null;
  const dir = r.batch_proto.dir;
  try {
    if (!fs.lstatSync(dir).isDirectory()) return null;
    return buildRecord("proto", dir, r.deleted, readRunFacts(dir)).record;
  } catch {
    return null;
  }
}

/** `guild runs info --json`: the text output's fields, in its order, with Guild's JSON values. */
export function runInfoJson(r: RunRecord, d: RunDetails, opts: { home?: string; allScalars?: boolean } = {}): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: r.id,
    operation: r.operation ?? "",
    from: formatFrom(r, opts.home),
    status: r.status,
    started: formatTimestamp(r.started),
    stopped: formatTimestamp(r.stopped),
    marked: r.marked ? "yes" : "no",
    label: r.label ?? "",
    sourcecode_digest: d.sourcecode_digest ?? "",
    vcs_commit: d.vcs_commit ?? "",
    run_dir: tildePath(r.dir, opts.home),
    command: formatCommand(d.cmd),
    exit_status: r.exit_status ?? "",
    pid: r.pid ?? "",
    tags: raw(r, "tags") ?? [],
    flags: raw(r, "flags") ?? {},
  };
  if (d.protoFlags) data["proto-flags"] = d.protoFlags;
  const float = (x: number) => new GuildFloat(x); // scalars are floats: 1.0, not 1
  const scalars: Record<string, unknown> = {};
  for (const s of d.scalars) {
    if (opts.allScalars) {
      scalars[scalarKey(s)] = Object.fromEntries(Object.entries(scalarStats(s)).map(([k, [v, step]]) => [k, [float(v), step]]));
    } else if (!s.tag.startsWith("sys/")) scalars[scalarKey(s)] = [float(s.last), s.lastStep];
  }
  data.scalars = scalars;
  if (d.deps) data.dependencies = d.deps;
  if (d.lineage) data.lineage = d.lineage.map((l) => l.trim());
  return data;
}
