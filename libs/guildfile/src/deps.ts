/**
 * Operation dependencies (`requires:`, spec guild-batch-deps-inspect-remote.md §3.1-3.2) as data:
 * the resources an operation requires (named under the model's `resources:` or inline), their
 * sources with Guild's attribute names, resolving names and messages, the implicit flag of each
 * `operation:` source (Guild's resource_flags plugin), and the dependency cycles of a guild file.
 * Finding the upstream runs and placing files is not here (apps/guild run-deps.ts, runner deps.ts).
 */
import { isMap, pyRepr, pyStr, pyTruthy, shlexSplit, type PyMap } from "@guildts/py";
import type { AttrValue } from "@guildts/runstore";
import type { FlagDef, Guildfile, ModelDef, OpDef } from "./guildfile.js";

/** Guild's OpDependencyError: the text after `run failed because a dependency was not met: `. */
export class DepError extends Error {
  override name = "DepError";
}

export interface RenameSpec {
  pattern: string;
  repl: string;
}

export interface DepSource {
  /** `operation`, `file`, or a scheme this project does not resolve (`url`, `module`, `config`). */
  scheme: string;
  /** `operation:prepare`, `file:local.txt`, or the URL. */
  uri: string;
  /** The URI's path: `prepare`, `local.txt`. */
  uriPath: string;
  /** Guild's `source.resolving_name`: `name`, else `flag-name`, else the URI. */
  resolvingName: string;
  name: string | null;
  /** `flag-name`: a name, false to generate no flag, null when unset. */
  flagName: string | false | null;
  select: string[];
  selectMin: string | null;
  selectMax: string | null;
  targetPath: string | null;
  targetType: string | null;
  preservePath: boolean;
  rename: RenameSpec[];
  optional: boolean;
  warnIfEmpty: boolean;
  failIfEmpty: boolean;
  replaceExisting: boolean;
  alwaysResolve: boolean;
  help: string | null;
  sha256: string | null;
}

export interface DepResource {
  /** The resource's name (`resources:` key or inline `name`), or null. */
  name: string | null;
  /** Guild's `resdef.resolving_name`: the name, else the sources' resolving names comma-joined. */
  resolvingName: string;
  sources: DepSource[];
  targetPath: string | null;
  targetType: string | null;
  /** Where `file:` paths are found: the guild file's directory (Guild's `res_location`). */
  location: string;
  /** The resource data as Guild records it in the `op` attr (`_resdef_data`, without name/location/config). */
  data: PyMap;
}

const SCHEMES = ["config", "file", "module", "url", "operation"] as const;

const SOURCE_ATTRS = new Set([
  ...SCHEMES,
  "name",
  "flag-name",
  "sha256",
  "unpack",
  "type",
  "select",
  "select-min",
  "select-max",
  "warn-if-empty",
  "optional",
  "fail-if-empty",
  "rename",
  "help",
  "post-process",
  "target-path",
  "path",
  "target-type",
  "replace-existing",
  "always-resolve",
  "preserve-path",
  "params",
  "description",
]);

/** Source attributes that change what runs and are not implemented here: an error, never dropped. */
const UNIMPLEMENTED_SOURCE_ATTRS = ["post-process", "unpack", "type", "params"];

const RES_TERM = "[a-zA-Z0-9_\\-.]+";
const MODEL_RES = new RegExp(`^(${RES_TERM})$`);
const GUILDFILE_RES = new RegExp(`^(${RES_TERM}):(${RES_TERM})$`);
const PACKAGE_RES = new RegExp(`^(${RES_TERM})/(${RES_TERM})$`);

function strList(v: AttrValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => pyStr(x));
}

function renameSpecs(v: AttrValue | undefined, resName: string): RenameSpec[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((it) => {
    if (isMap(it)) return { pattern: pyStr(it.pattern ?? ""), repl: pyStr(it.repl ?? "") };
    const parts = shlexSplit(pyStr(it));
    if (parts.length === 1) return { pattern: ".*", repl: parts[0]! };
    if (parts.length === 2) return { pattern: parts[0]!, repl: parts[1]! };
    throw new DepError(`invalid rename spec ${pyRepr(it)} in resource '${resName}': expected 'PATTERN REPL'`);
  });
}

function boolAttr(data: PyMap, key: string, dflt: boolean): boolean {
  return key in data && data[key] !== null ? pyTruthy(data[key]!) : dflt;
}

function parseSource(raw: AttrValue, resDesc: string, warn?: (m: string) => void): DepSource {
  const data: PyMap = typeof raw === "string" ? { file: raw } : isMap(raw) ? raw : {};
  if (!isMap(raw) && typeof raw !== "string") throw new DepError(`invalid source ${pyRepr(raw)} in resource '${resDesc}'`);
  const present = SCHEMES.filter((s) => s in data);
  const shown = [...SCHEMES].sort().join(", ");
  if (present.length === 0) {
    throw new DepError(`invalid source ${pyRepr(data)} in resource '${resDesc}': missing required attribute (one of ${shown})`);
  }
  if (present.length > 1) {
    throw new DepError(`invalid source ${pyRepr(data)} in resource '${resDesc}': conflicting attributes (${present.join(", ")})`);
  }
  for (const k of Object.keys(data)) if (!SOURCE_ATTRS.has(k)) warn?.(`unexpected source attribute '${k}' in resource '${resDesc}'`);
  const scheme = present[0]!;
  const value = pyStr(data[scheme]!);
  const uri = scheme === "url" ? value : `${scheme}:${value}`;
  const name = data.name === undefined || data.name === null ? null : pyStr(data.name);
  const fn = data["flag-name"];
  const flagName = fn === false ? false : fn === undefined || fn === null ? null : pyStr(fn);
  const tp = data["target-path"] ?? data.path;
  return {
    scheme,
    uri,
    uriPath: value,
    resolvingName: name ?? (typeof flagName === "string" ? flagName : null) ?? uri,
    name,
    flagName,
    select: strList(data.select),
    selectMin: data["select-min"] === undefined || data["select-min"] === null ? null : pyStr(data["select-min"]),
    selectMax: data["select-max"] === undefined || data["select-max"] === null ? null : pyStr(data["select-max"]),
    targetPath: tp === undefined || tp === null ? null : pyStr(tp),
    targetType: data["target-type"] === undefined || data["target-type"] === null ? null : pyStr(data["target-type"]),
    preservePath: boolAttr(data, "preserve-path", false),
    rename: renameSpecs(data.rename, resDesc),
    optional: boolAttr(data, "optional", false),
    warnIfEmpty: boolAttr(data, "warn-if-empty", true),
    failIfEmpty: boolAttr(data, "fail-if-empty", false),
    replaceExisting: boolAttr(data, "replace-existing", false),
    alwaysResolve: boolAttr(data, "always-resolve", false),
    help: data.help === undefined || data.help === null ? null : pyStr(data.help),
    sha256: data.sha256 === undefined || data.sha256 === null ? null : pyStr(data.sha256),
  };
}

function resourceFromData(name: string | null, data: PyMap, location: string, warn?: (m: string) => void): DepResource {
  const desc = name ?? "resource";
  const rawSources = data.sources === undefined || data.sources === null ? [] : Array.isArray(data.sources) ? data.sources : [data.sources];
  const sources = rawSources.map((s) => parseSource(s, desc, warn));
  const tp = data["target-path"] ?? data.path;
  return {
    name,
    resolvingName: name ?? (sources.length ? sources.map((s) => s.resolvingName).join(",") : "resource"),
    sources,
    targetPath: tp === undefined || tp === null ? null : pyStr(tp),
    targetType: data["target-type"] === undefined || data["target-type"] === null ? null : pyStr(data["target-type"]),
    location,
    data,
  };
}

function namedResource(model: ModelDef, resName: string, op: OpDef, warn?: (m: string) => void): DepResource {
  const data = model.resources[resName];
  if (data === undefined || data === null) {
    throw new DepError(`resource '${resName}' required by operation '${opName(op)}' is not defined`);
  }
  const map: PyMap = isMap(data) ? data : { sources: data };
  return resourceFromData(resName, map, model.guildfile.dir, warn);
}

function opName(op: OpDef): string {
  return op.model.name ? `${op.model.name}:${op.name}` : op.name;
}

/**
 * The resources an operation requires (Guild's `deps_for_opdef` without the flag values), in
 * order; throws DepError with Guild's messages for an undefined or invalid one.
 */
export function opResources(op: OpDef, warn?: (m: string) => void): DepResource[] {
  return op.requires.map((dep) => {
    if (typeof dep === "string" || (isMap(dep) && "resource" in dep)) {
      const spec = typeof dep === "string" ? dep : pyStr(dep.resource!);
      let m = MODEL_RES.exec(spec);
      if (m) return namedResource(op.model, m[1]!, op, warn);
      m = GUILDFILE_RES.exec(spec);
      if (m) {
        const model = op.model.guildfile.models.find((x) => x.name === m![1]);
        if (!model) throw new DepError(`model '${m[1]}' in resource '${spec}' required by operation '${opName(op)}' is not defined`);
        return namedResource(model, m[2]!, op, warn);
      }
      if (PACKAGE_RES.test(spec)) {
        throw new DepError(`resource '${spec}' required by operation '${opName(op)}' is not installed`);
      }
      throw new DepError(`invalid dependency '${spec}' in operation '${opName(op)}'`);
    }
    const data = dep as PyMap;
    const coerced: PyMap = "sources" in data ? data : { sources: [data] };
    const name = "sources" in data && data.name !== undefined && data.name !== null ? pyStr(data.name) : null;
    return resourceFromData(name, coerced, op.model.guildfile.dir, warn);
  });
}

/** A source's unimplemented attributes and schemes: errors naming them (they change what runs). */
export function checkSupported(res: DepResource, op: OpDef): void {
  for (const s of res.sources) {
    if (s.scheme !== "operation" && s.scheme !== "file") {
      throw new DepError(
        `'${s.scheme}:' sources are not supported by guildts ('${s.resolvingName}' in ${res.resolvingName} resource required by operation '${opName(op)}')`,
      );
    }
  }
  const raw = res.data.sources;
  for (const src of Array.isArray(raw) ? raw : [raw]) {
    if (!isMap(src)) continue;
    for (const k of UNIMPLEMENTED_SOURCE_ATTRS) {
      if (k in src && pyTruthy(src[k]!) && !(k === "unpack" && src[k] === false)) {
        throw new DepError(`source attribute '${k}' is not supported by guildts (in ${res.resolvingName} resource)`);
      }
    }
  }
}

/** Guild's candidates for a source's flag: `flag-name`, else `name`, else the URI and its path. */
export function sourceFlagCandidates(s: DepSource): string[] {
  if (s.flagName) return [s.flagName];
  if (s.name) return [s.name];
  return [s.uri, s.uriPath];
}

/**
 * The flag of an `operation:` source (`run_impl._dep_source_flag_name`): the first candidate
 * that is a defined flag, else `flag-name`, `name` or the URI.
 */
export function depFlagName(s: DepSource, op: OpDef): string {
  for (const n of sourceFlagCandidates(s)) if (op.flags.some((f) => f.name === n)) return n;
  return (s.flagName || null) ?? s.name ?? s.uri;
}

/**
 * Guild's resource_flags plugin, at load: each `operation:` source (unless `flag-name: no`) gets a
 * string flag with `arg-skip` and no default, named by `flag-name`, `name` or the URI; an
 * existing flag of that name keeps its definition and gains `arg-skip`. Resources that cannot be
 * found are left for the run to report.
 */
export function applyResourceFlags(gf: Guildfile): void {
  for (const model of gf.models) {
    for (const op of model.operations) {
      let resources: DepResource[];
      try {
        resources = opResources(op);
      } catch {
        continue;
      }
      for (const res of resources) {
        for (const s of res.sources) {
          if (s.scheme !== "operation" || s.flagName === false) continue;
          const name = s.flagName || s.name || s.uri;
          const existing = op.flags.find((f) => f.name === name);
          if (existing) {
            if (existing.argSkip === null) existing.argSkip = true;
            continue;
          }
          op.flags.push(depFlagDef(name));
        }
      }
    }
  }
}

function depFlagDef(name: string): FlagDef {
  return {
    name,
    default: null,
    type: "string",
    choices: null,
    choiceDefs: [],
    required: false,
    description: "",
    alias: null,
    allowOther: false,
    min: null,
    max: null,
    nullLabel: null,
    argName: null,
    argSkip: true,
    argSwitch: null,
    argSplit: null,
    argEncoding: null,
    envName: null,
    envEncoding: null,
    distribution: null,
    // Guild's FlagDef keeps the generated `name` key as an extra attribute (the op attr's flags-extra).
    extra: { name },
  };
}

/** The operations an `operation:` source names (`A,B`), each `op`, `model:op` (no packages). */
export function sourceOpSpecs(s: DepSource): { model: string | null; op: string }[] {
  return s.uriPath
    .split(",")
    .map((p) => p.trim())
    .map((p) => {
      const i = p.lastIndexOf(":");
      return i < 0 ? { model: null, op: p } : { model: p.slice(0, i).replace(/^.*\//, "") || null, op: p.slice(i + 1) };
    });
}

/** Guild's `_opref_desc` for the specs of a source, comma-joined (`prepare`, `cls:prepare`). */
export function sourceOpDesc(s: DepSource): string {
  return sourceOpSpecs(s)
    .map((o) => (o.model ? `${o.model}:${o.op}` : o.op))
    .join(",");
}

/**
 * A dependency cycle through `operation:` sources among this guild file's operations, reached
 * from `op`: an error naming them (`train -> evaluate -> train`). An operation requiring itself
 * through an `optional` source (Guild's pattern for resuming from an earlier run) is no cycle.
 */
export function checkDepCycle(op: OpDef): void {
  const gf = op.model.guildfile;
  const ops = gf.models.flatMap((m) => m.operations);
  const find = (from: OpDef, spec: { model: string | null; op: string }): OpDef | undefined => {
    const model = spec.model === null ? from.model : gf.models.find((m) => m.name === spec.model);
    return model?.operations.find((o) => o.name === spec.op) ?? (spec.model === null ? undefined : undefined);
  };
  const edges = (from: OpDef): OpDef[] => {
    let resources: DepResource[];
    try {
      resources = opResources(from);
    } catch {
      return [];
    }
    const out: OpDef[] = [];
    for (const r of resources)
      for (const s of r.sources) {
        if (s.scheme !== "operation") continue;
        for (const spec of sourceOpSpecs(s)) {
          const to = find(from, spec);
          if (!to || (to === from && s.optional)) continue;
          out.push(to);
        }
      }
    return out;
  };
  const state = new Map<OpDef, 1 | 2>();
  const stack: OpDef[] = [];
  const visit = (o: OpDef): void => {
    state.set(o, 1);
    stack.push(o);
    for (const to of edges(o)) {
      if (state.get(to) === 1) {
        const cycle = [...stack.slice(stack.indexOf(to)), to].map(opName);
        throw new DepError(`dependency cycle in the guild file: ${cycle.join(" -> ")}`);
      }
      if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(o, 2);
  };
  if (ops.includes(op)) visit(op);
}
