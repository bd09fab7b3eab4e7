import fs from "node:fs";
import path from "node:path";
import { removeTree } from "./lifecycle.js";
import { storeDir } from "./storedir.js";

/**
 * Runs arriving from another machine (`guild pull`; `guild push` does the same on the remote in
 * shell, libs/remote's `transfer.ts`, which mirrors these rules): a run is copied into
 * `runs/.guildts-transfer/<id>/` (seeded with hard links of the run already here, so only what
 * changed travels and files only here stay), then swapped into `runs/<id>`:
 *
 *   1. `runs/<id>` → `runs/.guildts-transfer/<id>.old` (if there is one), 2. the staged copy →
 *   `runs/<id>`, 3. the old copy removed.
 *
 * An interrupted transfer leaves the staged copy (out of view; the next transfer resumes from it).
 * A crash between 1 and 2 leaves the run in `<id>.old` only: `recoverIncoming` (run first by
 * every transfer of that run, and by `guild check --repair`) puts it back. At no time is a run in
 * view half copied, and never in two places of the listing.
 */
export const TRANSFER_DIR = ".guildts-transfer";

export function transferRoot(home: string): string {
  return path.join(home, "runs", TRANSFER_DIR);
}

/** Puts back a run a crash left aside (`<id>.old` while `runs/<id>` is missing), removes a finished swap's old copy and a half-made seed. */
export function recoverIncoming(home: string, id: string): void {
  const root = storeDir(home, "transfers");
  if (root === null) return;
  const old = path.join(root, `${id}.old`);
  const live = path.join(home, "runs", id);
  if (fs.existsSync(old)) {
    if (fs.lstatSync(live, { throwIfNoEntry: false })) removeTree(old);
    else fs.renameSync(old, live);
  }
  removeTree(path.join(root, `${id}.seed`));
}

/**
 * The staging directory for run `id` (made, and seeded with hard links of `runs/<id>` when that
 * exists and nothing is staged yet). A staged copy an interrupted transfer left is kept (resume).
 */
export function prepareIncoming(home: string, id: string): string {
  recoverIncoming(home, id);
  const root = storeDir(home, "transfers", { create: true })!;
  const staged = path.join(root, id);
  if (fs.existsSync(staged)) return staged;
  const live = path.join(home, "runs", id);
  const st = fs.lstatSync(live, { throwIfNoEntry: false });
  if (st?.isDirectory()) {
    const seed = path.join(root, `${id}.seed`);
    linkTree(live, seed);
    fs.renameSync(seed, staged);
  } else fs.mkdirSync(staged);
  return staged;
}

/** Copies a tree as hard links (files), new links (symlinks) and new directories (modes and times kept). */
function linkTree(src: string, dst: string): void {
  const st = fs.lstatSync(src);
  fs.mkdirSync(dst, { mode: st.mode & 0o7777 });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) linkTree(s, d);
    else if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(s), d);
    else fs.linkSync(s, d);
  }
  fs.utimesSync(dst, st.atime, st.mtime);
}

/** Swaps the staged copy of `id` into `runs/<id>` (steps 1-3 above). */
export function commitIncoming(home: string, id: string): void {
  const root = storeDir(home, "transfers")!;
  const staged = path.join(root, id);
  const live = path.join(home, "runs", id);
  const old = path.join(root, `${id}.old`);
  if (fs.lstatSync(live, { throwIfNoEntry: false })) fs.renameSync(live, old);
  fs.renameSync(staged, live);
  removeTree(old);
}

/** Entries of a run's directory left out of its fingerprint: markers of where it runs, Guild's installed packages. */
export function fingerprintExcluded(rel: string): boolean {
  return rel === ".guild/LOCK" || rel === ".guild/LOCK.remote" || rel === ".guild/job-packages" || rel.startsWith(".guild/job-packages/");
}

/**
 * What a run's directory holds, as one digest: every file and symlink's relative path, type, size
 * and mtime (whole seconds, which rsync -a keeps), sorted. Two copies with equal fingerprints
 * hold the same files as far as a transfer can tell. `lines` is the text form, `find -printf
 * '%P\t%y\t%s\t%T@'` with the seconds truncated (what the remote side computes).
 */
export function fingerprintLines(lines: string[]): string {
  const kept = lines.filter((l) => !fingerprintExcluded(l.split("\t")[0]!)).sort();
  const crypto = process.getBuiltinModule("node:crypto") as typeof import("node:crypto");
  return crypto.createHash("sha256").update(kept.join("\n")).digest("hex");
}

/** The fingerprint of a local run directory, or null when it does not exist. */
export function runFingerprint(dir: string): string | null {
  if (!fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return null;
  const lines: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!fingerprintExcluded(r)) walk(p, r);
        continue;
      }
      const st = fs.lstatSync(p);
      const type = st.isSymbolicLink() ? "l" : st.isFile() ? "f" : null;
      if (type) lines.push(`${r}\t${type}\t${st.size}\t${Math.floor(st.mtimeMs / 1000)}`);
    }
  };
  walk(dir, "");
  return fingerprintLines(lines);
}
