import fs from "node:fs";
import path from "node:path";
import { readRunFile } from "./facts.js";
import { otherRunDir } from "./home.js";
import { decodeAttr } from "./yaml/decode.js";
import { writeFileAtomic } from "./atomic.js";
import { runLockPath, withLock } from "./lock.js";
import { encodeAttr } from "@guildts/py";
import { AttrDecodeError, type AttrValue } from "./yaml/value.js";

const ATTR_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function attrPath(runDir: string, name: string): string {
  if (!ATTR_NAME.test(name)) throw new Error(`invalid attribute name '${name}'`);
  return path.join(runDir, ".guild", "attrs", name);
}

/** Reads and decodes one attr; undefined when the file does not exist. */
export function readAttr(runDir: string, name: string): AttrValue | undefined {
  let text: string;
  try {
    // Invalid UTF-8 is refused (readRunFile): a read-modify-write would otherwise replace the
    // bytes for good.
    text = readRunFile(attrPath(runDir, name));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "EILSEQ") throw new AttrDecodeError(`attr '${name}' is not valid UTF-8`);
    if (code === "ELOOP") throw Object.assign(new Error(`attr '${name}' is a symbolic link (never followed out of a run)`), { code });
    if (code === "ENOTREG" || code === "EFBIG") throw Object.assign(new Error(`attr '${name}' is ${(e as Error).message}`), { code });
    throw e;
  }
  return decodeAttr(text);
}

/**
 * Writes an attr exactly as Guild does (`encode_yaml(value) + "\n"`), atomically: the temporary
 * file lives in `.guild/` (Guild lists `attrs/` and would see a stray entry there) and is renamed
 * into place, so a reader or a crash sees the old content or the new, never a part.
 */
export function writeAttr(runDir: string, name: string, value: AttrValue): void {
  const target = attrPath(runDir, name);
  refuseLinkedRun(runDir);
  const text = encodeAttr(value);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileAtomic(target, text, { tmpDir: path.join(runDir, ".guild"), fsync: true });
      return;
    } catch (e) {
      const err = gone(runDir, e);
      if (err instanceof RunGoneError) {
        dropMovedTemp(runDir, (e as { tmp?: string }).tmp);
        throw err;
      }
      // No attrs/ yet: made here, on demand (not a syscall on every write), and never
      // `recursive`, so a run moved away mid-command is never re-created at its old path.
      if (attempt > 0 || (e as NodeJS.ErrnoException).code !== "ENOENT" || fs.existsSync(path.dirname(target))) throw err;
      try {
        fs.mkdirSync(path.dirname(target));
      } catch (m) {
        if ((m as NodeJS.ErrnoException).code !== "EEXIST") throw gone(runDir, m);
      }
    }
  }
}

/**
 * The run moved (deleted, restored) between our temporary file and the rename: the file moved
 * with it. Remove it where the run most likely is now (the other of runs/ and trash/runs/);
 * if it moved again, `guild check --repair` finds it.
 */
function dropMovedTemp(runDir: string, tmp: string | undefined): void {
  if (tmp) fs.rmSync(path.join(otherRunDir(runDir), ".guild", path.basename(tmp)), { force: true });
}

/** The error to report: RunGoneError when an ENOENT means the run itself moved away. */
function gone(runDir: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code === "ENOENT" && !fs.existsSync(path.join(runDir, ".guild"))) return new RunGoneError(runDir);
  return e;
}

/** A write to a run whose directory is no longer there (moved or removed by another process). */
export class RunGoneError extends Error {
  readonly code = "ENOENT";
  constructor(readonly runDir: string) {
    super(`the run directory ${runDir} is gone (deleted or moved by another process)`);
  }
}

/** A write refused because the run directory, its `.guild/` or `attrs/` is a symbolic link. */
export class RunLinkError extends Error {
  readonly code = "ERUNLINK";
  constructor(readonly link: string) {
    let target = "";
    try {
      target = ` to ${JSON.stringify(fs.readlinkSync(link))}`;
    } catch {
      // gone meanwhile
    }
    super(`${link} is a symbolic link${target}: refused (guildts never writes to a run through a link)`);
  }
}

/**
 * The one check before any write to a run (attrs here, so label, tags, marks, comments and
 * restart all get it): the run directory, `.guild/` and `.guild/attrs/` are not symbolic links,
 * which could lead anywhere outside the home. Guild follows a linked run when listing it, and
 * so do our listings; only writes are refused. A missing directory is left to the write.
 */
export function refuseLinkedRun(runDir: string): void {
  for (const p of [runDir, path.join(runDir, ".guild"), path.join(runDir, ".guild", "attrs")]) {
    if (fs.lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink()) throw new RunLinkError(p);
  }
}

/** Deletes an attr (Guild's `del_attr`); a missing attr is not an error, a missing run is. */
export function deleteAttr(runDir: string, name: string): void {
  refuseLinkedRun(runDir);
  try {
    fs.unlinkSync(attrPath(runDir, name));
  } catch (e) {
    const err = gone(runDir, e);
    if (err instanceof RunGoneError || (e as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/**
 * Read-modify-write of one attr under the run's lock (locks/guildts-run-<id>), so concurrent
 * updates (two `label --append`s) never lose one: `update` gets the value on disk now and
 * returns the new one (undefined: delete the attr). Throws RunGoneError if the run moved away.
 */
export function updateAttr(
  home: string,
  id: string,
  runDir: string,
  name: string,
  update: (old: AttrValue | undefined) => AttrValue | undefined,
  opts: { readOld?: boolean } = {},
): AttrValue | undefined {
  refuseLinkedRun(runDir);
  return withLock(runLockPath(home, id), () => {
    if (!fs.existsSync(path.join(runDir, ".guild"))) throw new RunGoneError(runDir);
    // An update that ignores the old value (set, clear) need not read it.
    const next = update(opts.readOld === false ? undefined : readAttr(runDir, name));
    if (next === undefined) deleteAttr(runDir, name);
    else writeAttr(runDir, name, next);
    return next;
  });
}
