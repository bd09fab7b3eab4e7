import { type AttrValue, encodeAttr, encodeFlagVal, formatFixed, GuildFloat } from "@guildts/py";
import { scalarKey, type RunRecord, type ScalarSummary } from "@guildts/runstore";
import { tildePath } from "./paths.js";
import type { TextFilter } from "./safe.js";
import { formatTimestamp } from "./time.js";

/** What `runs info` shows beyond the listing record. */
export interface RunDetails {
  cmd: string[] | null;
  sourcecode_digest: string | null;
  vcs_commit: string | null;
  scalars: ScalarSummary[];
  /** A batch's prototype flags (`.guild/proto`), shown as `proto-flags:`; absent for other runs. */
  protoFlags?: { [name: string]: AttrValue } | null;
  /** The `deps` attr, shown as `dependencies:` (`--deps`); absent unless asked for. */
  deps?: { [name: string]: AttrValue } | null;
  /** `--lineage`: the chain of upstream runs, as lines (already indented). */
  lineage?: string[] | null;
  /** `-c/--comments`: the run's comments (Guild's `comments` attr), shown under `comments:`. */
  comments?: { body: string; host: string; time: number | null; user: string }[] | null;
}

/** Natural order (`b2` before `b10`), as Guild sorts flag names. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true, sensitivity: "variant" });
}

/** A flags section's lines (`  name: value`, natural-sorted; lists and dicts as Guild nests them). */
function flagLines(flags: { [name: string]: AttrValue }): string[] {
  const lines: string[] = [];
  for (const name of Object.keys(flags).sort(naturalCompare)) {
    const v = flags[name]!;
    if (Array.isArray(v)) {
      lines.push(`  ${name}:`, ...v.map((x) => `    - ${encodeFlagVal(x)}`));
    } else if (typeof v === "object" && v !== null && !(v instanceof GuildFloat)) {
      lines.push(
        `  ${name}:`,
        ...encodeAttr(v)
          .replace(/\n$/, "")
          .split("\n")
          .map((l) => `    ${l}`),
      );
    } else {
      lines.push(`  ${name}: ${encodeFlagVal(v)}`);
    }
  }
  return lines;
}

/** Guild's command line display: args that are empty or hold a space in double quotes. */
export function formatCommand(cmd: string[] | null): string {
  if (!cmd) return "";
  return cmd.map((a) => (a === "" || a.includes(" ") ? `"${a}"` : a)).join(" ");
}

/** Guild's `from`: the guild file, the script's directory (with ~), or `package==version`. */
export function formatFrom(r: RunRecord, home?: string): string {
  const o = r.opref;
  if (!o) return "";
  if (o.type === "guildfile" || o.type === "script") return tildePath(o.pkg, home);
  if (o.type === "package") return `${o.pkg}==${o.version}`;
  return o.pkg;
}

/** Python's `%.6f` (round half to even on the exact binary value, as printf does). */
export function fixed6(x: number): string {
  return formatFixed(x, 6);
}

/**
 * `guild runs info` text, in Guild 0.9's order: the fields, then `tags:`, `flags:` and
 * `scalars:` sections. Empty values keep the space after the colon, as in Guild.
 */
export function runInfoLines(r: RunRecord, d: RunDetails, opts: { home?: string; allScalars?: boolean; text?: TextFilter } = {}): string[] {
  const lines = [
    `id: ${r.id}`,
    `operation: ${r.operation ?? ""}`,
    `from: ${formatFrom(r, opts.home)}`,
    `status: ${r.remote ? `${r.status} (${r.remote})` : r.status}`,
    `started: ${formatTimestamp(r.started)}`,
    `stopped: ${formatTimestamp(r.stopped)}`,
    `marked: ${r.marked ? "yes" : "no"}`,
    `label: ${r.label ?? ""}`,
    `sourcecode_digest: ${d.sourcecode_digest ?? ""}`,
    `vcs_commit: ${d.vcs_commit ?? ""}`,
    `run_dir: ${tildePath(r.dir, opts.home)}`,
    `command: ${formatCommand(d.cmd)}`,
    `exit_status: ${r.exit_status ?? ""}`,
    `pid: ${r.pid ?? ""}`,
    "tags:",
    ...r.tags.map((t) => `  - ${encodeFlagVal(t)}`),
    "flags:",
  ];
  lines.push(...flagLines(r.flags));
  if (d.protoFlags) lines.push("proto-flags:", ...flagLines(d.protoFlags));
  lines.push("scalars:");
  for (const s of d.scalars) {
    if (opts.allScalars) {
      // Guild's -s/--all-scalars: a dict of "VALUE (step N)" texts, printed as block YAML.
      const stats = Object.fromEntries(Object.entries(scalarStats(s)).map(([k, [v, step]]) => [k, `${fixed6(v)} (step ${step})`]));
      lines.push(
        `  ${scalarKey(s)}:`,
        ...encodeAttr(stats)
          .replace(/\n$/, "")
          .split("\n")
          .map((l) => `    ${l}`),
      );
      continue;
    }
    if (s.tag.startsWith("sys/")) continue;
    lines.push(`  ${scalarKey(s)}: ${fixed6(s.last)} (step ${s.lastStep})`);
  }
  if (d.comments) {
    // Guild's -c: each comment a dict, its keys in sorted order, the time formatted.
    lines.push("comments:");
    for (const c of d.comments) {
      lines.push("  -", `    body: ${c.body}`, `    host: ${c.host}`, `    time: ${formatTimestamp(c.time)}`, `    user: ${c.user}`);
    }
  }
  if (d.deps) lines.push("dependencies:", ...flagLines(d.deps));
  if (d.lineage) lines.push("lineage:", ...d.lineage);
  // Every line is run data but for its field name: on a terminal, each is shown escaped.
  return opts.text ? lines.map(opts.text) : lines;
}

/**
 * Guild's `--all-scalars` statistics, each a [value, step] pair, with Guild's pairing quirk:
 * `max` pairs with the step of the minimum, `avg` and `total` with the count.
 */
export function scalarStats(s: ScalarSummary): Record<"first" | "last" | "min" | "max" | "avg" | "total", [number, number]> {
  return {
    first: [s.first, s.firstStep],
    last: [s.last, s.lastStep],
    min: [s.min, s.minStep],
    max: [s.max, s.minStep],
    avg: [s.total / s.count, s.count],
    total: [s.total, s.count],
  };
}
