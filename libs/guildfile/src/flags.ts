/**
 * Flag values for a run (spec §3.1, §3.3, §3.4, §4.6): `NAME=VALUE` arguments, defaults,
 * coercion to the declared type, Guild's checks and messages, the `--name value` arguments, the
 * `FLAG_*` environment and labels.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeAttr, encodeAttr, type AttrValue } from "@guildts/runstore";
import { opFullname, type FlagDef, type OpDef } from "./guildfile.js";
import {
  asFloat,
  compareCodePoints,
  isFloat,
  isMap,
  isNumber,
  numeric,
  parsePyFloat,
  parsePyInt,
  pyEquals,
  pyPercent,
  pyRepr,
  pyStr,
  pyTruthy,
  pyTypeName,
  encodeFlagVal,
  encodeYamlFlow,
} from "@guildts/py";
import { FlagError } from "./errors.js";
import { argEncode, decodeFlagValue, isFlagFunction, labelFlagValue, splitEncoded, joinSplittable, type Warn } from "./values.js";
export { FlagError };

export interface ResolveFlagsOptions {
  /** `--force-flags`: accept flags the op does not define, skip the checks. */
  force?: boolean;
  /** Directory relative `path`/`existing-path` values are made absolute against (default: process cwd). */
  cwd?: string;
  /** Receives Guild's warnings (unknown flag types, sequence function errors). */
  warn?: Warn;
}

/** A Guild-style two-column table (`cli.table`): the first column padded, two spaces apart. */
function table(rows: [string, string][], indent: number): string[] {
  let w = 0;
  for (const [a] of rows) w = Math.max(w, a.length);
  return rows.map(([a, b]) => `${" ".repeat(indent)}${a.padEnd(w + 2)}${b}`);
}

function expandUser(arg: string): string {
  if (arg === "~" || arg.startsWith("~/")) return os.homedir() + arg.slice(1);
  return arg;
}

/**
 * Parses `NAME=VALUE` arguments (spec §3.1): split at the first `=`, `~` expanded, each value
 * decoded with the named flag's type (`decode_flag_val`). Arguments without `=` are an error
 * listing each of them.
 */
export function parseFlagAssigns(op: OpDef | null, assigns: string[], warn?: Warn): Record<string, AttrValue> {
  const types = new Map((op?.flags ?? []).map((f) => [f.name, f.type]));
  const out: Record<string, AttrValue> = {};
  const bad = new Set<string>();
  for (const raw of assigns) {
    if (raw.startsWith("@")) throw new FlagError(`batch files are not supported (${raw})`);
    const arg = expandUser(raw);
    const eq = arg.indexOf("=");
    if (eq < 0) {
      bad.add(arg);
      continue;
    }
    const name = arg.slice(0, eq);
    out[name] = decodeFlagValue(arg.slice(eq + 1), types.get(name) ?? null, warn);
  }
  if (bad.size) throw new FlagError(`invalid argument(s):\n${[...bad].join("\n")}\nexpected NAME=VAL`);
  return out;
}

class CoerceError extends Error {}

const typeError = (type: string | null) => new CoerceError(`invalid value for type '${type}'`);

function coerceTyped(v: AttrValue, flag: FlagDef, cwd: string, warn: Warn | undefined): AttrValue {
  switch (flag.type) {
    case "string":
      return pyStr(v);
    case "int": {
      if (isFloat(v)) throw typeError(flag.type);
      if (typeof v === "boolean") return v ? 1 : 0;
      if (isNumber(v)) return v;
      if (typeof v === "string") {
        const n = parsePyInt(v);
        if (n === null) throw typeError(flag.type);
        return n;
      }
      throw new CoerceError(`int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
    }
    case "float": {
      const n = numeric(v);
      if (n !== null) return asFloat(n);
      if (typeof v === "string") {
        const x = parsePyFloat(v);
        if (x === null) throw typeError(flag.type);
        return asFloat(x);
      }
      throw new CoerceError(`float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
    }
    case "boolean":
      return pyTruthy(v);
    case "number": {
      if (isNumber(v) || typeof v === "boolean") return v;
      if (typeof v === "string") {
        const i = parsePyInt(v);
        if (i !== null) return i;
        const x = parsePyFloat(v);
        if (x !== null) return asFloat(x);
        throw typeError(flag.type);
      }
      throw new CoerceError(`int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
    }
    case "path":
    case "existing-path": {
      if (typeof v !== "string") throw new CoerceError(`expected str, bytes or os.PathLike object, not ${pyTypeName(v)}`);
      const p = expandUser(v);
      return p && !path.isAbsolute(p) ? path.resolve(cwd, p) : p;
    }
    default:
      warn?.(`unknown flag type '${flag.type}' for ${flag.name} - cannot coerce`);
      return v;
  }
}

/** Guild's `coerce_flag_value` (spec §3.3 step 3): the value converted to the flag's type. */
export function coerceFlagValue(flag: FlagDef, v: AttrValue, opts: { cwd?: string; warn?: Warn } = {}): AttrValue {
  if (v === null || !flag.type || flag.type === "auto" || isFlagFunction(v)) return v;
  if (Array.isArray(v)) return v.map((x) => coerceFlagValue(flag, x, opts));
  const cwd = opts.cwd ?? process.cwd();
  if (pyTruthy(flag.argSplit)) {
    const encoded = typeof v === "string" ? v : encodeFlagVal(v);
    const parts = splitEncoded(encoded, flag.argSplit).map((p) => coerceTyped(p, flag, cwd, opts.warn));
    return joinSplittable(parts, flag.argSplit);
  }
  return coerceTyped(v, flag, cwd, opts.warn);
}

function checkChoice(v: AttrValue, flag: FlagDef): void {
  if (!pyTruthy(v) || flag.allowOther || !flag.choiceDefs.length) return;
  for (const c of flag.choiceDefs) {
    if (pyTruthy(c.alias) && pyEquals(v, c.alias)) return;
    if (pyEquals(c.value, v)) return;
  }
  const rows = table(
    flag.choiceDefs.map((c) => [encodeFlagVal(c.value), c.description]),
    2,
  );
  throw new FlagError(
    `Unsupported value for '${flag.name}' - supported values are:\n\n${rows.join("\n")}\n\nRun the command again using one of these options.`,
    true,
  );
}

function invalidValue(v: AttrValue, flag: FlagDef, msg: string): FlagError {
  return new FlagError(`invalid value ${pyStr(v)} for ${flag.name}: ${msg}`);
}

function compareValues(a: AttrValue, b: AttrValue): number | null {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== null && nb !== null) return na - nb;
  if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
  return null;
}

function checkValue(v: AttrValue, flag: FlagDef): void {
  if (Array.isArray(v)) {
    for (const x of v) checkValue(x, flag);
    return;
  }
  if (pyTruthy(flag.argSplit) && v !== null) {
    const encoded = typeof v === "string" ? v : encodeFlagVal(v);
    for (const part of splitEncoded(encoded, flag.argSplit)) checkOne(decodeFlagValue(part), flag);
    return;
  }
  checkOne(v, flag);
}

function checkOne(v: AttrValue, flag: FlagDef): void {
  if (isFlagFunction(v)) return;
  checkChoice(v, flag);
  if (flag.type === "existing-path" && pyTruthy(v) && !fs.existsSync(pyStr(v))) throw invalidValue(v, flag, `${pyStr(v)} does not exist`);
  if (v === null) return;
  // Python compares numbers with numbers and strings with strings; Guild fails on other mixes.
  if (flag.min !== null) {
    const c = compareValues(v, flag.min);
    if (c !== null && c < 0) throw invalidValue(v, flag, `out of range (less than min ${pyStr(flag.min)})`);
  }
  if (flag.max !== null) {
    const c = compareValues(v, flag.max);
    if (c !== null && c > 0) throw invalidValue(v, flag, `out of range (greater than max ${pyStr(flag.max)})`);
  }
}

/**
 * The flag values of a run (`op_util.flag_vals_for_opdef`, spec §3.3): `assigns` are the
 * `NAME=VALUE` arguments. `userFlags` are the values as decoded from the arguments (Guild's
 * `user_flags` attr); `flags` are the final values: aliases renamed, defaults added, values
 * coerced, choices checked (a choice given by alias replaced by its value, a choice's `flags`
 * applied to the flags the user did not set). Errors are FlagError with Guild's messages.
 */
export function resolveFlags(
  op: OpDef,
  assigns: string[],
  opts: ResolveFlagsOptions = {},
): { flags: Record<string, AttrValue>; userFlags: Record<string, AttrValue> } {
  const userFlags = parseFlagAssigns(op, assigns, opts.warn);
  const force = opts.force === true;
  const vals: Record<string, AttrValue> = { ...userFlags };
  for (const f of op.flags) {
    if (!f.alias || !(f.alias in vals)) continue;
    if (f.name in vals && !force) {
      // Guild's message has the two names the other way round.
      throw new FlagError(
        `cannot specify both alias ${pyRepr(f.name)} and name for flag ${pyRepr(f.alias)}\nUse --force-flags to skip this check.`,
      );
    }
    const v = vals[f.alias]!;
    delete vals[f.alias];
    vals[f.name] = v;
  }
  for (const f of op.flags) if (!(f.name in vals)) vals[f.name] = f.default;
  const defs = new Map(op.flags.map((f) => [f.name, f]));
  for (const name of Object.keys(vals)) {
    const f = defs.get(name);
    if (!f) continue;
    try {
      vals[name] = coerceFlagValue(f, vals[name]!, opts);
    } catch (e) {
      if (!(e instanceof CoerceError)) throw e;
      if (!force) throw invalidValue(vals[name]!, f, e.message);
    }
  }
  if (!force) {
    for (const name of Object.keys(vals)) {
      if (!defs.has(name)) {
        throw new FlagError(
          `unsupported flag '${name}'\nTry 'guild run ${opFullname(op)} --help-op' for a list of flags or use --force-flags to skip this check.`,
          false,
          { typed: name, names: op.flags.map((f) => f.name) },
        );
      }
    }
    for (const f of op.flags) checkValue(vals[f.name] ?? null, f);
    const missing = op.flags.filter((f) => f.required && (vals[f.name] === null || vals[f.name] === undefined || vals[f.name] === ""));
    if (missing.length) {
      const rows = table(
        missing.map((f) => [f.name, f.description.split("\n")[0]!]),
        2,
      );
      throw new FlagError(
        `Operation requires the following missing flags:\n\n${rows.join("\n")}\n\nRun the command again with these flags or try 'guild run ${op.name} --help-op' for help.`,
        true,
      );
    }
  }
  for (const f of op.flags) {
    const v = vals[f.name];
    if (!f.choiceDefs.length || v === null || v === undefined) continue;
    for (const c of f.choiceDefs) {
      if (!pyEquals(pyTruthy(c.alias) ? c.alias : c.value, v)) continue;
      if (pyTruthy(c.alias)) vals[f.name] = c.value;
      for (const [name, cv] of Object.entries(c.flags)) {
        if (userFlags[name] === undefined || userFlags[name] === null) vals[name] = cv;
      }
    }
  }
  return { flags: vals, userFlags };
}

// ---------------------------------------------------------------------------------------
// Command arguments and environment

function isYamlDest(dest: string): boolean {
  return dest === "globals" || ["global:", "dict:", "namespace:"].some((p) => dest.startsWith(p));
}

function encodingFor(map: AttrValue, v: AttrValue): string | undefined {
  if (!isMap(map)) return undefined;
  const key =
    v === true ? "true" : v === false ? "false" : v === null ? "null" : typeof v === "string" ? v : isNumber(v) ? pyStr(v) : undefined;
  if (key === undefined || !(key in map)) return undefined;
  return pyStr(map[key]!);
}

function encodeArg(v: AttrValue, dest: string, flag: FlagDef | undefined): string {
  const mapped = flag ? encodingFor(flag.argEncoding, v) : undefined;
  if (mapped !== undefined) return mapped;
  return isYamlDest(dest) ? encodeYamlFlow(v) : argEncode(v, flag?.argSplit ?? null);
}

export interface FlagArgsOptions {
  /** The command arguments before the flag arguments: a flag already given there as `--NAME` is dropped. */
  cmdArgs?: string[];
  warn?: Warn;
}

/**
 * The `--name value` arguments Guild puts at `${flag_args}` (spec §3.4): flags in name order,
 * `--<arg-name or name>`, values encoded for the op's flags-dest (YAML flow for `globals`,
 * `global:`, `dict:`, `namespace:`; plain text otherwise); `arg-skip` flags and null values left
 * out, `arg-switch` flags as a bare `--name` when the value equals the switch.
 */
export function flagArgs(op: OpDef, flags: Record<string, AttrValue>, opts: FlagArgsOptions = {}): string[] {
  const dest = op.flagsDest ?? "args";
  const defs = new Map(op.flags.map((f) => [f.name, f]));
  const out: string[] = [];
  for (const name of Object.keys(flags).sort(compareCodePoints)) {
    const v = flags[name]!;
    const f = defs.get(name);
    const skip = f ? (f.argSkip ?? op.defaultFlagArgSkip) : false;
    if (skip) continue;
    const argName = f?.argName || name;
    if (opts.cmdArgs?.includes(`--${argName}`)) {
      opts.warn?.(`ignoring flag '${name}=${encodeFlagVal(v)}' because it's shadowed in the operation cmd as --${argName}`);
      continue;
    }
    if (f && f.argSwitch !== null) {
      if (pyEquals(f.argSwitch, v)) out.push(`--${argName}`);
      continue;
    }
    if (v === null) continue;
    if (!Array.isArray(v) && f && f.argSplit !== null) {
      const encoded = typeof v === "string" ? v : encodeArg(v, dest, f);
      let parts = splitEncoded(encoded, f.argSplit);
      if (dest === "globals") parts = [encodeYamlFlow(parts.map((p) => decodeYamlOrText(p)))];
      if (parts.length) out.push(`--${argName}`, ...parts);
      continue;
    }
    out.push(`--${argName}`, encodeArg(v, dest, f));
  }
  return out;
}

function decodeYamlOrText(s: string): AttrValue {
  try {
    return decodeAttr(s);
  } catch {
    return s;
  }
}

/**
 * The flag environment variables (spec §3.4): `FLAG_<NAME>` (upper case, other characters `_`)
 * or the flag's `env-name`, with the args encoding (True → `1`, False/None → ``) or the flag's
 * `env-encoding`. `op` null (a staged run started from its attrs): default names and encoding.
 */
export function flagEnv(op: OpDef | null, flags: Record<string, AttrValue>): Record<string, string> {
  const defs = new Map((op?.flags ?? []).map((f) => [f.name, f]));
  const env: Record<string, string> = {};
  for (const [name, v] of Object.entries(flags)) {
    const f = defs.get(name);
    const envName = f?.envName || `FLAG_${name.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}`;
    env[envName] = (f ? encodingFor(f.envEncoding, v) : undefined) ?? argEncode(v);
  }
  return env;
}

/** A `${name}` in an operation's command that names no flag or parameter (or refers to itself). */
export class CmdRefError extends FlagError {}

const REF_P = /(\\?\$\{.+?\})/;

/**
 * Guild's `util.resolve_refs` over encoded parameters, as `op_cmd._gen_args` applies it to each
 * command argument: `${name}` becomes the parameter's encoding (the args/env encoding:
 * `1`/``/str/`pprint.pformat`, so `1.0`, `1e-05`, `inf`), resolved again when it holds a
 * reference; `\${name}` stays as `${name}`. An unknown name is a CmdRefError, as in Guild
 * ("command contains invalid reference"); so is a cycle (Guild dies with a traceback).
 */
export function resolveCmdRefs(arg: string, params: Record<string, AttrValue>): string {
  const encoded = new Map(Object.entries(params).map(([k, v]) => [k, argEncode(v) as AttrValue]));
  return resolveRefs(arg, encoded, (v) => v as string, "command");
}

/**
 * Guild's `util.resolve_refs` (one implementation for commands and op env): `${name}` is the
 * value of `name` in `kv`, resolved again when it is a string holding a reference, otherwise
 * written with `partStr`; `\${name}` stays as `${name}`. An unknown name or a cycle is a
 * CmdRefError naming `where`.
 */
function resolveRefs(arg: string, kv: Map<string, AttrValue>, partStr: (v: AttrValue) => string, where: string): string {
  const recurse = (val: string, stack: string[]): string =>
    val
      .split(REF_P)
      .filter((p) => p !== "")
      .map((part) => {
        if (part.startsWith("${") && part.endsWith("}")) {
          const name = part.slice(2, -1);
          if (stack.includes(name))
            throw new CmdRefError(`invalid setting for operation: ${where} contains a reference cycle (${[...stack, name].join(" -> ")})`);
          if (!kv.has(name)) throw new CmdRefError(`invalid setting for operation: ${where} contains invalid reference '${name}'`);
          const v = kv.get(name)!;
          return typeof v === "string" ? recurse(v, [...stack, name]) : partStr(v);
        }
        if (part.startsWith("\\${") && part.endsWith("}")) return part.slice(1);
        return part;
      })
      .join("");
  return recurse(arg, []);
}

/**
 * An operation's `env:` as Guild's `op_cmd._gen_env` builds it (spec §1.3, §4.5): each value
 * encoded like a flag argument (`1`/`` for booleans and null, `1.0`, lists joined), then its
 * `${flag}` references resolved to the flag values (a non-string flag written as YAML, as Guild
 * joins reference parts: `0.1`, `true`, `null`). A reference to no flag is a CmdRefError naming
 * the variable; a name that cannot be an environment variable (empty, `=`, NUL) or a value with
 * a NUL is one too.
 */
export function opEnv(env: Record<string, AttrValue>, flags: Record<string, AttrValue>): Record<string, string> {
  const kv = new Map(Object.entries(flags));
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (name === "" || name.includes("=") || name.includes("\0"))
      throw new CmdRefError(`invalid setting for operation: env name ${JSON.stringify(name)} is not a valid environment variable name`);
    const val = resolveRefs(argEncode(raw), kv, (v) => encodeYamlScalarPart(v), `env ${name}`);
    if (val.includes("\0")) throw new CmdRefError(`invalid setting for operation: env ${name} contains a NUL character`);
    out[name] = val;
  }
  return out;
}

/**
 * The names of an operation's `env-secrets` (Guild's `op.private_env`): set in the process env
 * but never saved in the `env` attr. A list of names, or one name; null when it is neither.
 */
export function envSecretNames(v: AttrValue | undefined): string[] | null {
  if (v === undefined || v === null) return [];
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((n) => typeof n === "string")) return v as string[];
  return null;
}

/** Guild's `util._resolved_part_str`: a non-string reference value as `yaml_util.encode_yaml` writes it. */
function encodeYamlScalarPart(v: AttrValue): string {
  return encodeAttr(v).replace(/\n$/, "");
}

// ---------------------------------------------------------------------------------------
// Labels

/** Guild's default label (spec §4.6): the non-null flags by name, `name=<format_flag>`. */
export function defaultLabel(op: OpDef | null, flags: Record<string, AttrValue>): string {
  void op;
  return Object.keys(flags)
    .sort(compareCodePoints)
    .filter((k) => flags[k] !== null && flags[k] !== undefined)
    .map((k) => `${k}=${labelFlagValue(flags[k]!)}`)
    .join(" ");
}

/**
 * Guild's label rendering (spec §4.6): `${name}` is the flag's label-formatted value (empty when
 * the flag is undefined or null), `${default_label}` the default label; filters
 * `${name|default:X}`, `${name|basename}`, `${name|unquote}`, `${name|%.2f}` work on the raw
 * value (the result is its Python `str()`); an unknown filter gives `#error#` and a warning. A
 * null template gives the default label.
 */
export function renderLabel(template: string | null, flags: Record<string, AttrValue>, warn?: Warn): string {
  const dflt = defaultLabel(null, flags);
  if (template === null) return dflt;
  return template
    .split(/(\$\{.+?\})/)
    .map((token) => {
      const m = /^\$\{(.+?)\}/.exec(token);
      if (!m) return token;
      const [name, ...transforms] = m[1]!.split("|");
      const raw: AttrValue = name === "default_label" ? dflt : (flags[name!] ?? null);
      if (!transforms.length) return raw === null ? "" : name === "default_label" ? dflt : labelFlagValue(raw);
      let v = raw;
      for (const t of transforms) v = applyTransform(t, v, warn);
      return v === null ? "" : pyStr(v);
    })
    .join("");
}

function applyTransform(t: string, val: AttrValue, warn: Warn | undefined): AttrValue {
  const colon = t.indexOf(":");
  const name = colon < 0 ? t : t.slice(0, colon);
  const arg = colon < 0 ? null : t.slice(colon + 1);
  if (name.startsWith("%")) {
    try {
      const r = pyPercent(name, val);
      return r === null ? val : r;
    } catch (e) {
      warn?.(`error formatting ${pyRepr(val)} with ${pyRepr(name)}: ${(e as Error).message}`);
      return val;
    }
  }
  if (name === "default") return val === null ? arg || "" : val;
  if (name === "basename") {
    if (arg) warn?.(`ignoring argment to baseline in ${pyRepr(t)}`);
    if (!pyTruthy(val)) return "";
    let p = pyStr(val);
    let end = p.length;
    while (end > 0 && p[end - 1] === "/") end--; // not /\/+$/: quadratic on a run of slashes
    p = p.slice(0, end);
    return path.basename(p);
  }
  if (name === "unquote")
    return typeof val === "string" && val.length >= 2 && val.startsWith("'") && val.endsWith("'") ? val.slice(1, -1) : val;
  warn?.(`unsupported template transform: ${pyRepr(t)}`);
  return "#error#";
}
