/**
 * Guild files (spec §1): `guild.yml`, or a file named `MODELS` (the runs guide's name for a model
 * definition). Loads the two top-level forms, `include` items, `config` items, `extends`,
 * `params`, `operation-defaults` and `$include` in `operations`/`flags`, and checks the data the
 * way Guild's `guildfile` module does, with its messages.
 */
import fs from "node:fs";
import path from "node:path";
import { AttrDecodeError, decodeAttr, showInput, type AttrValue } from "@guildts/runstore";
import { applyResourceFlags } from "./deps.js";
import { compareCodePoints, isMap, pyRepr, pyStr, pyTruthy, type PyMap } from "@guildts/py";

/** File names tried in a directory, in order. */
export const GUILDFILE_NAMES = ["guild.yml", "MODELS"] as const;

const ALL_TYPES = ["config", "include", "model", "package"] as const;
const MODEL_TYPES = ["model", "config"] as const;

export interface FlagChoice {
  value: AttrValue;
  description: string;
  alias: AttrValue;
  /** Values this choice sets on the flags the user did not set. */
  flags: PyMap;
}

export interface FlagDef {
  name: string;
  /** The default value; `null` when the Guild file gives none (Guild's None). */
  default: AttrValue;
  type: string | null;
  /** The choice values, or null when the flag has no choices. */
  choices: AttrValue[] | null;
  /** The choices with their descriptions, aliases and flags (empty when none). */
  choiceDefs: FlagChoice[];
  required: boolean;
  description: string;
  alias: string | null;
  allowOther: boolean;
  min: AttrValue;
  max: AttrValue;
  nullLabel: string | null;
  /** `arg-name`: the `--NAME` used in the command. */
  argName: string | null;
  /** `arg-skip`; null when unset (the op's `default-flag-arg-skip` applies). */
  argSkip: boolean | null;
  /** `arg-switch`: pass a bare `--NAME` when the value equals it, else nothing; null when unset. */
  argSwitch: AttrValue;
  /** `arg-split`: true/`shlex` or a separator; null when unset. */
  argSplit: AttrValue;
  argEncoding: AttrValue;
  envName: string | null;
  envEncoding: AttrValue;
  distribution: AttrValue;
  /** Attributes Guild does not know (`flag.extra`). */
  extra: PyMap;
}

export interface OpDef {
  name: string;
  model: ModelDef;
  description: string;
  /** `main` (Python module spec and args); the op name when neither exec, main nor steps is set. */
  main: string | null;
  exec: string | null;
  steps: AttrValue;
  flags: FlagDef[];
  /**
   * Where flag values go (`args`, `globals`, `global:NAME`, `args:click`, ...): the op's
   * `flags-dest`, or for `main` ops what Guild's Python plugin infers from the script (argparse →
   * `args`, click → `args:click`, otherwise `globals`). Undefined for `exec` ops without one,
   * which Guild treats as `args`.
   */
  flagsDest?: string;
  flagsImport: AttrValue;
  /** Raw `output-scalars`: null when absent, false when disabled. */
  outputScalars: unknown;
  /** `output-scalars` as Guild keeps it (`_coerce_output_capture`): null, or a list ([] when disabled). */
  outputScalarsList: AttrValue[] | null;
  outputAttrs: unknown;
  /** Raw `sourcecode` (null when absent). */
  sourcecode: unknown;
  /** The `label` template, or null. */
  labelTemplate: string | null;
  isDefault: boolean;
  tags: string[];
  env: PyMap;
  envSecrets: AttrValue;
  requires: AttrValue[];
  pythonRequires: AttrValue;
  pythonPath: string[] | null;
  defaultFlagArgSkip: boolean;
  deleteOnSuccess: boolean;
  handleKeyboardInterrupt: boolean;
  stoppable: boolean;
  pipFreeze: AttrValue;
  objective: AttrValue;
  compare: AttrValue;
  runAttrs: AttrValue;
  plugins: string[] | null;
  /** The op's data after includes, inheritance and operation-defaults. */
  data: PyMap;
}

export interface ModelDef {
  /** "" for the anonymous model (operations at the top level). */
  name: string;
  description: string;
  isDefault: boolean;
  operations: OpDef[];
  guildfile: Guildfile;
  /** Raw `sourcecode` of the model (null when absent). */
  sourcecode: unknown;
  resources: PyMap;
  references: AttrValue[];
  pythonRequires: AttrValue;
  plugins: string[] | null;
  extra: PyMap;
  data: PyMap;
}

export interface Guildfile {
  /** Absolute path of the file. */
  path: string;
  dir: string;
  models: ModelDef[];
  /** md5 hex of the file bytes: Guild's opref `pkg_version`. */
  md5: string;
  /** The package name of a `package` item, if any. */
  packageName: string | null;
  /** The items after coercion and `include` expansion. */
  data: PyMap[];
}

/**
 * A problem in a guild file. `message` is `error in <file>: <place>: <problem>`; `guildMessage`
 * is Guild's own text (`error in <file>: <problem>`), which Guild logs as `ERROR: ...`.
 */
export class GuildfileError extends Error {
  override name = "GuildfileError";
  constructor(
    readonly file: string,
    readonly place: string,
    readonly problem: string,
  ) {
    super(`error in ${file}: ${place ? `${place}: ` : ""}${problem}`);
  }
  get guildMessage(): string {
    return `error in ${this.file}: ${this.problem}`;
  }
}

/**
 * Guild's `guild run` error line for a broken guild file in the project directory:
 * `guildfile in the current directory contains an error (see above for details)`.
 */
export function guildfileErrorSummary(e: GuildfileError, cwd: string): string {
  const target = path.basename(e.file) === "guild.yml" ? path.dirname(e.file) : e.file;
  const desc = path.resolve(target) === path.resolve(cwd) ? "the current directory" : `'${relDesc(target, cwd)}'`;
  return `guildfile in ${desc} contains an error (see above for details)`;
}

function relDesc(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  return rel.startsWith("..") || path.isAbsolute(rel) ? rel : `./${rel}`;
}

/** The model definition file in `dir`: `guild.yml`, else `MODELS`; null when there is none. */
export function findGuildfile(dir: string): string | null {
  for (const n of GUILDFILE_NAMES) {
    const p = path.join(dir, n);
    try {
      if (fs.statSync(p).isFile()) return path.resolve(p);
    } catch {
      // not here
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Loading

interface Ctx {
  file: string;
  dir: string;
}

function fail(ctx: Ctx, place: string, problem: string): never {
  throw new GuildfileError(ctx.file, place, problem);
}

function join(...parts: string[]): string {
  return parts.filter(Boolean).join(", ");
}

function readYaml(file: string, place: string, owner: Ctx): { data: AttrValue; bytes: Buffer } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return fail(owner, place, err.code === "ENOENT" ? `cannot read ${file}: no such file` : `cannot read ${file}: ${err.message}`);
  }
  try {
    return { data: decodeAttr(bytes.toString("utf8")), bytes };
  } catch (e) {
    if (e instanceof AttrDecodeError) {
      const line = yamlErrorLine(bytes.toString("utf8"));
      return fail({ file, dir: path.dirname(file) }, line ? `line ${line}` : "", `invalid YAML: ${e.message}`);
    }
    throw e;
  }
}

/** The first line at which the document stops being readable YAML (for error messages). */
function yamlErrorLine(text: string): number | null {
  const lines = text.split("\n");
  for (let n = 1; n <= lines.length; n++) {
    try {
      decodeAttr(lines.slice(0, n).join("\n"));
    } catch {
      return n;
    }
  }
  return null;
}

/**
 * At most this many guild files are expanded through `include` for one load, each inclusion
 * counted with what it includes in turn (a file included twice counts twice, with its includes):
 * a diamond of includes (each file including the next twice) grows as 2^depth.
 */
export const MAX_INCLUDED_FILES = 1000;
/** At most this many items copied from included files into including ones, over one load. */
export const MAX_INCLUDED_ITEMS = 1_000_000;

/** One load's include bookkeeping: each file read and checked once, the expansion counted. */
interface IncludeState {
  root: Ctx;
  /** Files expanded so far, with multiplicity. */
  expanded: number;
  /** Items copied so far. */
  copied: number;
  /** Each file's items, and how many file expansions one inclusion of it stands for. */
  files: Map<string, { items: PyMap[]; expansions: number }>;
}

/** Loads and checks a guild file; throws GuildfileError. */
export function loadGuildfile(file: string): Guildfile {
  const abs = path.resolve(file);
  const ctx: Ctx = { file: abs, dir: path.dirname(abs) };
  const { data, bytes } = readYaml(abs, "", ctx);
  const gf: Guildfile = {
    path: abs,
    dir: ctx.dir,
    models: [],
    md5: process.getBuiltinModule("node:crypto").createHash("md5").update(bytes).digest("hex"),
    packageName: null,
    data: [],
  };
  gf.data = loadItems(data, ctx, [abs], { root: ctx, expanded: 0, copied: 0, files: new Map() });
  applyItems(gf, ctx);
  applyResourceFlags(gf);
  return gf;
}

/** An include chain as a message names it: `guild.yml includes a.yml includes b.yml`, long ones cut. */
function chainText(chain: string[], root: Ctx): string {
  const names = chain.map((p) => path.relative(root.dir, p) || path.basename(p));
  const shown = names.length <= 10 ? names : [...names.slice(0, 5), "…", ...names.slice(-4)];
  return showInput(shown.join(" includes "), 1000);
}

/** Coerced, include-expanded items of a guild file's data. */
function loadItems(data: AttrValue, ctx: Ctx, included: string[], state: IncludeState): PyMap[] {
  const items = coerceGuildfileData(data, ctx);
  const out: PyMap[] = [];
  items.forEach((item, i) => {
    if (!isMap(item) || !("include" in item)) {
      out.push(item as PyMap);
      return;
    }
    for (const inc of item.include as AttrValue[]) {
      const ref = pyStr(inc);
      const incPath = path.resolve(ctx.dir, ref);
      if (!fs.existsSync(incPath)) {
        fail(
          ctx,
          itemPlace(item, i),
          `cannot find include '${ref}' (includes must be local to including Guild file or a Guild package on the system path)`,
        );
      }
      if (included.includes(incPath)) fail(ctx, itemPlace(item, i), `cycle in 'includes' (${[...included, incPath].join(" -> ")})`);
      const tooMuch = (what: string) => fail(ctx, itemPlace(item, i), `${chainText([...included, incPath], state.root)}: ${what}`);
      let file = state.files.get(incPath);
      if (file) state.expanded += file.expansions;
      else {
        const before = state.expanded;
        state.expanded += 1;
        if (state.expanded > MAX_INCLUDED_FILES) tooMuch(`more than ${MAX_INCLUDED_FILES} files expanded`);
        const incCtx: Ctx = { file: incPath, dir: path.dirname(incPath) };
        const { data: incData } = readYaml(incPath, itemPlace(item, i), ctx);
        const incItems = loadItems(incData, incCtx, [...included, incPath], state);
        // Guild builds a whole Guildfile for the included file, so its items are checked too
        // (once: a file included again gives the same items, which nothing changes).
        applyItems({ path: incPath, dir: incCtx.dir, models: [], md5: "", packageName: null, data: incItems }, incCtx);
        file = { items: incItems, expansions: state.expanded - before };
        state.files.set(incPath, file);
      }
      if (state.expanded > MAX_INCLUDED_FILES) tooMuch(`more than ${MAX_INCLUDED_FILES} files expanded`);
      state.copied += file.items.length;
      if (state.copied > MAX_INCLUDED_ITEMS) tooMuch(`more than ${MAX_INCLUDED_ITEMS} items expanded`);
      // A loop, not push(...items): a file of 200,000 items would overflow the call stack.
      for (const it of file.items) out.push(it);
    }
  });
  return out;
}

function itemPlace(item: AttrValue, i: number): string {
  if (isMap(item)) {
    for (const t of ["model", "config", "package"])
      if (typeof item[t] === "string") return item[t] === "" && t === "model" ? "operations" : `${t} '${item[t]}'`;
  }
  return `item ${i + 1}`;
}

// Coercion (guildfile._coerce_guildfile_data and friends) -------------------------------

function coerceGuildfileData(data: AttrValue, ctx: Ctx): AttrValue[] {
  if (data === null) return [];
  let items: AttrValue[];
  if (isMap(data)) items = [{ model: "", operations: data }];
  else if (Array.isArray(data)) items = data;
  else return fail(ctx, "top level", `invalid guildfile data ${pyRepr(data)}: expected a mapping`);
  return items.map((item, i) => {
    if (!isMap(item)) return item;
    const place = itemPlace(item, i);
    const coerced: PyMap = {};
    for (const [name, val] of Object.entries(item)) coerced[name] = coerceTopLevelAttr(name, val, ctx, place);
    if ("operations" in coerced && !MODEL_TYPES.some((t) => t in coerced)) coerced.model = "";
    return coerced;
  });
}

function coerceTopLevelAttr(name: string, val: AttrValue, ctx: Ctx, place: string): AttrValue {
  switch (name) {
    case "include":
    case "extends":
      return coerceStrToList(val, ctx, place, name);
    case "operations":
      return coerceOperations(val, ctx, place);
    case "flags":
      return coerceFlags(val, ctx, place);
    case "sourcecode":
      checkSelectFiles(val, ctx, join(place, "sourcecode"));
      return val;
    default:
      return val;
  }
}

function coerceStrToList(val: AttrValue, ctx: Ctx, place: string, name: string): AttrValue[] {
  if (typeof val === "string") {
    if (val.startsWith("[") && val.endsWith("]")) {
      try {
        const decoded = decodeAttr(val);
        if (Array.isArray(decoded)) return decoded;
        return fail(ctx, place, `invalid ${name} value ${pyRepr(val)}: expected a string or list`);
      } catch (e) {
        if (e instanceof AttrDecodeError) return fail(ctx, place, `invalid ${name} value ${pyRepr(val)}: ${e.message}`);
        throw e;
      }
    }
    return [val];
  }
  if (Array.isArray(val)) return val;
  if (val === null) return [];
  return fail(ctx, place, `invalid ${name} value ${pyRepr(val)}: expected a string or list`);
}

function coerceOperations(data: AttrValue, ctx: Ctx, place: string): PyMap {
  if (!isMap(data)) return fail(ctx, place, `invalid operations value ${pyRepr(data)}: expected a mapping`);
  const out: PyMap = {};
  for (const [opName, op] of Object.entries(data))
    out[opName] = coerceOperation(opName, op, ctx, join(place === "operations" ? "" : place, `operation '${opName}'`));
  return out;
}

function coerceOperation(name: string, data: AttrValue, ctx: Ctx, place: string): AttrValue {
  if (name === "$include") return data;
  if (typeof data === "string") return { main: data };
  if (isMap(data)) {
    const out: PyMap = {};
    for (const [attr, val] of Object.entries(data)) out[attr] = coerceOperationAttr(attr, val, ctx, place);
    return out;
  }
  // Guild's message has the value and the name the other way round.
  return fail(ctx, place, `invalid value for operation '${pyStr(data)}' ${pyRepr(name)}: expected a string or a mapping`);
}

function coerceOperationAttr(name: string, val: AttrValue, ctx: Ctx, place: string): AttrValue {
  switch (name) {
    case "flags":
      return coerceFlags(val, ctx, place);
    case "flags-import":
      if (val === true || val === "all") return true;
      if (val === false) return [];
      if (Array.isArray(val)) return val;
      return fail(ctx, place, `invalid flags-import value ${pyRepr(val)}: expected yes/all, no, or a list of flag names`);
    case "python-path":
      return val === null ? null : coerceStrToList(val, ctx, place, "python-path");
    case "output-scalars":
    case "output-attrs":
      coerceOutputCapture(val, ctx, place, name);
      return val;
    case "sourcecode":
      checkSelectFiles(val, ctx, join(place, "sourcecode"));
      return val;
    default:
      return val;
  }
}

function coerceFlags(data: AttrValue, ctx: Ctx, place: string): PyMap {
  if (!isMap(data)) return fail(ctx, place, `invalid flags value ${pyRepr(data)}: expected a mapping`);
  const out: PyMap = {};
  for (const [name, val] of Object.entries(data)) out[name] = coerceFlagData(name, val);
  return out;
}

/**
 * `guildfile.coerce_flag_data`: a scalar, list or null is the flag's default. (Guild's error for
 * other values, `invalid value for NAME flag ...: expected a mapping of flag attributes or default
 * flag value`, cannot happen with the values YAML gives here.)
 */
function coerceFlagData(name: string, data: AttrValue): AttrValue {
  if (name === "$include" || isMap(data)) return data;
  return { default: data };
}

/** `guildfile._coerce_output_capture`: null, or the list form. */
function coerceOutputCapture(data: unknown, ctx: Ctx | null, place: string, attr: string): AttrValue[] | null {
  const v = data as AttrValue;
  if (v === null || v === undefined) return null;
  if (v === false) return [];
  if (typeof v === "string" || isMap(v)) return [v];
  if (Array.isArray(v)) return v;
  if (!ctx) return null;
  return fail(ctx, place, `invalid ${attr} ${pyRepr(v)}: expected a mapping, list, string, or false`);
}

function checkSelectFiles(data: AttrValue, ctx: Ctx, place: string): void {
  if (data === null || data === false || typeof data === "string") return;
  if (Array.isArray(data)) {
    if (data.length === 0) return;
    for (const item of data) {
      if (typeof item === "string") continue;
      if (!isMap(item)) fail(ctx, place, `invalid sourcecode ${pyRepr(item)}: expected a string or mapping`);
      checkSelectSpec(item, ctx, place);
    }
    return;
  }
  if (isMap(data)) {
    const select = data.select ?? null;
    checkSelectFiles(select, ctx, place);
    if (select !== null && select !== false && !Array.isArray(select) && typeof select !== "string") {
      fail(ctx, place, `invalid file select spec ${pyRepr(select)}: expected a list or no/off`);
    }
    return;
  }
  fail(ctx, place, `invalid select files spec ${pyRepr(data)}: expected a string, list, or mapping`);
}

function checkSelectSpec(spec: PyMap, ctx: Ctx, place: string): void {
  const hasInc = "include" in spec;
  const hasExc = "exclude" in spec;
  if (hasInc && hasExc) {
    fail(
      ctx,
      place,
      `invalid file select spec ${pyRepr(spec)}: cannot include both include and exclude - use multiple select specs in the order you want to apply the filters`,
    );
  }
  if (!hasInc && !hasExc) fail(ctx, place, `unsupported file select spec: ${pyRepr(spec)}`);
  const name = hasInc ? "include" : "exclude";
  const config = spec[name]!;
  if (typeof config === "string" || Array.isArray(config)) return;
  if (isMap(config) && ["dir", "text", "binary"].some((t) => t in config)) return;
  fail(ctx, place, `unsupported ${name} value: ${pyRepr(config)}`);
}

// Items, models, extends, params, includes -----------------------------------------------

function applyItems(gf: Guildfile, ctx: Ctx): void {
  const names = new Set<string>();
  let pkg = false;
  gf.data.forEach((item, i) => {
    const used = isMap(item) ? ALL_TYPES.filter((t) => t in item) : [];
    const place = itemPlace(item, i);
    if (!used.length) fail(ctx, place, `missing required type (one of: ${ALL_TYPES.join(", ")}) in ${pyRepr(item)}`);
    if (used.length > 1) fail(ctx, place, `multiple types (${used.join(", ")}) in ${pyRepr(item)}`);
    const type = used[0]!;
    const name = item[type];
    // Guild's message has a stray '$'.
    if (typeof name !== "string") fail(ctx, place, `invalid ${type} name $${pyRepr(name)}: expected a string`);
    if (type === "model") {
      if (names.has(name)) fail(ctx, place, `duplicate model '${name}'`);
      names.add(name);
      gf.models.push(buildModel(name, item, gf, ctx));
    } else if (type === "package") {
      if (pkg) fail(ctx, place, "mutiple package definitions");
      pkg = true;
      gf.packageName = name;
    }
  });
}

function deepCopy(v: AttrValue): AttrValue {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isMap(v)) {
    const out: PyMap = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepCopy(x);
    return out;
  }
  return v;
}

function itemName(item: PyMap): AttrValue | undefined {
  for (const t of MODEL_TYPES) if (t in item) return item[t];
  return undefined;
}

function modelPlace(name: string): string {
  return name === "" ? "" : `model '${name}'`;
}

function extendedData(data: PyMap, gf: Guildfile, ctx: Ctx, seen: string[], place: string, resolveParams: boolean): PyMap {
  const extendsList = (data.extends as AttrValue[] | undefined) ?? [];
  // A copy only when parents are merged into it: nothing else changes the data, and a copy of
  // 200,000 operations is hundreds of megabytes.
  let out = extendsList.length ? (deepCopy(data) as PyMap) : data;
  for (const ref of extendsList) {
    const name = pyStr(ref);
    if (seen.includes(name)) fail(ctx, place, `cycle in 'extends' (${[...seen, name].join(" -> ")})`);
    const parent = parentData(name, gf, ctx, seen, place);
    applyParentData(parent, out, [
      "description",
      "extra",
      "flags",
      "operation-defaults",
      "operations",
      "params",
      "references",
      "resources",
      "sourcecode",
    ]);
  }
  if (resolveParams) {
    const params = paramValues(out);
    // With no params every `{{name}}` stays as written: resolving would only copy the tree.
    if (Object.keys(params).length) out = resolveParamRefs(out, params) as PyMap;
  }
  return out;
}

/**
 * The extended data of each model or config a guild file's `extends` name, computed once: a
 * diamond of `extends` (two parents with a common ancestor, many levels deep) would otherwise be
 * expanded once per path to the ancestor. Only read afterwards (applyParentData copies).
 */
const parentMemo = new WeakMap<Guildfile, Map<string, PyMap>>();

function parentData(name: string, gf: Guildfile, ctx: Ctx, seen: string[], place: string): PyMap {
  let memo = parentMemo.get(gf);
  if (!memo) parentMemo.set(gf, (memo = new Map()));
  const known = memo.get(name);
  if (known) return known;
  const data = parentDataOnce(name, gf, ctx, seen, place);
  memo.set(name, data);
  return data;
}

function parentDataOnce(name: string, gf: Guildfile, ctx: Ctx, seen: string[], place: string): PyMap {
  if (name.includes("/")) {
    const [pkg, modelName] = [name.slice(0, name.indexOf("/")), name.slice(name.indexOf("/") + 1)];
    if (!modelName) fail(ctx, place, `invalid model or config reference '${name}': missing model name`);
    // Guild looks for packages on the Python path; there are none here.
    return fail(ctx, place, `cannot find Guild file for package '${pkg}'`);
  }
  const item = gf.data.find((it) => isMap(it) && itemName(it) === name);
  if (!item) return fail(ctx, place, `undefined model or config '${name}'`);
  return extendedData(item, gf, ctx, [...seen, name], place, false);
}

function applyParentData(parent: AttrValue, child: AttrValue, attrs?: string[]): void {
  if (!isMap(parent) || !isMap(child)) return;
  for (const [name, val] of Object.entries(parent)) {
    if (attrs && !attrs.includes(name)) continue;
    if (!(name in child)) child[name] = deepCopy(val);
    else applyParentData(val, child[name]!);
  }
}

const PARAM_P = /({{.*?}})/;

function paramValues(data: PyMap): PyMap {
  const params = isMap(data.params) ? data.params : {};
  const out: PyMap = {};
  // guildfile._resolve_param: resolve until a value repeats. A non-string result is resolved
  // again as its str(), so a param that refers to a number ends up a string, as in Guild.
  const key = (v: AttrValue) => (typeof v === "string" ? `s:${v}` : `v:${pyRepr(v)}`);
  for (const name of Object.keys(params)) {
    let val: AttrValue = params[name]!;
    if (typeof val === "string") {
      const seen = new Set<string>([key(val)]);
      for (let i = 0; i < 100; i++) {
        val = resolveStrParamRefs(pyStr(val), params);
        if (seen.has(key(val))) break;
        seen.add(key(val));
      }
    }
    out[name] = val;
  }
  return out;
}

function resolveParamRefs(val: AttrValue, params: PyMap): AttrValue {
  if (isMap(val)) {
    const out: PyMap = {};
    for (const [k, v] of Object.entries(val)) out[k] = resolveParamRefs(v, params);
    return out;
  }
  if (Array.isArray(val)) return val.map((v) => resolveParamRefs(v, params));
  if (typeof val === "string") return resolveStrParamRefs(val, params);
  return val;
}

function resolveStrParamRefs(s: string, params: PyMap): AttrValue {
  const parts = s.split(PARAM_P).filter((p) => p !== "");
  const resolved = parts.map((part): AttrValue => {
    if (!(part.startsWith("{{") && part.endsWith("}}"))) return part;
    const ref = part.slice(2, -2).trim();
    return ref in params ? params[ref]! : part;
  });
  if (resolved.length === 1) return resolved[0]!;
  return resolved.map((p) => pyStr(p)).join("");
}

const INCLUDE_REF_P1 = /^([^:#]*):([^#]+)(?:#(.+))?/;
const INCLUDE_REF_P2 = /^([^:#]+)(?:#(.+))?/;

/** `guildfile._resolve_includes`: a section (`operations`, `flags`) with `$include` refs merged in. */
function resolveIncludes(data: PyMap, section: string, gf: Guildfile, ctx: Ctx, place: string): PyMap {
  const resolved: PyMap = {};
  const seen = new Set<string>();
  const sectionData = data[section];
  applySectionData(isMap(sectionData) ? sectionData : {}, section, gf, ctx, place, seen, resolved);
  return resolved;
}

function applySectionData(data: PyMap, section: string, gf: Guildfile, ctx: Ctx, place: string, seen: Set<string>, resolved: PyMap): void {
  const names = Object.keys(data).sort((a, b) => (a === "$include" ? -1 : b === "$include" ? 1 : compareCodePoints(a, b)));
  for (const name of names) {
    if (name !== "$include") {
      const val = data[name]!;
      const cur = resolved[name];
      if (isMap(val) && isMap(cur)) Object.assign(cur, val);
      else resolved[name] = isMap(val) ? { ...val } : val;
      continue;
    }
    for (const refVal of coerceStrToList(data[name]!, ctx, place, "$include")) {
      const ref = pyStr(refVal);
      if (seen.has(ref)) break;
      seen.add(ref);
      let model: string;
      let op: string | undefined;
      let attrs: string | undefined;
      const m1 = INCLUDE_REF_P1.exec(ref);
      const m2 = m1 ? null : INCLUDE_REF_P2.exec(ref);
      if (m1) [model, op, attrs] = [m1[1]!, m1[2], m1[3]];
      else if (m2) [model, attrs] = [m2[1]!, m2[2]];
      else
        fail(
          ctx,
          place,
          `invalid include reference '${ref}': operation references must be specified as CONFIG[#ATTRS] or MODEL:OPERATION[#ATTRS]`,
        );
      let incData = findIncludeData(model, op, section, gf);
      if (incData === null) fail(ctx, place, `invalid include reference '${ref}': cannot find target`);
      if (attrs) {
        const filtered: PyMap = {};
        // Guild tests `name in attrs` on the attrs string.
        for (const k of Object.keys(incData)) if (attrs.includes(k)) filtered[k] = incData[k]!;
        incData = filtered;
      }
      applySectionData(incData, section, gf, ctx, place, seen, resolved);
    }
  }
}

function findIncludeData(model: string, op: string | undefined, section: string, gf: Guildfile): PyMap | null {
  for (const item of gf.data) {
    if (!isMap(item) || itemName(item) !== model) continue;
    if (op) {
      const ops = item.operations;
      const opData = isMap(ops) ? ops[op] : undefined;
      if (opData === undefined || opData === null) continue;
      const sec = isMap(opData) ? opData[section] : null;
      return isMap(sec) ? sec : {};
    }
    const sec = item[section];
    return isMap(sec) ? sec : {};
  }
  return null;
}

function strOrNull(v: AttrValue | undefined): string | null {
  return v === undefined || v === null ? null : pyStr(v);
}

function buildModel(name: string, item: PyMap, gf: Guildfile, ctx: Ctx): ModelDef {
  const place = modelPlace(name);
  const data = extendedData(item, gf, ctx, [], place, true);
  const model: ModelDef = {
    name,
    description: pyStr(data.description || "").trim(),
    isDefault: pyTruthy(data.default),
    operations: [],
    guildfile: gf,
    sourcecode: data.sourcecode ?? null,
    resources: isMap(data.resources) ? data.resources : {},
    references: Array.isArray(data.references) ? data.references : [],
    pythonRequires: data["python-requires"] ?? null,
    plugins: initPlugins(data.plugins, ctx, place),
    extra: isMap(data.extra) ? data.extra : {},
    data,
  };
  let opDefaults: PyMap = {};
  if (pyTruthy(data["operation-defaults"])) {
    const coerced = coerceOperation("operation-defaults", data["operation-defaults"]!, ctx, join(place, "operation-defaults"));
    opDefaults = isMap(coerced) ? coerced : {};
  }
  const ops = resolveIncludes(data, "operations", gf, ctx, place);
  for (const opName of Object.keys(ops).sort(compareCodePoints)) {
    model.operations.push(buildOp(opName, ops[opName]!, model, opDefaults, ctx, join(place, `operation '${opName}'`)));
  }
  return model;
}

function initPlugins(data: AttrValue | undefined, ctx: Ctx, place: string): string[] | null {
  if (data === undefined || data === null || data === true) return null;
  if (data === false) return [];
  return coerceStrToList(data, ctx, place, "plugins").map((p) => pyStr(p));
}

function buildOp(name: string, raw: AttrValue, model: ModelDef, opDefaults: PyMap, ctx: Ctx, place: string): OpDef {
  if (!isMap(raw)) return fail(ctx, place, `invalid operation def ${pyRepr(raw)}: expected a mapping`);
  const data: PyMap = { ...raw };
  for (const k of Object.keys(opDefaults)) if (!(k in data)) data[k] = deepCopy(opDefaults[k]!);
  const flagsData = resolveIncludes(data, "flags", model.guildfile, ctx, place);
  const flags = Object.keys(flagsData)
    .sort(compareCodePoints)
    .map((f) => buildFlag(f, flagsData[f]!, ctx, join(place, `flag '${f}'`)));
  const exec = pyTruthy(data.exec) ? pyStr(data.exec) : null;
  let main = pyTruthy(data.main) ? pyStr(data.main) : "notebook" in data ? `guild.plugins.nbexec ${pyStr(data.notebook)}` : null;
  const steps = data.steps ?? null;
  if (pyTruthy(steps) && !Array.isArray(steps)) fail(ctx, place, `invalid steps data ${pyRepr(steps)}: expected a list`);
  // The Python plugin: an op with neither exec, main nor steps runs the module named after it.
  if (!exec && !main && !pyTruthy(steps)) main = name.replace(/\.py$/i, "").replaceAll("-", "_");
  if ("optimizer" in data && "optimizers" in data) {
    fail(ctx, place, `conflicting optimizer configuration in operation '${name}' - cannot define both 'optimizer' and 'optimizers'`);
  }
  const requires = data.requires;
  const deps = !pyTruthy(requires) ? [] : Array.isArray(requires) ? requires : [requires!];
  for (const dep of deps) {
    if (typeof dep !== "string" && !isMap(dep)) fail(ctx, place, `invalid dependency value ${pyRepr(dep)}: expected a string or mapping`);
  }
  const declaredDest = strOrNull(data["flags-dest"]);
  const op: OpDef = {
    name,
    model,
    description: pyStr(data.description || "").trim(),
    main,
    exec,
    steps,
    flags,
    flagsImport: data["flags-import"] ?? null,
    outputScalars: data["output-scalars"] ?? null,
    outputScalarsList: coerceOutputCapture(data["output-scalars"], ctx, place, "output-scalars"),
    outputAttrs: data["output-attrs"] ?? null,
    sourcecode: data.sourcecode ?? null,
    labelTemplate: strOrNull(data.label),
    isDefault: pyTruthy(data.default),
    tags: coerceStrToList(data.tags ?? null, ctx, place, "tags").map((t) => pyStr(t)),
    env: isMap(data.env) ? data.env : {},
    envSecrets: data["env-secrets"] ?? null,
    requires: deps,
    pythonRequires: data["python-requires"] ?? null,
    pythonPath: Array.isArray(data["python-path"]) ? data["python-path"].map((p) => pyStr(p)) : null,
    defaultFlagArgSkip: pyTruthy(data["default-flag-arg-skip"]),
    deleteOnSuccess: pyTruthy(data["delete-on-success"]),
    handleKeyboardInterrupt: pyTruthy(data["handle-keyboard-interrupt"]),
    stoppable: pyTruthy(data.stoppable),
    pipFreeze: data["pip-freeze"] ?? null,
    objective: data.objective ?? null,
    compare: data.compare ?? null,
    runAttrs: data["run-attrs"] ?? null,
    plugins: initPlugins(data.plugins, ctx, place),
    data,
  };
  const dest = declaredDest ?? (exec ? null : main ? inferFlagsDest(main, op, model) : null);
  if (dest !== null) op.flagsDest = dest;
  return op;
}

/**
 * Guild's Python plugin chooses `flags-dest` for a `main` op from its script: `args` when it
 * imports argparse, `args:click` when it imports click, otherwise (or when the script is not
 * found) `globals`.
 */
function inferFlagsDest(main: string, op: OpDef, model: ModelDef): string {
  const spec = main.trim().split(/\s+/)[0] ?? "";
  const slash = spec.lastIndexOf("/");
  const prefix = slash >= 0 ? spec.slice(0, slash) : "";
  const modPath = (slash >= 0 ? spec.slice(slash + 1) : spec).replaceAll(".", "/");
  const roots = op.pythonPath ?? [
    typeof model.sourcecode === "object" && isMap(model.sourcecode as AttrValue) && typeof (model.sourcecode as PyMap).root === "string"
      ? ((model.sourcecode as PyMap).root as string)
      : ".",
  ];
  for (const root of roots) {
    for (const candidate of [`${modPath}.py`, `${modPath}/__main__.py`]) {
      const file = path.join(model.guildfile.dir, root, prefix, candidate);
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch {
        continue;
      }
      if (/^[ \t]*(?:import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*argparse\b|from[ \t]+argparse[ \t]+import\b)/m.test(text)) return "args";
      if (/^[ \t]*(?:import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*click\b|from[ \t]+click[ \t]+import\b)/m.test(text)) return "args:click";
      return "globals";
    }
  }
  return "globals";
}

const FLAG_ATTRS = [
  "default",
  "description",
  "type",
  "required",
  "alias",
  "arg-name",
  "arg-encoding",
  "arg-skip",
  "arg-switch",
  "arg-split",
  "choices",
  "allow-other",
  "env-name",
  "env-encoding",
  "null-label",
  "min",
  "max",
  "distribution",
];

function buildFlag(name: string, data: AttrValue, ctx: Ctx, place: string): FlagDef {
  if (!isMap(data)) return fail(ctx, place, `invalid flag data ${pyRepr(data)}: expected a mapping`);
  const choicesData = data.choices ?? null;
  let choiceDefs: FlagChoice[] = [];
  if (pyTruthy(choicesData)) {
    if (!Array.isArray(choicesData))
      fail(ctx, place, `invalid flag choice data ${pyRepr(choicesData)}: expected a list of values or mappings`);
    choiceDefs = (choicesData as AttrValue[]).map((c, i) => {
      if (!isMap(c)) return { value: c, description: "", alias: null, flags: {} };
      if (!("value" in c)) fail(ctx, join(place, `choice ${i + 1}`), `missing required 'value' attribute in ${pyRepr(c)}`);
      return {
        value: c.value!,
        description: pyStr(c.description || ""),
        alias: c.alias ?? null,
        flags: isMap(c.flags) ? c.flags : {},
      };
    });
  }
  const extra: PyMap = {};
  for (const [k, v] of Object.entries(data)) if (!FLAG_ATTRS.includes(k)) extra[k] = v;
  const argSkip = data["arg-skip"];
  return {
    name,
    default: data.default ?? null,
    type: strOrNull(data.type),
    choices: choiceDefs.length ? choiceDefs.map((c) => c.value) : null,
    choiceDefs,
    required: pyTruthy(data.required),
    description: pyStr(data.description || ""),
    alias: strOrNull(data.alias),
    allowOther: pyTruthy(data["allow-other"]),
    min: data.min ?? null,
    max: data.max ?? null,
    nullLabel: strOrNull(data["null-label"]),
    argName: strOrNull(data["arg-name"]),
    argSkip: argSkip === undefined || argSkip === null ? null : pyTruthy(argSkip),
    argSwitch: data["arg-switch"] ?? null,
    argSplit: data["arg-split"] ?? null,
    argEncoding: data["arg-encoding"] ?? null,
    envName: strOrNull(data["env-name"]),
    envEncoding: data["env-encoding"] ?? null,
    distribution: data.distribution ?? null,
    extra,
  };
}

/** `model:op`, or `op` for the anonymous model. */
export function opFullname(op: OpDef): string {
  return op.model.name ? `${op.model.name}:${op.name}` : op.name;
}
