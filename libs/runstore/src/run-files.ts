import fs from "node:fs";
import path from "node:path";
import { compareCodePoints, shlexSplit } from "@guildts/py";
import { openRunFile } from "./facts.js";

/**
 * Reading and listing the files of one run (`guild cat`, `guild ls`, `guild diff`) without ever
 * leaving it. A run may hold links Guild made itself: a dependency (`data.txt ->
 * ../<upstream run>/data.txt`) and a batch's trials (`<trial> -> ../<trial>`); those point into
 * another run of the same store and are followed. Anything else that leaves the run (a `..`
 * path, an absolute path, a link out of the store's runs) is refused, and only regular files
 * are ever opened (never a FIFO or a device).
 */
export class RunPathError extends Error {
  override name = "RunPathError";
  constructor(
    message: string,
    readonly code: "ABSOLUTE" | "OUTSIDE" | "ENOENT" | "NOTFILE",
  ) {
    super(message);
  }
}

function realOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/** Where links may lead: inside `runDir`, or inside another run beside it (the store's runs dir). */
export function runFilesRoot(runDir: string): string {
  return realOrNull(path.dirname(runDir)) ?? path.dirname(runDir);
}

function within(p: string, root: string): boolean {
  return p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * The real path of `rel` under `base` (a run dir or a directory inside one), checked: `rel`
 * relative, not climbing out with `..`, and every link on the way leading inside a run of the
 * store. A missing file is RunPathError ENOENT naming `base/rel` (as Guild names it).
 */
export function resolveRunPath(runDir: string, rel: string, base = runDir): string {
  if (path.isAbsolute(rel)) throw new RunPathError(`PATH must be relative: '${rel}'`, "ABSOLUTE");
  const joined = path.join(base, rel);
  const runReal = realOrNull(runDir) ?? runDir;
  const baseReal = realOrNull(base);
  const lexical = baseReal === null ? joined : path.join(baseReal, rel);
  if (lexical !== runReal && !within(lexical, runReal)) throw new RunPathError(`'${rel}' leaves the run directory`, "OUTSIDE");
  if (!fs.existsSync(joined)) {
    // A dangling link, or nothing: say whether a link would lead out before saying "missing".
    const linkTarget = fs.lstatSync(joined, { throwIfNoEntry: false });
    if (linkTarget?.isSymbolicLink()) {
      const target = path.resolve(path.dirname(joined), fs.readlinkSync(joined));
      if (!within(target, runFilesRoot(runDir))) throw new RunPathError(`'${rel}' is a link out of the run directory`, "OUTSIDE");
    }
    throw new RunPathError(`${joined} does not exist`, "ENOENT");
  }
  const real = fs.realpathSync(joined);
  if (real !== runReal && !within(real, runReal) && !within(real, runFilesRoot(runDir)))
    throw new RunPathError(`'${rel}' is a link out of the run directory`, "OUTSIDE");
  return real;
}

/**
 * Writes a run file's bytes to `out` in 64 KiB chunks (any size: an output can be large), through
 * a checked path: a regular file only, the last component opened without following a link.
 */
export function copyRunFile(real: string, write: (chunk: Buffer) => void): void {
  let opened: { fd: number; size: number };
  try {
    opened = openRunFile(real);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTREG" || code === "EISDIR")
      throw new RunPathError(`${real}: ${code === "EISDIR" ? "a directory" : (e as Error).message}`, "NOTFILE");
    throw e;
  }
  const buf = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      const n = fs.readSync(opened.fd, buf, 0, buf.length, null);
      if (n === 0) break;
      write(Buffer.from(buf.subarray(0, n)));
    }
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** The manifest entries of a run (`.guild/manifest`: shlex-quoted `TYPE PATH ...` lines), by path. */
export function readManifest(runDir: string): Map<string, string> {
  const entries = new Map<string, string>();
  let text: string;
  try {
    text = fs.readFileSync(path.join(runDir, ".guild", "manifest"), "utf8");
  } catch {
    return entries;
  }
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const args = shlexSplit(line);
      if (args.length >= 2) entries.set(path.normalize(args[1]!), args[0]!);
    } catch {
      // a line Guild could not have written: skipped
    }
  }
  return entries;
}

/** One entry met walking a run: its path relative to the run, and whether it is (or links to) a dir. */
export interface RunEntry {
  rel: string;
  dir: boolean;
}

/**
 * Walks a run dir like Python's `os.walk` (top down, each directory's dirs then files), calling
 * `visit` for each entry; `visit` returns false for a directory not to descend into. A link to a
 * directory counts as a directory and is descended only with `followLinks`, and only when it
 * leads inside a run of the store and not back into a directory being walked (no cycles); a link
 * leading out is listed as a plain entry, never followed or looked through.
 */
export function walkRun(runDir: string, followLinks: boolean, visit: (e: RunEntry) => boolean): void {
  const root = runFilesRoot(runDir);
  const runReal = realOrNull(runDir) ?? runDir;
  const walk = (absDir: string, relDir: string, ancestors: Set<string>) => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(absDir, { withFileTypes: true });
    } catch {
      return;
    }
    names.sort((a, b) => compareCodePoints(a.name, b.name));
    const dirs: { name: string; real: string | null }[] = [];
    const files: string[] = [];
    for (const d of names) {
      if (d.isDirectory()) dirs.push({ name: d.name, real: null });
      else if (d.isSymbolicLink()) {
        const real = realOrNull(path.join(absDir, d.name));
        const inside = real !== null && (real === runReal || within(real, runReal) || within(real, root));
        if (inside && fs.statSync(real).isDirectory()) dirs.push({ name: d.name, real });
        else files.push(d.name);
      } else files.push(d.name);
    }
    const descend: { name: string; real: string | null }[] = [];
    for (const d of dirs) {
      const rel = relDir ? `${relDir}/${d.name}` : d.name;
      if (visit({ rel, dir: true }) && (d.real === null || followLinks)) descend.push(d);
    }
    for (const f of files) visit({ rel: relDir ? `${relDir}/${f}` : f, dir: false });
    for (const d of descend) {
      const abs = path.join(absDir, d.name);
      const real = d.real ?? realOrNull(abs);
      if (real === null || ancestors.has(real)) continue;
      walk(abs, relDir ? `${relDir}/${d.name}` : d.name, new Set([...ancestors, real]));
    }
  };
  walk(runDir, "", new Set([runReal]));
}

/** `util.natsorted` (Python's natsort, default key): digit runs compare as numbers, the rest by code point. */
export function natsortKey(s: string): (string | number)[] {
  const parts = s.split(/(\d+)/);
  const key: (string | number)[] = [];
  parts.forEach((p, i) => {
    if (i % 2) key.push(Number(p));
    else if (p !== "" || i === 0) key.push(p);
  });
  if (key.length > 1 && key[key.length - 1] === "") key.pop();
  return key;
}

export function natCompare(a: string, b: string): number {
  const ka = natsortKey(a);
  const kb = natsortKey(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const x = ka[i]!;
    const y = kb[i]!;
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return x - y;
    } else {
      const c = compareCodePoints(String(x), String(y));
      if (c) return c;
    }
  }
  return ka.length - kb.length;
}

/** What `guild ls` lists (Guild 0.9's `ls_impl`): options as there. */
export interface RunFilesOptions {
  /** `-p PATH`: that path and what is under it, or (with `*`/`?`) an fnmatch pattern per component. */
  path?: string;
  /** `-a`: hidden names (`.guild/...`) too. */
  all?: boolean;
  /** `-L`: descend into links to directories (inside the store only). */
  followLinks?: boolean;
  /** `-s`/`-d`/`-g`: manifest types `s`, `d` and generated (`g`: no manifest entry). */
  types?: ("s" | "d" | "g")[];
}

const hidden = (name: string) => name.startsWith(".");
const splitPath = (p: string) => p.split(/[/\\]/).filter((x) => x);

/** Python's `fnmatch.fnmatchcase` (POSIX: case-sensitive): `*`, `?`, `[seq]`, `[!seq]`. */
export function fnmatchRegex(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "!") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j++;
      if (j >= pattern.length) re += "\\[";
      else {
        let body = pattern
          .slice(i + 1, j)
          .replace(/\\/g, "\\\\")
          .replace(/]/g, "\\]");
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        else if (body.startsWith("^") || body.startsWith("[")) body = `\\${body}`;
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

interface PathFilter {
  match(rel: string, forceAll?: boolean): boolean;
  /** Whether to keep descending into a directory that did not match. */
  keepDir(name: string, rel: string): boolean;
}

function baseFilter(o: RunFilesOptions): PathFilter {
  const all = o.all === true;
  if (o.path !== undefined && /[*?]/.test(o.path)) {
    const pattern = splitPath(o.path);
    const regexes = pattern.map(fnmatchRegex);
    return {
      match(rel, forceAll) {
        const parts = splitPath(rel);
        if (parts.length < pattern.length) return false;
        if (!regexes.every((r, i) => r.test(parts[i]!))) return false;
        if (!(all || forceAll))
          for (let i = 0; i < parts.length; i++) if (hidden(parts[i]!) && !(i < pattern.length && hidden(pattern[i]!))) return false;
        return true;
      },
      keepDir(name, rel) {
        const parts = splitPath(rel);
        if (all || !hidden(name)) return true;
        return !(pattern.length >= parts.length && !hidden(pattern[parts.length - 1]!));
      },
    };
  }
  if (o.path !== undefined) {
    const want = splitPath(o.path);
    const isSub = (prefix: string[], p: string[]) => p.length >= prefix.length && prefix.every((x, i) => x === p[i]);
    return {
      match(rel, forceAll) {
        const parts = splitPath(rel);
        if (!(all || forceAll) && hidden(parts[parts.length - 1]!)) return parts.length === want.length && isSub(want, parts);
        return isSub(want, parts);
      },
      keepDir: (_name, rel) => isSub(splitPath(rel), want),
    };
  }
  return {
    match: (rel, forceAll) => all || forceAll === true || !hidden(path.posix.basename(rel)),
    keepDir: (name) => all || !hidden(name),
  };
}

/**
 * The run's files as `guild ls` lists them, natural-sorted (Guild's `util.natsorted`); each
 * entry says whether it is a directory (or a link to one), which ls shows with a trailing `/`.
 */
export function listRunFiles(runDir: string, o: RunFilesOptions = {}): RunEntry[] {
  const base = baseFilter(o);
  const follow = o.followLinks === true;
  let filter: PathFilter = base;
  if (o.types?.length) {
    // Guild's _ManifestFilter: each walked file's manifest type (a file inherits its nearest
    // listed parent dir's), 'g' for a file with none outside .guild; directories with no
    // indexed file below them are not entered.
    const manifest = readManifest(runDir);
    const index = new Map<string, string | null>();
    walkRun(runDir, follow, (e) => {
      const entry = manifest.get(e.rel);
      if (entry !== undefined) index.set(e.rel, entry);
      else if (e.rel.split("/")[0] === ".guild") return true;
      else if (!e.dir) {
        let parent = path.posix.dirname(e.rel);
        let found: string | null = null;
        while (parent !== ".") {
          const p = manifest.get(parent);
          if (p !== undefined) {
            found = p;
            break;
          }
          parent = path.posix.dirname(parent);
        }
        index.set(e.rel, found);
      }
      return true;
    });
    const indexDirs = new Set<string>();
    for (const p of index.keys()) for (let d = path.posix.dirname(p); d !== "."; d = path.posix.dirname(d)) indexDirs.add(d);
    const types = new Set<string>(o.types);
    const dirs = new Set<string>();
    filter = {
      match(rel) {
        let type = index.get(rel) ?? null;
        if (type === null) {
          if (dirs.has(rel) || rel.split("/")[0] === ".guild") return false;
          type = "g";
        }
        return types.has(type) && base.match(rel, true);
      },
      keepDir: (_name, rel) => indexDirs.has(rel),
    };
    const out: RunEntry[] = [];
    walkRun(runDir, follow, (e) => {
      if (e.dir) dirs.add(e.rel);
      if (filter.match(e.rel)) {
        out.push(e);
        return true;
      }
      return !e.dir || filter.keepDir(path.posix.basename(e.rel), e.rel);
    });
    return out.sort((a, b) => natCompare(a.rel, b.rel));
  }
  const out: RunEntry[] = [];
  walkRun(runDir, follow, (e) => {
    if (filter.match(e.rel)) {
      out.push(e);
      return true;
    }
    return !e.dir || filter.keepDir(path.posix.basename(e.rel), e.rel);
  });
  return out.sort((a, b) => natCompare(a.rel, b.rel));
}
