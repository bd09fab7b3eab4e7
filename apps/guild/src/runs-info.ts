import type { RunDetails } from "@guildts/format";
import { say } from "@guildts/plumbing";
import { depsSummary, GuildFloat, listRuns, readAttr, readScalars, type AttrValue, type RunRecord } from "@guildts/runstore";

function str(v: unknown): string | null {
  return typeof v === "string" ? v : v === undefined || v === null ? null : String(v);
}

function protoFlags(dir: string): Record<string, AttrValue> {
  const v = readAttr(dir, "flags");
  return v && typeof v === "object" && !Array.isArray(v) && !(v instanceof GuildFloat) ? (v as Record<string, AttrValue>) : {};
}

/** What `runs info` reads beyond the listing record (attrs, scalars of event files). */
export function runDetails(r: RunRecord): RunDetails {
  const cmd = readAttr(r.dir, "cmd");
  return {
    cmd: Array.isArray(cmd) ? cmd.map((x) => String(x)) : null,
    sourcecode_digest: str(readAttr(r.dir, "sourcecode_digest")),
    vcs_commit: str(readAttr(r.dir, "vcs_commit")),
    scalars: readScalars(r.dir, (file, e) => say("guild", `warning: run ${r.id}: cannot read ${file}: ${e.message}`), {
      trialLinks: r.batch_proto !== null,
    }),
    protoFlags: r.batch_proto ? protoFlags(r.batch_proto.dir) : null,
  };
}

/** The run's comments (Guild's `comments` attr: a list of {body, host, time, user}; others skipped). */
export function runComments(r: RunRecord): { body: string; host: string; time: number | null; user: string }[] {
  let v: AttrValue | undefined;
  try {
    v = readAttr(r.dir, "comments");
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v)) return [];
  const text = (x: AttrValue | undefined) => (x === undefined || x === null ? "" : typeof x === "string" ? x : String(x));
  return v.flatMap((c) => {
    if (typeof c !== "object" || c === null || Array.isArray(c) || c instanceof GuildFloat) return [];
    const m = c as { [k: string]: AttrValue };
    const t = m.time;
    return [{ body: text(m.body), host: text(m.host), time: typeof t === "number" ? t : null, user: text(m.user) }];
  });
}

/** The run's `deps` attr (Guild writes `{}` when there are none). */
export function runDeps(r: RunRecord): Record<string, AttrValue> {
  let v: AttrValue | undefined;
  try {
    v = readAttr(r.dir, "deps");
  } catch (e) {
    say("guild", `warning: run ${r.id}: cannot read attr 'deps': ${(e as Error).message}`);
  }
  return v && typeof v === "object" && !Array.isArray(v) && !(v instanceof GuildFloat) ? (v as Record<string, AttrValue>) : {};
}

/**
 * `runs info --lineage`: the run, then each upstream run it depends on (its `deps` attr), and
 * theirs, indented by depth: `RESOURCE: SHORT-ID OPERATION (STATUS)`. A run met again (a
 * diamond) is shown once more without its upstreams (`...`); a missing one says so.
 */
export function lineageLines(r: RunRecord, home: string): string[] {
  const cache = new Map<string, RunRecord | null>([[r.id, r]]);
  const find = (id: string): RunRecord | null => {
    if (!cache.has(id)) cache.set(id, listRuns(home, { ids: new Set([id]) }).runs[0] ?? null);
    return cache.get(id)!;
  };
  const desc = (x: RunRecord) => `${x.id.slice(0, 8)} ${x.operation ?? "?"} (${x.status})`;
  const lines = [`  ${desc(r)}`];
  const seen = new Set<string>([r.id]);
  const walk = (run: RunRecord, depth: number): void => {
    for (const [res, sum] of Object.entries(depsSummary(runDeps(run)))) {
      if (!sum.runs.length) {
        lines.push(`${"  ".repeat(depth + 1)}${res}: ${sum.paths.join(", ") || "(nothing resolved)"}`);
        continue;
      }
      for (const id of sum.runs) {
        const up = find(id);
        const pad = "  ".repeat(depth + 1);
        if (!up) lines.push(`${pad}${res}: ${id.slice(0, 8)} (not in this home: deleted or purged)`);
        else if (seen.has(id)) lines.push(`${pad}${res}: ${desc(up)} ...`);
        else {
          seen.add(id);
          lines.push(`${pad}${res}: ${desc(up)}`);
          walk(up, depth + 1);
        }
      }
    }
  };
  walk(r, 1);
  return lines;
}
