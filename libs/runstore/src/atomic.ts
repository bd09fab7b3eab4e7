import fs from "node:fs";
import path from "node:path";
import { assertRealDirs } from "./storedir.js";

let counter = 0;

/**
 * Writes a file atomically: a temporary file (in `tmpDir`, default the target's directory),
 * then one rename over the target, so readers and crashes see the old content or the new, never
 * a part. Throws on failure, leaving no temporary file behind.
 */
export function writeFileAtomic(target: string, content: string, opts: { tmpDir?: string; fsync?: boolean; mkdir?: boolean } = {}): void {
  const dir = opts.tmpDir ?? path.dirname(target);
  if (opts.mkdir) fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${++counter}.tmp`);
  try {
    const fd = fs.openSync(tmp, "wx", 0o644);
    try {
      fs.writeFileSync(fd, content);
      if (opts.fsync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    // Which temporary file it was, for a caller whose directory moved away meanwhile.
    if (e && typeof e === "object") (e as { tmp?: string }).tmp = tmp;
    throw e;
  }
}

/**
 * writeFileAtomic for caches (`GUILD_HOME/cache/guildts/NAME`): a failure (a read-only home, say)
 * is ignored, and nothing is written when `cache/` or `cache/guildts/` is a symbolic link or not
 * a directory (storedir.ts; `guild check` reports it).
 */
export function writeCacheFile(target: string, content: string): void {
  try {
    assertRealDirs(path.dirname(target), { levels: 2, create: true });
    writeFileAtomic(target, content);
  } catch {
    // The cache is an optimisation: without it, the next listing reads the runs.
  }
}

/** A cache file's text, or null when it is missing, unreadable, or its directory is refused. */
export function readCacheFile(target: string): string | null {
  try {
    assertRealDirs(path.dirname(target), { levels: 2 });
    const fd = fs.openSync(target, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) return null;
      return fs.readFileSync(fd, "utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}
