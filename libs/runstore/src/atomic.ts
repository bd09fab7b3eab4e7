import fs from "node:fs";
import path from "node:path";

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

/** writeFileAtomic for caches: a failure (a read-only home, say) is ignored. */
export function writeCacheFile(target: string, content: string): void {
  try {
    writeFileAtomic(target, content, { mkdir: true });
  } catch {
    // The cache is an optimisation: without it, the next listing reads the runs.
  }
}
