import { decodeAttr, encodeAttr, GuildFloat, type AttrValue } from "@guildts/runstore";
import { opFullname, type FlagDef, type OpDef } from "./guildfile.js";

/** Flag errors, with Guild's messages (spec §3.3); exit status 1. */
export class FlagError extends Error {
  override name = "FlagError";
}

const PY_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const PY_FLOAT = /^\s*[+-]?(?:(?:\d+(?:_\d+)*)?\.\d+(?:_\d+)*|\d+(?:_\d+)*\.?)(?:[eE][+-]?\d+)?\s*$|^\s*[+-]?(?:inf|infinity|nan)\s*$/i;

function pyFloat(s: string): number {
  const t = s.trim().toLowerCase().replaceAll("_", "");
  if (t.endsWith("inf") || t.endsWith("infinity")) return t.startsWith("-") ? -Infinity : Infinity;
  if (t.endsWith("nan")) return NaN;
  return Number(t);
}

/** A float value kept as a float: integral and non-finite ones become GuildFloat. */
function asFloat(n: number): AttrValue {
  return Number.isInteger(n) || !Number.isFinite(n) ? new GuildFloat(n) : n;
}

/** Guild's default decoding chain (spec §3.2): int, float, flag function, YAML, raw text. */
function decodeDefault(s: string): AttrValue {
  if (s === "") return "";
  let v: AttrValue;
  if (PY_INT.test(s)) v = Number(s.trim().replaceAll("_", ""));
  else if (PY_FLOAT.test(s)) v = asFloat(pyFloat(s));
  else if (/^[A-Za-z_][\w-]*\[.*\]$/.test(s) || /^\[[^,\]]*:[^\]]*\]$/.test(s)) return s; // flag functions stay text
  else {
    try {
      v = decodeAttr(s);
    } catch {
      return s;
    }
  }
  // Guild's "surprising number" fix: `1_2_3` and `1:2` stay text.
  const isNumber = typeof v === "number" || v instanceof GuildFloat;
  if (isNumber && /[_:]/.test(s) && !s.includes("!!")) return s;
  return v;
}

/** Guild's `decode_flag_val(text, type)`. */
export function decodeFlagValue(text: string, type?: string | null): AttrValue {
  switch (type) {
    case "string":
    case "path":
    case "existing-path":
      return /^[['"{]/.test(text) ? decodeDefault(text) : text;
    case "int":
      if (PY_INT.test(text)) return Number(text.trim().replaceAll("_", ""));
      break;
    case "float":
      if (PY_INT.test(text) || PY_FLOAT.test(text)) return asFloat(pyFloat(text));
      break;
    case "number":
      if (PY_INT.test(text)) return Number(text.trim().replaceAll("_", ""));
      if (PY_FLOAT.test(text)) return asFloat(pyFloat(text));
      break;
    case "boolean": {
      let v: AttrValue;
      try {
        v = decodeAttr(text);
      } catch {
        return text;
      }
      if (typeof v === "boolean") return v;
      if (typeof v === "number" || v instanceof GuildFloat) return Number(v) !== 0;
      return v;
    }
  }
  return decodeDefault(text);
}

function typeError(flag: FlagDef, v: AttrValue): FlagError {
  return new FlagError(`invalid value ${formatFlagValue(v)} for ${flag.name}: invalid value for type '${flag.type}'`);
}

/** Coerces a value to the flag's declared type (spec §3.3 step 3). */
export function coerceFlagValue(flag: FlagDef, v: AttrValue): AttrValue {
  if (v === null || flag.type === null || flag.type === "auto") return v;
  if (Array.isArray(v)) return v.map((x) => coerceFlagValue(flag, x));
  const n = typeof v === "number" ? v : v instanceof GuildFloat ? v.value : null;
  switch (flag.type) {
    case "int":
      if (typeof v === "number" && Number.isInteger(v)) return v;
      if (typeof v === "string" && PY_INT.test(v)) return Number(v.trim());
      throw typeError(flag, v);
    case "float":
      if (n !== null) return asFloat(n);
      if (typeof v === "string" && (PY_INT.test(v) || PY_FLOAT.test(v))) return asFloat(pyFloat(v));
      throw typeError(flag, v);
    case "number":
      if (n !== null) return v;
      throw typeError(flag, v);
    case "boolean":
      if (typeof v === "boolean") return v;
      return n !== null ? n !== 0 : Boolean(v);
    case "string":
    case "path":
    case "existing-path":
      return typeof v === "string" ? v : formatFlagValue(v);
    default:
      return v;
  }
}

/** Guild's `encode_flag_val` (spec §3.4): yes/no/null, `[a, b]`, else YAML flow spelling. */
export function formatFlagValue(v: AttrValue): string {
  if (v === true) return "yes";
  if (v === false) return "no";
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === "string" && x.includes(",") ? `'${x}'` : formatFlagValue(x))).join(", ")}]`;
  if (typeof v === "object" && !(v instanceof GuildFloat)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${k}: ${formatFlagValue(v[k]!)}`)
      .join(", ")}}`;
  }
  return encodeAttr(v).replace(/\n$/, "");
}

/** Guild's label formatting of a flag value (`format_flag`): floats cut to 5 decimals, `'a b'` quoted. */
export function labelFlagValue(v: AttrValue): string {
  const s = formatFlagValue(v);
  if (typeof v === "number" || v instanceof GuildFloat) {
    const m = /^(-?\d+\.\d{5})\d+$/.exec(s);
    return m ? m[1]! : s;
  }
  if (typeof v === "string" && v.includes(" ") && !/^'.*'$|^".*"$/.test(s)) return v.includes("'") ? `"${v}"` : `'${v}'`;
  return s;
}

/** Guild's default label: non-null flags by name, `name=value` (spec §4.6). */
export function defaultLabel(op: OpDef, flags: Record<string, AttrValue>): string {
  void op;
  return Object.keys(flags)
    .sort()
    .filter((k) => flags[k] !== null)
    .map((k) => `${k}=${labelFlagValue(flags[k]!)}`)
    .join(" ");
}

/**
 * The final flag values of a run: the user's `NAME=VALUE` args decoded by the flag's type,
 * defaults for the rest, coerced; unknown flags, bad choices and missing required flags stop
 * here, before anything is created (spec §3.3).
 */
export function resolveFlags(op: OpDef, assigns: string[]): { flags: Record<string, AttrValue>; userFlags: Record<string, AttrValue> } {
  const byName = new Map(op.flags.map((f) => [f.name, f]));
  const userFlags: Record<string, AttrValue> = {};
  for (const a of assigns) {
    const eq = a.indexOf("=");
    if (eq <= 0) throw new FlagError(`invalid flag argument '${a}': use NAME=VALUE`);
    const name = a.slice(0, eq);
    const def = byName.get(name);
    if (!def) {
      throw new FlagError(`unsupported flag '${name}'\nTry 'guild run ${opFullname(op)} --help-op' for a list of flags or use --force-flags to skip this check.`);
    }
    userFlags[name] = decodeFlagValue(a.slice(eq + 1), def.type);
  }
  const flags: Record<string, AttrValue> = {};
  for (const f of op.flags) flags[f.name] = coerceFlagValue(f, f.name in userFlags ? userFlags[f.name]! : f.default);
  for (const f of op.flags) {
    const v = flags[f.name]!;
    if (f.choices && v !== null && v !== false && v !== "" && !f.choices.some((c) => sameValue(c.value, v))) {
      const rows = f.choices.map((c) => `  ${formatFlagValue(c.value)}  ${c.description}`);
      throw new FlagError(`Unsupported value for '${f.name}' - supported values are:\n\n${rows.join("\n")}\n\nRun the command again using one of these options.`);
    }
  }
  const missing = op.flags.filter((f) => f.required && (flags[f.name] === null || flags[f.name] === ""));
  if (missing.length) {
    const width = Math.max(...missing.map((f) => f.name.length));
    throw new FlagError(
      `Operation requires the following missing flags:\n\n${missing.map((f) => `  ${f.name.padEnd(width)}  ${f.description}`).join("\n")}\n\nRun the command again with these flags or try 'guild run ${op.name} --help-op' for help.`,
    );
  }
  return { flags, userFlags };
}
function sameValue(a: AttrValue, b: AttrValue): boolean {
  const num = (x: AttrValue) => (typeof x === "number" ? x : x instanceof GuildFloat ? x.value : null);
  const na = num(a);
  const nb = num(b);
  if (na !== null && nb !== null) return na === nb;
  return formatFlagValue(a) === formatFlagValue(b);
}

/**
 * The `--name value` arguments Guild appends for an operation (spec §3.4): flag-name order,
 * YAML flow spelling for `globals` (Python scripts), plain text for `args`; null values and
 * `arg-skip` flags are left out.
 */
export function flagArgs(op: OpDef, flags: Record<string, AttrValue>): string[] {
  const globals = (op.flagsDest ?? (op.main ? "globals" : "args")) !== "args";
  const out: string[] = [];
  for (const f of op.flags) {
    const v = flags[f.name];
    if (v === null || v === undefined || f.argSkip) continue;
    out.push(`--${f.argName ?? f.name}`, globals ? (typeof v === "boolean" ? String(v) : formatFlagValue(v)) : argValue(v));
  }
  return out;
}

/** The args/env encoding of a value (spec §3.4): True → 1, False/None → "", else text. */
export function argValue(v: AttrValue): string {
  if (v === true) return "1";
  if (v === false || v === null) return "";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(argValue).join(" ");
  return formatFlagValue(v);
}
