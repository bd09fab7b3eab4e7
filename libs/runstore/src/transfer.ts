import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type yauzl from "yauzl";
import type yazlTypes from "yazl";
import { newRunsDir, newRunName, sweepAbandonedCreations } from "./creation.js";
import { requireLazy } from "./lazy-require.js";
import { removeTree } from "./lifecycle.js";
import { isSafeRunName } from "./list.js";
import { pidExists } from "./status.js";

/**
 * Export and import of runs (`guild runs export|import`), to and from a directory of run
 * directories or a `.zip` (yazl/yauzl: streaming, so a run of any size never sits in memory).
 *
 * Whole-or-nothing: a run is built in a hidden place on the target (`LOCATION/.guildts-partial-*`
 * for a directory, `runs/.guildts-new/` in a home, a hidden temp zip beside LOCATION) and renamed
 * into view in one step, so an interrupted export or import leaves no half run in view.
 *
 * Links: without `copyResources`, a symbolic link inside a run is copied as a link only when it
 * stays inside the run (resolved component by component, as the kernel would); one that leaves
 * the run is skipped with a warning. With `copyResources`, links are followed and what they point
 * to is copied (Guild's meaning: dependency links resolved and copied).
 */
export class TransferError extends Error {
  override name = "TransferError";
}

export interface TransferEvents {
  /** Progress (`Copying <id>`), for stderr. */
  info(message: string): void;
  /** A skipped entry or run (`<id> exists, skipping`), for stderr. */
  warn(message: string): void;
}

export function isZipPath(p: string): boolean {
  return p.toLowerCase().endsWith(".zip");
}

const MAX_LINK_DEPTH = 40;
const MAX_LINK_TEXT = 4096;

type Lookup = (parts: readonly string[]) => { link: string } | "other";

/**
 * Whether a link at `linkParts` (path components inside the run) with text `target` resolves
 * inside the run: followed component by component, through the links `lookup` reports, as the
 * kernel would; `..` above the run's root or an absolute target is outside.
 */
export function linkStaysInside(linkParts: readonly string[], target: string, lookup: Lookup): boolean {
  let depth = 0;
  const resolve = (base: string[], text: string): string[] | null => {
    if (text.startsWith("/") || text === "" || ++depth > MAX_LINK_DEPTH) return null;
    const stack = [...base];
    for (const comp of text.split("/")) {
      if (comp === "" || comp === ".") continue;
      if (comp === "..") {
        if (stack.length === 0) return null;
        stack.pop();
        continue;
      }
      stack.push(comp);
      const found = lookup(stack);
      if (found !== "other") {
        stack.pop();
        const next = resolve(stack, found.link);
        if (next === null) return null;
        stack.length = 0;
        stack.push(...next);
      }
    }
    return stack;
  };
  return resolve(linkParts.slice(0, -1), target) !== null;
}

/** `lookup` over a directory on disk (lstat, never following). */
function diskLookup(root: string): Lookup {
  return (parts) => {
    const p = path.join(root, ...parts);
    try {
      if (fs.lstatSync(p).isSymbolicLink()) return { link: fs.readlinkSync(p) };
    } catch {
      // missing: a plain component
    }
    return "other";
  };
}

export interface CopyEntry {
  /** Path inside the run, `/`-separated; "" for the run directory itself. */
  rel: string;
  kind: "dir" | "file" | "link";
  /** The file to read (a file's path; with copyResources possibly reached through links). */
  src: string;
  /** A link's text. */
  target?: string;
  mode: number;
  mtime: Date;
}

/**
 * The entries of the run directory `root`, parents before children, as they are to be copied
 * (see the module comment for links). Other kinds (sockets, fifos) are skipped with a warning.
 */
export function* walkRunCopy(
  root: string,
  opts: { copyResources?: boolean; warn: (m: string) => void; label: string },
): Generator<CopyEntry> {
  const top = fs.statSync(root);
  yield { rel: "", kind: "dir", src: root, mode: top.mode & 0o7777, mtime: top.mtime };
  const lookup = diskLookup(root);
  const stack: { dir: string; rel: string; chain: Set<string> }[] = [{ dir: root, rel: "", chain: new Set([fs.realpathSync(root)]) }];
  while (stack.length) {
    const { dir, rel, chain } = stack.pop()!;
    const names = fs.readdirSync(dir).sort();
    const subdirs: typeof stack = [];
    for (const name of names) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      let st = fs.lstatSync(p);
      if (st.isSymbolicLink()) {
        const target = fs.readlinkSync(p);
        if (!opts.copyResources) {
          if (linkStaysInside(r.split("/"), target, lookup)) {
            yield { rel: r, kind: "link", src: p, target, mode: 0o777, mtime: st.mtime };
          } else {
            opts.warn(`${opts.label}: skipping ${r}: link to '${target}' leaves the run (use --copy-resources to copy what it points to)`);
          }
          continue;
        }
        const followed = fs.statSync(p, { throwIfNoEntry: false });
        if (!followed) {
          opts.warn(`${opts.label}: skipping ${r}: link to '${target}' leads nowhere`);
          continue;
        }
        st = followed;
      }
      if (st.isDirectory()) {
        const real = fs.realpathSync(p);
        if (chain.has(real)) {
          opts.warn(`${opts.label}: skipping ${r}: a link loop`);
          continue;
        }
        yield { rel: r, kind: "dir", src: p, mode: st.mode & 0o7777, mtime: st.mtime };
        subdirs.push({ dir: p, rel: r, chain: new Set([...chain, real]) });
      } else if (st.isFile()) {
        yield { rel: r, kind: "file", src: p, mode: st.mode & 0o7777, mtime: st.mtime };
      } else {
        opts.warn(`${opts.label}: skipping ${r}: not a file, directory or link`);
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

/** Copies the run directory `src` to `dst` (which must not exist), entries as walkRunCopy gives them. */
export function copyRunTree(src: string, dst: string, opts: { copyResources?: boolean; warn: (m: string) => void; label: string }): void {
  const dirs: [string, number][] = [];
  for (const e of walkRunCopy(src, opts)) {
    const d = e.rel ? path.join(dst, ...e.rel.split("/")) : dst;
    if (e.kind === "dir") {
      fs.mkdirSync(d, { mode: 0o700 });
      dirs.push([d, e.mode]);
    } else if (e.kind === "file") {
      fs.copyFileSync(e.src, d, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(d, e.mode);
    } else fs.symlinkSync(e.target!, d);
  }
  for (const [d, mode] of dirs) fs.chmodSync(d, mode);
}

/** The tail of a temporary name: `<random>.<pid>.<host>`, so a dead builder's leftovers can be told. */
function tempName(): string {
  return `${crypto.randomBytes(4).toString("hex")}.${process.pid}.${os.hostname()}`;
}

const PARTIAL = /\.guildts-(?:partial|removing)-.*\.[0-9a-f]{8}\.(\d+)\.(.+)$/;

/**
 * Removes what an export (or a --move import) killed before left in `dir`: hidden
 * `.guildts-partial-*` / `.guildts-removing-*` entries whose process is gone on this host.
 * Returns their names.
 */
export function sweepPartials(dir: string, isAlive: (pid: number) => boolean = pidExists): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = PARTIAL.exec(n);
    if (!m || m[2] !== os.hostname() || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    try {
      removeTree(path.join(dir, n));
      removed.push(n);
    } catch {
      // left as it is: hidden, and tried again next time
    }
  }
  return removed;
}

export interface ExportOptions {
  move?: boolean;
  copyResources?: boolean;
  events: TransferEvents;
  /** Moves a source run out of view once its copy is whole (a trash move: markDeleted). */
  removeSource?: (id: string, dir: string) => void;
}

export interface ExportRun {
  id: string;
  dir: string;
}

/** Exports runs to a directory or, for a LOCATION ending `.zip`, a zip. Returns the runs exported. */
export async function exportRuns(runs: readonly ExportRun[], location: string, opts: ExportOptions): Promise<ExportRun[]> {
  return isZipPath(location) ? exportToZip(runs, location, opts) : exportToDir(runs, location, opts);
}

function initExportDir(dir: string): void {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new TransferError(`'${dir}' is not a directory`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.closeSync(fs.openSync(path.join(dir, ".guild-nocopy"), "a"));
    sweepPartials(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR" || code === "EEXIST") throw new TransferError(`'${dir}' is not a directory`);
    throw new TransferError(`error initializing export directory '${dir}': ${(e as Error).message}`);
  }
}

function exportToDir(runs: readonly ExportRun[], dir: string, opts: ExportOptions): ExportRun[] {
  initExportDir(dir);
  const done: ExportRun[] = [];
  for (const run of runs) {
    const dest = path.join(dir, run.id);
    if (fs.lstatSync(dest, { throwIfNoEntry: false })) {
      opts.events.warn(`${dest} exists, skipping`);
      continue;
    }
    opts.events.info(`${opts.move ? "Moving" : "Copying"} ${run.id}`);
    const partial = path.join(dir, `.guildts-partial-${run.id}.${tempName()}`);
    try {
      copyRunTree(run.dir, partial, { copyResources: opts.copyResources, warn: opts.events.warn, label: run.id });
      renameNoReplace(partial, dest);
    } catch (e) {
      removeTree(partial);
      if (e instanceof TransferError) {
        opts.events.warn(e.message);
        continue;
      }
      throw e;
    }
    done.push(run);
    if (opts.move) opts.removeSource?.(run.id, run.dir);
  }
  return done;
}

/** Renames a whole directory into place, never over an existing entry. */
function renameNoReplace(src: string, dst: string): void {
  if (fs.lstatSync(dst, { throwIfNoEntry: false })) throw new TransferError(`${dst} exists, skipping`);
  try {
    fs.renameSync(src, dst);
  } catch (e) {
    // rename(2) replaces an empty directory and fails on a full one: both mean someone else got there.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") throw new TransferError(`${dst} exists, skipping`);
    throw e;
  }
}

/**
 * The zip libraries, loaded on first use (requireLazy): no other command pays for them at
 * start-up (in the bundle they are vendor files of their own).
 */
function zipLibs(): { yauzl: typeof yauzl; yazl: typeof yazlTypes } {
  return { yauzl: requireLazy(import.meta.url, "yauzl"), yazl: requireLazy(import.meta.url, "yazl") };
}

async function openZip(file: string): Promise<yauzl.ZipFile> {
  const { yauzl: lib } = zipLibs();
  return new Promise((resolve, reject) =>
    lib.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, strictFileNames: false }, (err, zf) =>
      err ? reject(err) : resolve(zf!),
    ),
  );
}

function readEntries(zf: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zf.on("entry", (e: yauzl.Entry) => {
      out.push(e);
      zf.readEntry();
    });
    zf.once("end", () => resolve(out));
    zf.once("error", reject);
    zf.readEntry();
  });
}

function openEntry(zf: yauzl.ZipFile, e: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zf.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s!))));
}

function entryName(e: yauzl.Entry): string {
  const raw = e.fileName as unknown as Buffer | string;
  return typeof raw === "string" ? raw : raw.toString("utf8");
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

function entryMode(e: yauzl.Entry): number {
  return (e.externalFileAttributes >>> 16) & 0xffff;
}

function isLinkEntry(e: yauzl.Entry): boolean {
  return (entryMode(e) & S_IFMT) === S_IFLNK;
}

async function exportToZip(runs: readonly ExportRun[], file: string, opts: ExportOptions): Promise<ExportRun[]> {
  const dir = path.dirname(path.resolve(file));
  const dirSt = fs.statSync(dir, { throwIfNoEntry: false });
  if (!dirSt?.isDirectory()) throw new TransferError(`cannot write to ${file}: ${dir} is not a directory`);
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st && !st.isFile()) throw new TransferError(`cannot write to ${file}: not a file`);
  sweepPartials(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.guildts-partial-${tempName()}`);
  const { yazl } = zipLibs();
  const zip = new yazl.ZipFile();
  const out = fs.createWriteStream(tmp, { flags: "wx", mode: 0o644 });
  const written = pipeline(zip.outputStream, out);
  written.catch(() => {});
  const existing = new Set<string>();
  let src: yauzl.ZipFile | null = null;
  const done: ExportRun[] = [];
  try {
    if (st) {
      let entries: yauzl.Entry[];
      try {
        src = await openZip(file);
        entries = await readEntries(src);
      } catch (e) {
        throw new TransferError(`cannot write to ${file}: ${(e as Error).message}`);
      }
      for (const e of entries) {
        const name = entryName(e);
        existing.add(name);
        const mode = entryMode(e) || undefined;
        const options = { mtime: e.getLastModDate(), ...(mode ? { mode } : {}) };
        if (name.endsWith("/")) zip.addEmptyDirectory(name, options);
        else {
          const from = src;
          zip.addReadStreamLazy(name, { ...options, compress: true }, (cb) => {
            from.openReadStream(e, (err, s) => cb(err, s!));
          });
        }
      }
    }
    for (const run of runs) {
      if (existing.has(`${run.id}/`)) {
        opts.events.warn(`${run.id} exists, skipping`);
        continue;
      }
      opts.events.info(`${opts.move ? "Moving" : "Copying"} ${run.id}`);
      for (const e of walkRunCopy(run.dir, { copyResources: opts.copyResources, warn: opts.events.warn, label: run.id })) {
        const name = e.rel ? `${run.id}/${e.rel}` : run.id;
        if (e.kind === "dir") zip.addEmptyDirectory(`${name}/`, { mtime: e.mtime, mode: S_IFDIR | e.mode });
        else if (e.kind === "file") zip.addFile(e.src, name, { mtime: e.mtime, mode: 0o100000 | e.mode, compress: true });
        else zip.addBuffer(Buffer.from(e.target!), name, { mtime: e.mtime, mode: S_IFLNK | 0o777, compress: false });
      }
      done.push(run);
    }
    zip.end();
    await written;
    fs.renameSync(tmp, file);
  } catch (e) {
    zip.outputStream.unpipe?.();
    out.destroy();
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    src?.close();
  }
  if (opts.move) for (const run of done) opts.removeSource?.(run.id, run.dir);
  return done;
}

/** The runs of an archive directory: its entries (not hidden) holding `.guild/opref`. */
export function archiveRunIds(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter(
      (n) =>
        !n.startsWith(".") && isSafeRunName(n) && fs.lstatSync(path.join(dir, n, ".guild", "opref"), { throwIfNoEntry: false })?.isFile(),
    )
    .sort();
}

/**
 * Unpacks a zip archive into a hidden staging directory of the home (`runs/.guildts-new/`), after
 * checking every entry: a name that is absolute, has `..` or empty parts, lies outside a run
 * directory, passes through a link or a file, or is given twice, or a link that leaves its run,
 * refuses the whole zip before anything is written. Returns the staging directory, an archive
 * directory of the zip's runs; the caller renames runs out of it and removes it.
 */
export async function unpackZip(file: string, home: string): Promise<string> {
  let zf: yauzl.ZipFile;
  let entries: yauzl.Entry[];
  try {
    zf = await openZip(file);
    entries = await readEntries(zf);
  } catch (e) {
    throw new TransferError(`invalid archive ${file}: ${(e as Error).message}`);
  }
  try {
    const kinds = new Map<string, { kind: "dir" | "file" | "link"; target?: string; entry: yauzl.Entry }>();
    const refuse = (name: string, why: string): never => {
      throw new TransferError(`refusing ${file}: entry ${JSON.stringify(name)} ${why}; nothing was imported`);
    };
    for (const e of entries) {
      const name = entryName(e);
      const isDir = name.endsWith("/");
      const bare = isDir ? name.slice(0, -1) : name;
      if (bare.startsWith("/") || /^[A-Za-z]:/.test(bare)) refuse(name, "is an absolute path");
      if (bare.includes("\0") || bare.includes("\\")) refuse(name, "has a NUL or backslash in its name");
      const parts = bare.split("/");
      if (parts.some((p) => p === "..")) refuse(name, "leaves its run (..)");
      if (parts.some((p) => p === "" || p === ".")) refuse(name, "has an empty or '.' part");
      const topDir = isDir || (entryMode(e) & S_IFMT) === S_IFDIR;
      if (parts[0]!.startsWith(".") || !isSafeRunName(parts[0]!) || (parts.length === 1 && !topDir))
        refuse(name, "is not inside a run directory");
      if (kinds.has(bare)) refuse(name, "is given twice");
      if (isLinkEntry(e)) {
        if (isDir || e.uncompressedSize > MAX_LINK_TEXT || parts.length < 2) refuse(name, "is a link that cannot be a run's");
        const chunks: Buffer[] = [];
        for await (const c of (await openEntry(zf, e)) as AsyncIterable<Buffer>) chunks.push(c);
        kinds.set(bare, { kind: "link", target: Buffer.concat(chunks).toString("utf8"), entry: e });
      } else kinds.set(bare, { kind: isDir || (entryMode(e) & S_IFMT) === S_IFDIR ? "dir" : "file", entry: e });
    }
    for (const [name, k] of kinds) {
      const parts = name.split("/");
      for (let i = 1; i < parts.length; i++) {
        const parent = kinds.get(parts.slice(0, i).join("/"));
        if (parent && parent.kind !== "dir") refuse(name, `is inside a ${parent.kind}, not a directory`);
      }
      if (k.kind === "link") {
        const lookup: Lookup = (rest) => {
          const found = kinds.get([parts[0]!, ...rest].join("/"));
          return found?.kind === "link" ? { link: found.target! } : "other";
        };
        if (!linkStaysInside(parts.slice(1), k.target!, lookup)) refuse(name, `is a link to '${k.target}', which leaves its run`);
      }
    }
    // Checked whole: now written, in a hidden place of the home, links last.
    sweepAbandonedCreations(home);
    const staging = path.join(newRunsDir(home), newRunName(`import-${crypto.randomBytes(4).toString("hex")}`));
    fs.mkdirSync(staging);
    const at = (name: string) => path.join(staging, ...name.split("/"));
    const dirModes: [string, number][] = [];
    for (const [name, k] of kinds) {
      if (k.kind !== "dir") continue;
      fs.mkdirSync(at(name), { recursive: true, mode: 0o700 });
      dirModes.push([at(name), entryMode(k.entry) & 0o7777 || 0o755]);
    }
    for (const [name, k] of kinds) {
      if (k.kind !== "file") continue;
      fs.mkdirSync(path.dirname(at(name)), { recursive: true, mode: 0o755 });
      const mode = entryMode(k.entry) & 0o777 || 0o644;
      await pipeline(await openEntry(zf, k.entry), fs.createWriteStream(at(name), { flags: "wx", mode }));
      fs.chmodSync(at(name), mode);
      const mtime = k.entry.getLastModDate();
      fs.utimesSync(at(name), mtime, mtime);
    }
    for (const [name, k] of kinds) {
      if (k.kind !== "link") continue;
      fs.mkdirSync(path.dirname(at(name)), { recursive: true, mode: 0o755 });
      fs.symlinkSync(k.target!, at(name));
    }
    for (const [d, mode] of dirModes.reverse()) fs.chmodSync(d, mode);
    return staging;
  } finally {
    zf.close();
  }
}

export interface ImportOptions {
  move?: boolean;
  copyResources?: boolean;
  events: TransferEvents;
  /**
   * The run is in a staging directory of this home (an unpacked zip): it is renamed into runs/
   * rather than copied.
   */
  staged?: boolean;
}

/**
 * Imports runs (directories of an archive directory or of an unpacked zip) into `home`'s runs/:
 * each copied whole into `runs/.guildts-new/` and renamed into place; a run whose id is in runs/
 * is skipped (`<id> exists, skipping`), never overwritten. With `move`, the archive's copy is
 * removed once the imported one is whole. Returns the ids imported.
 */
export function importRuns(runs: readonly ExportRun[], home: string, opts: ImportOptions): string[] {
  const root = path.join(home, "runs");
  // What an import or run killed before (kill -9) left in runs/.guildts-new/ goes first.
  sweepAbandonedCreations(home);
  if (opts.move && !opts.staged) for (const d of new Set(runs.map((r) => path.dirname(r.dir)))) sweepPartials(d);
  const done: string[] = [];
  for (const run of runs) {
    const dest = path.join(root, run.id);
    if (fs.lstatSync(dest, { throwIfNoEntry: false })) {
      opts.events.warn(`${run.id} exists, skipping`);
      continue;
    }
    opts.events.info(`${opts.move ? "Moving" : "Copying"} ${run.id}`);
    try {
      if (opts.staged && !opts.copyResources) {
        renameNoReplace(run.dir, dest);
      } else {
        const partial = path.join(newRunsDir(home), newRunName(run.id));
        try {
          copyRunTree(run.dir, partial, { copyResources: opts.copyResources, warn: opts.events.warn, label: run.id });
          renameNoReplace(partial, dest);
        } catch (e) {
          removeTree(partial);
          throw e;
        }
      }
    } catch (e) {
      if (e instanceof TransferError) {
        opts.events.warn(`${run.id} exists, skipping`);
        continue;
      }
      throw e;
    }
    done.push(run.id);
    if (opts.move && !opts.staged) removeArchiveRun(run.dir);
  }
  return done;
}

/** Removes a run from an archive directory: out of view in one rename, then removed (no link followed). */
function removeArchiveRun(dir: string): void {
  const hidden = path.join(path.dirname(dir), `.guildts-removing-${path.basename(dir)}.${tempName()}`);
  fs.renameSync(dir, hidden);
  removeTree(hidden);
}
