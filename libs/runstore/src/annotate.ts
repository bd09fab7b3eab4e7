import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeAttr, shlexSplit } from "@guildts/py";
import { deleteAttr, readAttr, refuseLinkedRun, RunGoneError, writeAttr } from "./attrs.js";
import { cutMessage } from "./lifecycle.js";
import { isSafeRunName } from "./list.js";
import { runLockPath, withLock } from "./lock.js";
import { scalarText } from "./record.js";
import { GuildFloat, type AttrValue } from "./yaml/value.js";

/**
 * Annotations as Guild 0.9 stores them (spec guild-batch-deps-inspect-remote §4.4–4.6):
 * `label` (text), `tags` (a sorted list of unique strings, written even when empty), `marked`
 * (`true`, absent when unmarked) and `comments` (a list of `{body, host, time, user}`, time in
 * µs). One change per run, applied under the run's lock: the one implementation behind
 * guild-update-attrs and `guild runs label|tag|mark|comment`.
 */
export interface AttrChange {
  /** New label; null removes it. */
  label?: string | null;
  /** In-process only: the new label from the one on disk now (null: none), under the lock. */
  editLabel?: (old: string | null) => string | null;
  tags?: {
    /** Replace the tags with these (before remove/add). */
    set?: string[];
    add?: string[];
    remove?: string[];
    /** Remove every tag first (Guild's `tag -c`). */
    clear?: boolean;
  };
  /** Guild's `--sync-labels`: removed tags' words leave the label, added ones are prepended. */
  syncLabels?: boolean;
  /** true marks, false unmarks. */
  marked?: boolean;
  /** A comment to append. */
  comment?: NewComment;
  /** Delete the N-th (1-based) comment; out of range deletes nothing (Guild). */
  deleteComment?: number;
  /** Remove the comments attr. */
  clearComments?: boolean;
}

export interface NewComment {
  body: string;
  /** Default: the current user. */
  user?: string;
  /** Default: this host's name. */
  host?: string;
  /** µs since the epoch; default now. */
  time?: number;
}

export type AttrOutcomeKind = "updated" | "unchanged" | "not-found" | "refused" | "failed";

/** What one run's change did: `guild-update-attrs --json` prints it as is. */
export interface AttrOutcome {
  id: string;
  outcome: AttrOutcomeKind;
  /** The attrs written or removed, in the order label, tags, marked, comments. */
  changed: string[];
  /** Why, for not-found, refused and failed; null otherwise. */
  reason: string | null;
}

/** Guild's `util.user()` (Python's getpass.getuser): LOGNAME, USER, LNAME, USERNAME, then the account. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  for (const v of ["LOGNAME", "USER", "LNAME", "USERNAME"]) if (env[v]) return env[v]!;
  try {
    return os.userInfo().username;
  } catch {
    return "";
  }
}

/** Guild's `-u USER[@HOST]`: user and host; without `@HOST`, this host. */
export function commentAuthor(spec: string | undefined): { user: string; host: string } {
  if (!spec) return { user: currentUser(), host: os.hostname() };
  const at = spec.indexOf("@");
  return at < 0 ? { user: spec, host: os.hostname() } : { user: spec.slice(0, at), host: spec.slice(at + 1) };
}

/** Guild's `_remove_label_part`: the label without the whole space-delimited occurrences of PART. */
export function removeLabelPart(label: string, part: string): string {
  const esc = part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return label
    .split(new RegExp(`(?:^|\\s)${esc}(?=$|\\s)`))
    .map((p) => p.trim())
    .filter(Boolean)
    .join(" ");
}

function labelWords(label: string): string[] {
  try {
    return shlexSplit(label);
  } catch {
    return label.split(/\s+/).filter(Boolean);
  }
}

/** Guild's `_synced_label_for_tags`. */
export function syncedLabel(oldLabel: string, removed: readonly string[], added: readonly string[]): string {
  let label = oldLabel;
  for (const t of removed) label = removeLabelPart(label, t);
  const words = labelWords(oldLabel);
  const prepend = added.filter((t) => !words.includes(t));
  // Guild writes `"<tags> <label>"` even for an empty label (a trailing space): not copied.
  return [prepend.join(" "), label].filter(Boolean).join(" ");
}

/** Tags as Guild reads them (`list(run.get("tags"))`): a list's string items, else none. */
function tagsOf(v: AttrValue | undefined): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((t) => (typeof t === "string" ? t : String(t)));
}

function labelOf(v: AttrValue | undefined): string {
  if (v === undefined || v === null) return "";
  // A label that is not text (a list or a mapping, written by hand) would be rewritten as JSON
  // text: refused, as an undecodable one is (readAttr), left as it is.
  if (typeof v === "object" && !(v instanceof GuildFloat))
    throw new Error(`the label is not text (${Array.isArray(v) ? "a list" : "a mapping"}); not changed (use --set or --clear)`);
  return scalarText(v);
}

function sortedUnique(tags: Iterable<string>): string[] {
  return [...new Set(tags)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether a change changes nothing at all (no key given). */
export function isEmptyChange(c: AttrChange): boolean {
  return (
    c.label === undefined &&
    c.editLabel === undefined &&
    c.tags === undefined &&
    c.marked === undefined &&
    c.comment === undefined &&
    c.deleteComment === undefined &&
    !c.clearComments
  );
}

type Plan = Map<string, AttrValue | undefined>;

/** The new values of the attrs a change touches (undefined: remove), from the values on disk now. */
function plan(runDir: string, c: AttrChange, now: () => number): Plan {
  const out: Plan = new Map();
  // The label is read only when the change depends on it (a set or clear overwrites any).
  const needsLabel = c.editLabel !== undefined || (c.syncLabels && c.tags && c.label === undefined);
  const oldLabelAttr = needsLabel ? readAttr(runDir, "label") : undefined;
  let label: string | null | undefined = c.label;
  if (c.editLabel) label = c.editLabel(oldLabelAttr === undefined || oldLabelAttr === null ? null : labelOf(oldLabelAttr));
  if (c.tags) {
    const old = tagsOf(readAttr(runDir, "tags"));
    const base = c.tags.set ?? old;
    const removed = c.tags.clear ? base : (c.tags.remove ?? []);
    const tags = new Set(base.filter((t) => !removed.includes(t)));
    for (const t of c.tags.add ?? []) tags.add(t);
    const next = sortedUnique(tags);
    // A list given whole that matches what the run has (no tags attr reads as []) changes
    // nothing: guild-ls-runs records pass through without writes. (Guild's `tag -d` on an
    // untagged run does write `[]`, and so do add/remove/clear here.)
    const sameAsOld =
      c.tags.set &&
      !c.tags.add?.length &&
      !c.tags.remove?.length &&
      !c.tags.clear &&
      next.join("\0") === sortedUnique(old).join("\0") &&
      next.length === old.length;
    if (!sameAsOld) out.set("tags", next);
    if (c.syncLabels) {
      const from = label !== undefined ? (label ?? "") : labelOf(oldLabelAttr);
      // Guild: the words of the deleted tags (all old ones with -c) leave the label.
      const gone = c.tags.clear ? old : [...removed, ...(c.tags.set ? old.filter((t) => !tags.has(t)) : [])];
      label = syncedLabel(from, [...new Set(gone)], c.tags.add ?? []);
    }
  }
  if (label !== undefined) out.set("label", label === null ? undefined : label);
  if (c.marked !== undefined) out.set("marked", c.marked ? true : undefined);
  if (c.clearComments) out.set("comments", undefined);
  else if (c.comment !== undefined || c.deleteComment !== undefined) {
    const v = readAttr(runDir, "comments");
    const comments: AttrValue[] = Array.isArray(v) ? [...v] : [];
    if (c.deleteComment !== undefined && c.deleteComment >= 1 && c.deleteComment <= comments.length)
      comments.splice(c.deleteComment - 1, 1);
    if (c.comment !== undefined) {
      const who = c.comment.user === undefined ? commentAuthor(undefined) : { user: c.comment.user, host: c.comment.host ?? os.hostname() };
      comments.push({ body: c.comment.body, host: c.comment.host ?? who.host, time: c.comment.time ?? now(), user: who.user });
    }
    out.set("comments", comments);
  }
  return out;
}

const ORDER = ["label", "tags", "marked", "comments"];

/** Whether attr `name` already holds `v` (an attr that cannot be read does not). */
function holds(runDir: string, name: string, v: AttrValue | undefined): boolean {
  let a: AttrValue | undefined;
  try {
    a = readAttr(runDir, name);
  } catch {
    return false;
  }
  if (a === undefined || v === undefined) return a === v;
  return encodeAttr(a) === encodeAttr(v);
}

/** Microseconds since the epoch (Guild's comment timestamps). */
export function nowMicros(): number {
  return Date.now() * 1000;
}

/**
 * Applies one change to the live run `id` under its lock: the values are computed from what is
 * on disk at that moment; every new value is worked out before any is written (a run whose
 * label cannot be read is refused whole), and attrs already holding their new value are not
 * rewritten (outcome `unchanged`). Each attr is written atomically, as Guild encodes it.
 */
export function updateRunAttrs(home: string, id: string, c: AttrChange, opts: { now?: () => number; deleted?: boolean } = {}): AttrOutcome {
  const result = (outcome: AttrOutcomeKind, changed: string[] = [], reason: string | null = null): AttrOutcome => ({
    id,
    outcome,
    changed,
    reason,
  });
  if (!isSafeRunName(id) || id.startsWith(".")) return result("failed", [], "invalid run id (a run id is a directory name, never a path)");
  const runDir = path.join(home, opts.deleted ? path.join("trash", "runs") : "runs", id);
  if (!fs.existsSync(path.join(runDir, ".guild"))) return result("not-found", [], "no run of that id (deleted, moved or never there)");
  try {
    refuseLinkedRun(runDir);
    return withLock(runLockPath(home, id), () => {
      if (!fs.existsSync(path.join(runDir, ".guild"))) throw new RunGoneError(runDir);
      const next = plan(runDir, c, opts.now ?? nowMicros);
      const changed: string[] = [];
      for (const name of ORDER) {
        if (!next.has(name)) continue;
        const v = next.get(name);
        if (holds(runDir, name, v)) continue;
        if (v === undefined) deleteAttr(runDir, name);
        else writeAttr(runDir, name, v);
        changed.push(name);
      }
      return result(changed.length ? "updated" : "unchanged", changed);
    });
  } catch (e) {
    if (e instanceof RunGoneError) return result("not-found", [], e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERUNLINK" || code === "ELOOP") return result("refused", [], cutMessage((e as Error).message));
    return result("failed", [], cutMessage((e as Error).message));
  }
}
