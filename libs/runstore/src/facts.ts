import { isUtf8 } from "node:buffer";
import fs from "node:fs";

/** The attrs a listing needs; everything else in `attrs/` is read only on demand. */
export const LISTED_ATTRS = [
  "initialized",
  "started",
  "stopped",
  "exit_status",
  "label",
  "tags",
  "marked",
  "flags",
  "batch",
  "deps",
] as const;
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
 * system call): a file linked out of the store is an error (ELOOP), never read. O_NONBLOCK makes
 * the open of a FIFO return at once instead of waiting for a writer; the fstat that a read needs
 * anyway for the size then refuses anything but a regular file (ENOTREG). Reads are bounded.
 */
const NO_FOLLOW = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** The most of a run file (an attr, opref, LOCK) read: larger ones are refused (EFBIG). */
export const RUN_FILE_LIMIT = 64 * 1024 * 1024;

/** A run file that is not a regular file, or too large to read. */
export class RunFileError extends Error {
  constructor(
    readonly code: "ENOTREG" | "EFBIG" | "EILSEQ",
    message: string,
  ) {
    super(message);
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  return "not a regular file";
}

/**
 * Opens a run file for reading: never through a link (ELOOP), never waiting on a FIFO, only a
 * regular file (RunFileError ENOTREG otherwise). Returns the descriptor and its size.
 */
export function openRunFile(file: string): { fd: number; size: number } {
  const fd = fs.openSync(file, NO_FOLLOW);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: "EISDIR" });
      throw new RunFileError("ENOTREG", `${kindOf(st)}, not a regular file (not read)`);
    }
    return { fd, size: st.size };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/**
 * A run file's bytes, never through a symlink and only a regular file (see openRunFile); at
 * most `max` bytes: a larger file is refused (RunFileError EFBIG) unless `truncate`, which reads
 * its first `max` bytes.
 */
export function readRunBytes(file: string, opts: { max?: number; truncate?: boolean } = {}): Buffer {
  const max = opts.max ?? RUN_FILE_LIMIT;
  const { fd, size } = openRunFile(file);
  try {
    if (size > max && !opts.truncate)
      throw new RunFileError("EFBIG", `${size} bytes, larger than the ${max} bytes guildts reads (not read)`);
    const buf = Buffer.alloc(Math.min(size, max));
    let n = 0;
    while (n < buf.length) {
      const r = fs.readSync(fd, buf, n, buf.length - n, n);
      if (r === 0) break;
      n += r;
    }
    return n === buf.length ? buf : buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A run file's text, as readRunBytes reads it, which must be UTF-8: Node would read bad bytes
 * as U+FFFD without a word, where PyYAML (and so Guild) refuses the file, so every reader (the
 * listing, `readAttr`, the checker) refuses it too (RunFileError EILSEQ). The strict check runs
 * only when the text shows U+FFFD, which is rare.
 */
export function readRunFile(file: string): string {
  const bytes = readRunBytes(file);
  const text = bytes.toString("utf8");
  if (text.includes("\uFFFD") && !isUtf8(bytes)) throw new RunFileError("EILSEQ", "not valid UTF-8");
  return text;
}

/** The opref, LOCK and LOCK.remote are decoded leniently: a bad byte only makes them unparsable. */

function readOptional(file: string, maxBytes?: number, read: (file: string) => string = readLenient): string | null {
  try {
    return maxBytes === undefined ? read(file) : readRunBytes(file, { max: maxBytes, truncate: true }).toString("utf8");
  } catch (e) {
    if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return null;
    throw e;
  }
}

function readLenient(file: string): string {
  return readRunBytes(file).toString("utf8");
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
export function readRunFacts(runDir: string, hooks?: { beforeTags?: () => void }): RunFacts {
  // Plain concatenation: path.join per file was a measurable part of a cold listing.
  const guildDir = runDir + "/.guild";
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
    opref: readOptional(guildDir + "/opref") ?? "",
    proto: present.has("proto") ? readOptional(guildDir + "/proto/.guild/opref") : null,
    attrs: {},
    pending: present.has("PENDING"),
    staged: present.has("STAGED"),
    // Guild reads at most 10 characters of LOCK.
    lock: present.has("LOCK") ? readOptional(guildDir + "/LOCK", 10) : null,
    lockRemote: present.has("LOCK.remote") ? readOptional(guildDir + "/LOCK.remote") : null,
  };
  if (facts.proto !== null) facts.trials = trialLinks(runDir);
  if (present.has("attrs")) {
    const attrsDir = guildDir + "/attrs";
    try {
      for (const name of fs.readdirSync(attrsDir)) {
        if (!LISTED.has(name)) continue;
        // The run index stamps the tags file (rewritten in place by Guild) before it is read.
        if (name === "tags") hooks?.beforeTags?.();
        try {
          const text = readOptional(attrsDir + "/" + name, undefined, readRunFile);
          if (text !== null) facts.attrs[name as ListedAttr] = text;
        } catch (e) {
          if (e instanceof RunFileError && e.code === "EILSEQ")
            (facts.problems ??= []).push(`cannot parse attr '${name}': not valid UTF-8`);
          else (facts.problems ??= []).push(`cannot read attr '${name}': ${(e as Error).message}`);
        }
      }
    } catch (e) {
      (facts.problems ??= []).push(`cannot read attrs: ${(e as Error).message}`);
    }
  }
  return facts;
}
