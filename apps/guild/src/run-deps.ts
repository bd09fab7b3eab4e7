/**
 * Resolving an operation's `requires:` for a new (or restarted) run (spec
 * guild-batch-deps-inspect-remote.md §3.2-3.3), before its directory exists: for each
 * `operation:` source the upstream run (the flag `operation:NAME=RUN` with any selector the
 * porcelain takes or a run directory, else the marked run, else the latest usable one), for each
 * `file:` source the project file; the files each contributes and where they go. The runner's
 * `placeDeps` then links or copies them. Errors are Guild's, one line, and nothing is created.
 */
import fs from "node:fs";
import path from "node:path";
import { CliError, EXIT } from "@guildts/format";
import {
  checkDepCycle,
  checkSupported,
  DepError,
  depFlagName,
  opResources,
  sourceFlagCandidates,
  sourceOpDesc,
  sourceOpSpecs,
  type DepResource,
  type DepSource,
  type OpDef,
} from "@guildts/guildfile";
import { PyRegex } from "@guildts/py";
import type { DepFile, ResolvedDepSource } from "@guildts/runner";
import { listRuns, shlexSplit, type AttrValue, type RunRecord } from "@guildts/runstore";
import { resolveSelectors, SelectorError, sortRuns } from "@guildts/select";

type Flags = Record<string, AttrValue>;

export interface DepsResolution {
  /** The flags with each dependency flag set to the upstream run's full id. */
  flags: Flags;
  sources: ResolvedDepSource[];
  /** The `op` attr's `deps` (Guild's `op_deps_as_data`). */
  opDeps: AttrValue[];
}

const NOT_MET = "run failed because a dependency was not met: ";
const USABLE = new Set(["completed", "running", "terminated"]);
const FULL_ID = /^[0-9a-f]{32}$/;

function fail(msg: string): never {
  throw new CliError(NOT_MET + msg, EXIT.NO_MATCH);
}

function sourceError(s: DepSource, res: DepResource, detail: string): never {
  fail(`could not resolve '${s.resolvingName}' in ${res.resolvingName} resource: ${detail}${s.help ? `\n${s.help}` : ""}`);
}

/** The runs of the operations a source names, usable as upstream, in listing order (newest first). */
function candidateRuns(s: DepSource, all: () => RunRecord[]): RunRecord[] {
  const specs = sourceOpSpecs(s);
  return sortRuns(
    all().filter(
      (r) =>
        USABLE.has(r.status) &&
        r.opref !== null &&
        !r.batch_proto &&
        specs.some((o) => o.op === r.opref!.op && (o.model === null || o.model === r.opref!.model)),
    ),
  );
}

/** A run's generated files (no manifest entry), as top-level names, `.guild*` excluded (§3.3). */
function generatedFiles(runDir: string): string[] {
  const listed = new Set<string>();
  try {
    for (const line of fs.readFileSync(path.join(runDir, ".guild", "manifest"), "utf8").split("\n")) {
      if (!line.trim()) continue;
      const parts = shlexSplit(line);
      if (parts[1]) listed.add(parts[1]);
    }
  } catch {
    // no manifest: every file is generated
  }
  const top = new Set<string>();
  for (const rel of walk(runDir)) {
    if (rel.startsWith(".guild") || listed.has(rel) || rel.endsWith("/")) continue;
    top.add(rel.split("/")[0]!);
  }
  return [...top].filter((n) => !n.startsWith(".guild")).sort();
}

/** Relative paths under `root`, never through a link; directories end with `/`. */
function walk(root: string, rel = "", out: string[] = []): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      out.push(`${p}/`);
      if (p !== ".guild") walk(root, p, out);
    } else out.push(p);
  }
  return out;
}

/** `select` (Python regexes, anchored both ends) over every path under `root`; `select-min/max` by group(1). */
function selectPaths(root: string, s: DepSource): string[] {
  const paths = walk(root)
    .map((p) => p.replace(/\/$/, ""))
    .filter((p) => p !== ".guild" && !p.startsWith(".guild/"));
  const out = new Set<string>();
  for (const pattern of s.select) {
    let re: RegExp;
    try {
      const py = new PyRegex(`(?:${pattern})$`);
      re = new RegExp(py.source, py.flags.replace("g", "") + "y");
    } catch (e) {
      fail(`invalid select pattern '${pattern}' for ${s.resolvingName}: ${(e as Error).message}`);
    }
    const hits: { p: string; key: number }[] = [];
    for (const p of paths) {
      re.lastIndex = 0;
      const m = re.exec(p);
      if (m) hits.push({ p, key: Number.parseFloat(m[1] ?? "") });
    }
    if (s.selectMin !== null || s.selectMax !== null) {
      const numeric = hits.filter((h) => !Number.isNaN(h.key));
      if (numeric.length) {
        const best = numeric.reduce((a, b) => ((s.selectMax !== null ? b.key > a.key : b.key < a.key) ? b : a));
        out.add(best.p);
      }
    } else for (const h of hits) out.add(h.p);
  }
  return [...out].sort();
}

function targetFor(s: DepSource, res: DepResource, src: string, origin: string): string {
  const tp = s.preservePath ? path.relative(origin, path.dirname(src)) : (s.targetPath ?? res.targetPath ?? "");
  if (path.isAbsolute(tp)) fail(`invalid path '${tp}' in ${res.name ?? res.resolvingName} resource (path must be relative)`);
  let base = path.basename(src);
  for (const r of s.rename) {
    let renamed: string;
    try {
      const re = new PyRegex(r.pattern);
      renamed = base.replace(new RegExp(re.source, re.flags.replace("g", "")), r.repl.replace(/\\(\d)/g, "$$$1"));
    } catch (e) {
      fail(`error renaming source ${base} ('${r.pattern}' -> '${r.repl}'): ${(e as Error).message}`);
    }
    if (renamed !== base) {
      base = renamed;
      break;
    }
  }
  const target = path.normalize(path.join(tp, base));
  if (target.startsWith("..") || path.isAbsolute(target))
    fail(`invalid path '${tp}' in ${res.name ?? res.resolvingName} resource (path must be relative)`);
  return target;
}

function targetType(s: DepSource, res: DepResource): boolean {
  const t = s.targetType ?? res.targetType;
  if (t === null) return s.scheme === "operation";
  if (t !== "link" && t !== "copy") {
    fail(
      `unsupported target-type '${t}' in ${s.targetType !== null ? `source ${s.name}` : `resource ${res.name}`} (expected 'link' or 'copy')`,
    );
  }
  return t === "link";
}

export interface ResolveDepsOptions {
  /** `--stage`: operation sources are resolved at `--start`, as Guild does. */
  stage?: boolean;
  /** Progress lines (Guild's INFO log): `Resolving …`, `Using run … for …`. */
  log?: (m: string) => void;
  warn?: (m: string) => void;
}

/**
 * The dependencies of a run of `op` with `flags`: upstream runs found, flags completed with their
 * full ids, files to place. Throws CliError with Guild's text when one cannot be met (not
 * `optional`): no upstream run, an ambiguous or unknown selector, a missing file, a `select`
 * that matches nothing, a cycle in the guild file.
 */
export function resolveRunDeps(op: OpDef, flagsIn: Flags, home: string, opts: ResolveDepsOptions = {}): DepsResolution {
  const flags: Flags = { ...flagsIn };
  if (!op.requires.length) return { flags, sources: [], opDeps: [] };
  const log = opts.log ?? (() => {});
  const warn = opts.warn ?? (() => {});
  let resources: DepResource[];
  try {
    resources = opResources(op, warn);
    for (const r of resources) checkSupported(r, op);
    checkDepCycle(op);
  } catch (e) {
    if (e instanceof DepError) fail(e.message);
    throw e;
  }
  let listed: RunRecord[] | null = null;
  const all = () => (listed ??= fs.existsSync(path.join(home, "runs")) ? listRuns(home).runs : []);
  const sources: ResolvedDepSource[] = [];
  for (const res of resources) {
    log(`Resolving ${res.resolvingName}`);
    for (const s of res.sources) {
      const link = targetType(s, res);
      const base = {
        resource: res.resolvingName,
        source: s.resolvingName,
        uri: s.uri,
        link,
        replaceExisting: s.replaceExisting,
        alwaysResolve: s.alwaysResolve,
      };
      if (s.scheme === "operation") {
        const flag = depFlagName(s, op);
        const up = upstreamRun(s, res, flags[flag], all, opts.stage === true);
        if (!up) {
          if (opts.stage) {
            warn(`cannot find a suitable run for required resource '${s.resolvingName}'`);
            sources.push({ ...base, manifestSrc: () => s.uri, files: [], deferred: true });
            continue;
          }
          if (s.optional) {
            log(`Could not resolve ${s.resolvingName} - skipping because dependency is optional`);
            continue;
          }
          sourceError(s, res, `no suitable run for ${sourceOpDesc(s)}`);
        }
        flags[flag] = up.id ?? up.dir;
        if (opts.stage) {
          log(`Skipping resolution of ${s.resolvingName} because it's being staged`);
          sources.push({ ...base, config: flags[flag]!, manifestSrc: () => s.uri, files: [], deferred: true });
          continue;
        }
        log(`Using run ${up.id ?? up.dir} for ${s.resolvingName}`);
        const names = s.select.length ? selectPaths(up.dir, s) : generatedFiles(up.dir);
        if (!names.length) {
          if (s.select.length && !s.optional) sourceError(s, res, `nothing resolved for ${s.resolvingName}`);
          if (s.failIfEmpty) sourceError(s, res, `nothing resolved for ${s.resolvingName}`);
          if (s.warnIfEmpty) warn(`nothing resolved for ${s.resolvingName}`);
        }
        const files: DepFile[] = names.map((n) => {
          const src = path.join(up.dir, n);
          return { src, target: targetFor(s, res, src, up.dir) };
        });
        sources.push({ ...base, config: flags[flag]!, manifestSrc: () => s.uri, files });
      } else {
        const file = fileSource(s, res);
        if (!file) continue;
        sources.push({ ...base, manifestSrc: (src) => manifestFileArg(s, src, res.location), files: file });
      }
    }
  }
  const opDeps = resources.map((res) => {
    const d: Record<string, AttrValue> = { ...res.data, name: res.resolvingName, location: res.location };
    const config: Record<string, AttrValue> = {};
    for (const s of res.sources) for (const n of sourceFlagCandidates(s)) if (n in flags && flags[n] !== null) config[n] = flags[n]!;
    if (Object.keys(config).length) d.config = config;
    return d;
  });
  return { flags, sources, opDeps };
}

function manifestFileArg(s: DepSource, src: string, location: string): string {
  const rel = path.relative(location, src);
  return rel.startsWith("..") ? `file:${s.uriPath}` : `file:${rel}`;
}

/** The upstream run of an operation source: the flag's value (selector or run dir), else marked, else latest. */
function upstreamRun(
  s: DepSource,
  res: DepResource,
  value: AttrValue | undefined,
  all: () => RunRecord[],
  stage: boolean,
): { id: string | null; dir: string } | null {
  const spec = value === null || value === undefined || value === "" ? null : String(value);
  if (spec !== null && !FULL_ID.test(spec) && spec.includes("/") && fs.existsSync(spec) && fs.statSync(spec).isDirectory()) {
    return { id: null, dir: path.resolve(spec) };
  }
  const candidates = candidateRuns(s, all);
  if (spec === null) {
    const pick = candidates.find((r) => r.marked) ?? candidates[0];
    return pick ? { id: pick.id, dir: pick.dir } : null;
  }
  if (FULL_ID.test(spec)) {
    const r = candidates.find((c) => c.id === spec);
    return r ? { id: r.id, dir: r.dir } : null;
  }
  try {
    const [r] = resolveSelectors(candidates, [spec]);
    return r ? { id: r.id, dir: r.dir } : null;
  } catch (e) {
    if (!(e instanceof SelectorError)) throw e;
    if (e.kind === "no-match" || e.kind === "out-of-range" || e.kind === "empty-range") {
      if (stage) return null;
      sourceError(s, res, `no suitable run for ${sourceOpDesc(s)} matching '${spec}'`);
    }
    if (e.kind === "ambiguous") {
      const ids = e.candidates.map((c) => c.id.slice(0, 8)).join(", ");
      sourceError(s, res, `'${spec}' matches more than one ${sourceOpDesc(s)} run (${ids}): use a longer id prefix`);
    }
    sourceError(s, res, e.message);
  }
}

/** A `file:` source: the path under the guild file's directory, whole or `select`ed; sha256 checked. */
function fileSource(s: DepSource, res: DepResource): DepFile[] | null {
  const abs = path.resolve(res.location, s.uriPath);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    if (s.optional) return null;
    sourceError(s, res, `cannot find source file '${s.uriPath}'`);
  }
  let srcs: string[];
  if (st.isDirectory() && s.select.length) {
    srcs = selectPaths(abs, s).map((p) => path.join(abs, p));
    if (!srcs.length && !s.optional) sourceError(s, res, `nothing resolved for ${s.resolvingName}`);
  } else srcs = [abs];
  if (s.sha256 && st.isFile()) {
    const got = process.getBuiltinModule("node:crypto").createHash("sha256").update(fs.readFileSync(abs)).digest("hex");
    if (got !== s.sha256) sourceError(s, res, `'${abs}' has an unexpected sha256 (expected ${s.sha256} but got ${got})`);
  }
  return srcs.map((src) => ({ src, target: targetFor(s, res, src, res.location) }));
}
