import fs from "node:fs";
import path from "node:path";

/** The attrs a listing needs; everything else in `attrs/` is read only on demand. */
export const LISTED_ATTRS = ["initialized", "started", "stopped", "exit_status", "label", "tags", "marked", "flags", "batch"] as const;
export type ListedAttr = (typeof LISTED_ATTRS)[number];
const LISTED = new Set<string>(LISTED_ATTRS);

/**
 * The raw on-disk facts of one run directory that a listing needs: file texts and markers, not
 * yet decoded. Plain JSON, so the run index can store it as is.
 */
export interface RunFacts {
  /** Text of `.guild/opref` ("" when empty). */
  opref: string;
  /** Text of `.guild/proto/.guild/opref` for batch runs, else null. */
  proto: string | null;
  /** A batch run's trial links (`<run>/<T> -> ../<T>`): the linked ids, sorted. */
  trials?: string[];
  /** Raw texts of the listed attrs that exist. */
  attrs: Partial<Record<ListedAttr, string>>;
  pending: boolean;
  staged: boolean;
  /** Text of `.guild/LOCK` (a pid) or null. */
  lock: string | null;
  /** Text of `.guild/LOCK.remote` or null. */
  lockRemote: string | null;
  /** Problems met while reading (an unreadable attrs directory, say). */
  problems?: string[];
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/**
 * Run files are read without following a symlink in their last component (O_NOFOLLOW, no extra
 * system call): a file linked out of the store is an error (ELOOP), never read.
 */
const NO_FOLLOW = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;

/** A run file's text, never through a symlink (ELOOP if the file is one). */
export function readRunFile(file: string): string {
  const fd = fs.openSync(file, NO_FOLLOW);
  try {
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}

function readOptional(file: string, maxBytes?: number): string | null {
  try {
    if (maxBytes === undefined) return readRunFile(file);
    const fd = fs.openSync(file, NO_FOLLOW);
    try {
      const buf = Buffer.alloc(maxBytes);
      const n = fs.readSync(fd, buf, 0, maxBytes, 0);
      return buf.toString("utf8", 0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return null;
    throw e;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Whether a file is valid UTF-8 (checked only when its text shows U+FFFD, which is rare). */
function isValidUtf8(file: string): boolean {
  try {
    strictUtf8.decode(fs.readFileSync(file));
    return true;
  } catch {
    return false;
  }
}

/** The trial ids a batch run links to: entries that are symlinks named like run ids. */
function trialLinks(runDir: string): string[] {
  try {
    return fs
      .readdirSync(runDir, { withFileTypes: true })
      .filter((e) => e.isSymbolicLink() && /^[0-9a-f]{32}$/.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

export class NotARunError extends Error {
  override name = "NotARunError";
}

/**
 * Reads the facts of the run in `runDir`. Throws NotARunError when the directory is not a run
 * (no `.guild/opref`), and the underlying error when it cannot be read at all.
 */
export function readRunFacts(runDir: string): RunFacts {
  const guildDir = path.join(runDir, ".guild");
  let entries: string[];
  try {
    entries = fs.readdirSync(guildDir);
  } catch (e) {
    const code = errCode(e);
    if (code === "ENOENT" || code === "ENOTDIR") throw new NotARunError(`no .guild directory`);
    throw e;
  }
  if (!entries.includes("opref")) throw new NotARunError(`no .guild/opref`);
  const present = new Set(entries);
  const facts: RunFacts = {
    opref: readOptional(path.join(guildDir, "opref")) ?? "",
    proto: present.has("proto") ? readOptional(path.join(guildDir, "proto", ".guild", "opref")) : null,
    attrs: {},
    pending: present.has("PENDING"),
    staged: present.has("STAGED"),
    // Guild reads at most 10 characters of LOCK.
    lock: present.has("LOCK") ? readOptional(path.join(guildDir, "LOCK"), 10) : null,
    lockRemote: present.has("LOCK.remote") ? readOptional(path.join(guildDir, "LOCK.remote")) : null,
  };
  if (facts.proto !== null) facts.trials = trialLinks(runDir);
  if (present.has("attrs")) {
    const attrsDir = path.join(guildDir, "attrs");
    try {
      for (const name of fs.readdirSync(attrsDir)) {
        if (!LISTED.has(name)) continue;
        try {
          const text = readOptional(path.join(attrsDir, name));
          if (text?.includes("\uFFFD") && !isValidUtf8(path.join(attrsDir, name))) {
            // Node would read the bad bytes as U+FFFD without a word; PyYAML refuses the file.
            (facts.problems ??= []).push(`cannot parse attr '${name}': not valid UTF-8`);
          } else if (text !== null) facts.attrs[name as ListedAttr] = text;
        } catch (e) {
          (facts.problems ??= []).push(`cannot read attr '${name}': ${(e as Error).message}`);
        }
      }
    } catch (e) {
      (facts.problems ??= []).push(`cannot read attrs: ${(e as Error).message}`);
    }
  }
  return facts;
}
