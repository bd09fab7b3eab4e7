/**
 * Placing a run's resolved dependencies (spec guild-batch-deps-inspect-remote.md §3.3-3.4): each
 * source's files linked (relative symlinks; `operation:` sources) or copied (`file:` sources)
 * into the run directory, a `d` manifest line per target, and the `deps` attr in Guild's shape.
 * What to place is decided before the run directory exists (apps/guild run-deps.ts), so a
 * dependency that cannot be met leaves no run behind.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CliError, EXIT } from "@guildts/format";
import { shlexQuote, type AttrValue } from "@guildts/runstore";

export interface DepFile {
  /** Absolute path of the resolved source (an upstream run's file, a project file). */
  src: string;
  /** The target, relative to the run directory (`data.txt`, `inputs/data1.csv`). */
  target: string;
}

export interface ResolvedDepSource {
  /** The resource's resolving name (the `deps` attr's outer key). */
  resource: string;
  /** The source's resolving name (the inner key). */
  source: string;
  uri: string;
  /** The flag value that selected the source (an upstream run's full id), when one applied. */
  config?: AttrValue;
  link: boolean;
  replaceExisting: boolean;
  /** `always-resolve`: resolved again on restart even when already resolved. */
  alwaysResolve?: boolean;
  /** The manifest's source argument: the URI, or `file:<project-relative path>`. */
  manifestSrc: (src: string) => string;
  files: DepFile[];
  /** Staged: not placed now (an operation source is resolved at --start). */
  deferred?: boolean;
}

type DepsAttr = Record<string, Record<string, Record<string, AttrValue>>>;

function sha1(file: string): string {
  return crypto.createHash("sha1").update(fs.readFileSync(file)).digest("hex");
}

function realDir(dir: string): string {
  // The final directory may not exist yet (a run is built out of view): its parent does.
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.join(fs.realpathSync(path.dirname(dir)), path.basename(dir));
  }
}

/**
 * Places `sources` into `dir` (the directory being built), whose final place is `finalDir`
 * (links and recorded paths are relative to it). Returns the `deps` attr, `prior` (a restart's
 * record) updated. An existing target is skipped with Guild's warning, unless it is a link this
 * project would make again (a restart) or `replace-existing` is set.
 */
export function placeDeps(
  dir: string,
  finalDir: string,
  sources: readonly ResolvedDepSource[],
  prior: DepsAttr = {},
  warn: (m: string) => void = () => {},
): DepsAttr {
  const deps: DepsAttr = structuredClone(prior);
  const real = realDir(finalDir);
  const manifest: string[] = [];
  for (const s of sources) {
    deps[s.resource] ??= {};
    if (s.deferred) continue;
    for (const f of s.files) {
      const dest = path.join(dir, f.target);
      const rel = path.relative(dir, dest);
      if (rel.startsWith("..") || path.isAbsolute(rel))
        throw new CliError(`invalid target path '${f.target}' for ${s.source}`, EXIT.NO_MATCH);
      let existing: fs.Stats | null = null;
      try {
        existing = fs.lstatSync(dest);
      } catch {
        // free
      }
      if (existing) {
        if (s.replaceExisting || (s.link && existing.isSymbolicLink())) fs.rmSync(dest, { recursive: true, force: true });
        else {
          warn(`${path.join(finalDir, f.target)} already exists, skipping ${s.link ? "link" : "copy"}`);
          continue;
        }
      }
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      try {
        if (s.link) {
          const linkDir = path.dirname(path.join(real, f.target));
          fs.symlinkSync(path.join(path.relative(linkDir, realDir(path.dirname(f.src))), path.basename(f.src)), dest);
        } else if (fs.statSync(f.src).isDirectory()) {
          fs.cpSync(f.src, dest, { recursive: true, verbatimSymlinks: true });
        } else fs.copyFileSync(f.src, dest);
      } catch (e) {
        throw new CliError(
          `run failed because a dependency was not met: unable to ${s.link ? "link to" : "copy"} dependency source: ${(e as Error).message}`,
          EXIT.NO_MATCH,
        );
      }
      let hash = "-";
      try {
        // What the target reads as (a link is made for its final place: hash its source).
        const read = s.link ? f.src : dest;
        if (fs.statSync(read).isFile()) hash = sha1(read);
      } catch {
        // a dangling link: no hash
      }
      manifest.push(["d", f.target, hash, s.manifestSrc(f.src)].map(shlexQuote).join(" "));
    }
    const info: Record<string, AttrValue> = { paths: s.files.map((f) => path.relative(finalDir, f.src)), uri: s.uri };
    if (s.config !== undefined) info.config = s.config;
    deps[s.resource]![s.source] = info;
  }
  if (manifest.length) fs.appendFileSync(path.join(dir, ".guild", "manifest"), manifest.map((l) => l + "\n").join(""));
  return deps;
}
