import { CliError, EXIT, LineWriter, oneLine, plainField, toJson } from "@guildts/format";
import { updateRunAttrs, type AttrChange, type AttrOutcome } from "@guildts/runstore";
import { addHomeOption, plumbingMain, readStdinLines, type CommandDef } from "./cli.js";
import { homeOption } from "./run-options.js";
import { PLUMBING_SUMMARIES } from "./summaries.js";
import { notFullId } from "./lifecycle-cmds.js";

/** A change for one run, as read from a guild-update-attrs record. */
export interface AttrRecord {
  id: string;
  change: AttrChange;
  /** The run is in the trash (the porcelain's --deleted); records from stdin change live runs. */
  deleted?: boolean;
}

/** Fields of `guild-ls-runs --json` records that are not changes: ignored, so its records pass through. */
const RECORD_FIELDS = new Set([
  "dir",
  "deleted",
  "opref",
  "operation",
  "status",
  "remote",
  "pid",
  "initialized",
  "started",
  "stopped",
  "exit_status",
  "flags",
  "batch",
  "batch_proto",
  "deps",
  "scalars",
]);

const CHANGE_FIELDS = ["label", "tags", "sync_labels", "marked", "comment", "delete_comment", "clear_comments"];

class RecordError extends Error {}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((t) => typeof t !== "string")) throw new RecordError(`${what} must be a list of strings`);
  if (v.some((t) => t === "")) throw new RecordError(`${what}: a tag is never empty`);
  return v as string[];
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== "boolean") throw new RecordError(`"${what}" must be true or false`);
  return v;
}

/**
 * Reads one record: `{"id": …, "label": "…"|null, "tags": [...] | {"add": [...], "remove": [...],
 * "clear": true}, "sync_labels": true, "marked": true|false, "comment": "…"|{"body", "user",
 * "host"}, "delete_comment": N, "clear_comments": true}`. Throws RecordError naming the bad field.
 */
export function parseAttrRecord(v: unknown): AttrRecord {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new RecordError('a record is a JSON object with an "id"');
  const o = v as Record<string, unknown>;
  if (typeof o.id !== "string" || o.id === "") throw new RecordError('the record has no "id"');
  const change: AttrChange = {};
  for (const key of Object.keys(o)) {
    if (key === "id" || RECORD_FIELDS.has(key) || CHANGE_FIELDS.includes(key)) continue;
    throw new RecordError(`unknown field "${key}" (changes: ${CHANGE_FIELDS.join(", ")})`);
  }
  if ("label" in o) {
    if (o.label !== null && typeof o.label !== "string") throw new RecordError('"label" must be text or null');
    change.label = o.label as string | null;
  }
  if ("tags" in o) {
    const t = o.tags;
    if (Array.isArray(t)) change.tags = { set: strings(t, '"tags"') };
    else if (t !== null && typeof t === "object") {
      const m = t as Record<string, unknown>;
      for (const k of Object.keys(m))
        if (!["add", "remove", "clear"].includes(k)) throw new RecordError(`unknown field "tags.${k}" (add, remove, clear)`);
      change.tags = {
        ...(m.add !== undefined ? { add: strings(m.add, '"tags.add"') } : {}),
        ...(m.remove !== undefined ? { remove: strings(m.remove, '"tags.remove"') } : {}),
        ...(m.clear !== undefined ? { clear: bool(m.clear, "tags.clear") } : {}),
      };
    } else throw new RecordError('"tags" must be a list (the new tags) or {"add": [...], "remove": [...]}');
  }
  if ("sync_labels" in o) change.syncLabels = bool(o.sync_labels, "sync_labels");
  if ("marked" in o) change.marked = bool(o.marked, "marked");
  if ("comment" in o) {
    const c = o.comment;
    let body: unknown = c;
    let user: unknown;
    let host: unknown;
    if (c !== null && typeof c === "object" && !Array.isArray(c)) ({ body, user, host } = c as Record<string, unknown>);
    if (typeof body !== "string") throw new RecordError('"comment" must be text or {"body": …, "user": …, "host": …}');
    if (user !== undefined && typeof user !== "string") throw new RecordError('"comment.user" must be text');
    if (host !== undefined && typeof host !== "string") throw new RecordError('"comment.host" must be text');
    // Guild strips the body and refuses an empty one.
    if (!body.trim()) throw new RecordError('"comment" is empty');
    change.comment = { body: body.trim(), ...(user !== undefined ? { user } : {}), ...(host !== undefined ? { host } : {}) };
  }
  if ("delete_comment" in o) {
    if (!Number.isInteger(o.delete_comment) || (o.delete_comment as number) < 1)
      throw new RecordError('"delete_comment" must be a comment index, 1 or more');
    change.deleteComment = o.delete_comment as number;
  }
  if ("clear_comments" in o) change.clearComments = bool(o.clear_comments, "clear_comments");
  return { id: o.id, change };
}

/** The records of stdin, one JSON object per line (blank lines skipped); a usage error names the bad line. */
export function readAttrRecords(lines: readonly string[]): AttrRecord[] {
  const out: AttrRecord[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new CliError(`stdin line ${i + 1}: not a JSON record (${(e as Error).message})`, EXIT.USAGE);
    }
    try {
      out.push(parseAttrRecord(v));
    } catch (e) {
      if (e instanceof RecordError) throw new CliError(`stdin line ${i + 1}: ${e.message}; nothing was changed`, EXIT.USAGE);
      throw e;
    }
  });
  return out;
}

/**
 * Applies changes to runs, in order, reporting each outcome: the one implementation behind
 * guild-update-attrs and the porcelain's `guild runs label|tag|mark|comment`.
 */
export function applyAttrChanges(home: string, records: readonly AttrRecord[], onResult: (r: AttrOutcome) => void): AttrOutcome[] {
  const now = Date.now() * 1000;
  return records.map((rec) => {
    const r = updateRunAttrs(home, rec.id, rec.change, { now: () => now, deleted: rec.deleted === true });
    if (r.outcome === "not-found" && !/^[0-9a-f]{32}$/.test(rec.id)) r.reason = `${r.reason}: ${notFullId(rec.id)}`;
    onResult(r);
    return r;
  });
}

/** Outcomes that mean the run holds what was asked. */
export const ATTR_OK = new Set(["updated", "unchanged"]);

export const UPDATE_ATTRS: CommandDef = {
  summary: PLUMBING_SUMMARIES["guild-update-attrs"],
  usage:
    "--stdin [options]\n\nRead one JSON record per line from stdin and apply each to its run under the run's lock:\n" +
    '  {"id": ID, "label": TEXT|null, "tags": [TAG...] | {"add": [...], "remove": [...], "clear": true},\n' +
    '   "sync_labels": true, "marked": true|false, "comment": TEXT | {"body", "user", "host"},\n' +
    '   "delete_comment": N, "clear_comments": true}\n' +
    "Every field but id is optional; the other fields of guild-ls-runs --json records are ignored, so\n" +
    "its records (changed with jq) pass through. A bad record is a usage error naming its line, and\n" +
    "then no run is changed. Attrs are written as Guild 0.9 writes them (tags a sorted list, marked\n" +
    "true, comments {body, host, time, user}). Never prompts.\n" +
    "Prints one line per record: OUTCOME<TAB>ID[<TAB>CHANGED ATTRS or REASON] (updated, unchanged,\n" +
    "not-found, refused, failed), or a JSON object {id, outcome, changed, reason} with --json.\n" +
    "Exit 0 when every run was updated (or already held the values), 1 when any was not found,\n" +
    "refused or failed, 2 for a usage error or bad record, 5 for a fault.",
  examples: [
    `guild-ls-runs -o train --json | jq -c '{id, tags: {add: ["baseline"]}}' | guild-update-attrs --stdin`,
    `guild-ls-runs -E --json | jq -c '{id, marked: false, comment: "failed: see logs"}' | guild-update-attrs --stdin --json`,
    `echo '{"id": "'$(guild-rev-parse-run 1)'", "label": "best"}' | guild-update-attrs --stdin`,
  ],
  options: (cli) =>
    addHomeOption(cli)
      .option("--stdin", "Read the JSON records from stdin (required)")
      .option("--json", "One JSON object per run: {id, outcome, changed, reason}"),
  run({ args, opts }) {
    if (args.length) throw new CliError(`unexpected argument '${args[0]}': records are read from stdin (--stdin)`, EXIT.USAGE);
    if (!opts.stdin) throw new CliError("no records: give --stdin and one JSON record per line", EXIT.USAGE);
    const home = homeOption(opts);
    const records = readAttrRecords(readStdinLines());
    const out = new LineWriter();
    let failed = 0;
    applyAttrChanges(home.path, records, (r) => {
      if (!ATTR_OK.has(r.outcome)) failed++;
      const detail = r.reason ? [oneLine(r.reason)] : r.changed.length ? [r.changed.join(",")] : [];
      out.line(opts.json ? toJson(r) : [r.outcome, plainField(r.id), ...detail].join("\t"));
    });
    out.flush();
    return failed ? EXIT.NO_MATCH : EXIT.OK;
  },
};

/** main() of guild-update-attrs. */
export function updateAttrsMain(argv: string[]): void {
  plumbingMain("guild-update-attrs", UPDATE_ATTRS, argv);
}
