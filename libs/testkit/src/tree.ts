import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const sha1 = (data: string | Buffer) => crypto.createHash("sha1").update(data).digest("hex");

/**
 * Every entry under `dir`, one line each: path, mode, size and a sha1 of the content;
 * symlinks as their text, never followed. With `mtimes`, modification times too (to prove a
 * tree was not even touched). Compare two listings to see what changed.
 */
export function treeListing(dir: string, opts: { mtimes?: boolean } = {}): string {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    const rel = path.relative(dir, p) || ".";
    const mode = (st.mode & 0o7777).toString(8) + (opts.mtimes ? ` ${st.mtimeMs}` : "");
    if (st.isSymbolicLink()) out.push(`${rel} -> ${fs.readlinkSync(p)}`);
    else if (st.isDirectory()) {
      out.push(`${rel}/ ${mode}`);
      for (const n of fs.readdirSync(p).sort()) walk(path.join(p, n));
    } else out.push(`${rel} ${mode} ${st.size} ${sha1(fs.readFileSync(p))}`);
  };
  walk(dir);
  return out.join("\n");
}

/** A sha1 of `treeListing`: to keep many trees' states cheaply. */
export function treeDigest(dir: string, opts: { mtimes?: boolean } = {}): string {
  return sha1(treeListing(dir, opts));
}

/** How many entries a directory has (0 when it does not exist). */
export function countEntries(dir: string): number {
  try {
    return fs.readdirSync(dir).length;
  } catch {
    return 0;
  }
}
