/**
 * Python's value semantics that Guild's messages and checks depend on: `repr()`/`str()` of
 * YAML values (error messages quote them), truthiness, `==`, and `pprint.pformat`.
 *
 * Value model (value.ts): a Python int is a `number` that is an integer (or a `bigint`), a
 * Python float is a non-integral `number` or a `GuildFloat`.
 */
import { pythonFloatRepr } from "./float-repr.js";
import { compareCodePoints } from "./order.js";
import { GuildFloat, type AttrValue } from "./value.js";

export type PyMap = { [key: string]: AttrValue };

export function isMap(v: unknown): v is PyMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GuildFloat);
}

/** A Python float (as opposed to an int). */
export function isFloat(v: unknown): v is number | GuildFloat {
  return v instanceof GuildFloat || (typeof v === "number" && !Number.isInteger(v));
}

/** A Python int (bool excluded). */
export function isInt(v: unknown): v is number | bigint {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
}

/** A Python number: int or float (bool excluded). */
export function isNumber(v: unknown): v is number | bigint | GuildFloat {
  return isInt(v) || isFloat(v);
}

/** The numeric value of an int, float or bool (Python's bool is an int). */
export function numeric(v: AttrValue | undefined): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof GuildFloat) return v.value;
  if (typeof v === "boolean") return v ? 1 : 0;
  return null;
}

/** A float result kept a float: integral and non-finite values become GuildFloat. */
export function asFloat(x: number): number | GuildFloat {
  return Number.isInteger(x) || !Number.isFinite(x) ? new GuildFloat(x) : x;
}

/** An int result: a bigint beyond 2^53, else a number. */
export function asInt(n: bigint): number | bigint {
  return n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER) ? n : Number(n);
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python `repr(str)`. */
export function pyReprStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && NON_PRINTABLE.test(ch)) {
      if (cp < 0x100) out += "\\x" + cp.toString(16).padStart(2, "0");
      else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
      else out += "\\U" + cp.toString(16).padStart(8, "0");
    } else out += ch;
  }
  return out + quote;
}

function intText(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

/** Python `repr()` of a decoded YAML value. */
export function pyRepr(v: AttrValue | undefined): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return pyReprStr(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isInteger(v) ? intText(v) : pythonFloatRepr(v);
  if (v instanceof GuildFloat) return pythonFloatRepr(v.value);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  return `{${Object.keys(v)
    .map((k) => `${pyReprStr(k)}: ${pyRepr(v[k])}`)
    .join(", ")}}`;
}

/** Python `str()` of a decoded YAML value. */
export function pyStr(v: AttrValue | undefined): string {
  return typeof v === "string" ? v : pyRepr(v);
}

/** Python `pprint.pformat()` for the values a flag holds (dict keys sorted; no line wrapping). */
export function pyPformat(v: AttrValue): string {
  if (isMap(v)) {
    return `{${Object.keys(v)
      .sort(compareCodePoints)
      .map((k) => `${pyReprStr(k)}: ${pyPformat(v[k]!)}`)
      .join(", ")}}`;
  }
  if (Array.isArray(v)) return `[${v.map(pyPformat).join(", ")}]`;
  return pyRepr(v);
}

/** Python's `type(v).__name__`. */
export function pyTypeName(v: AttrValue | undefined): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  if (isFloat(v)) return "float";
  if (isInt(v)) return "int";
  return "dict";
}

/** Python `bool(v)`. */
export function pyTruthy(v: AttrValue | undefined): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return v.length > 0;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "number") return v !== 0;
  if (v instanceof GuildFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** Python `a == b` (bools are ints: `True == 1 == 1.0`). */
export function pyEquals(a: AttrValue | undefined, b: AttrValue | undefined): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== null || nb !== null) {
    if (na === null || nb === null) return false;
    if (typeof a === "bigint" && typeof b === "bigint") return a === b;
    return na === nb;
  }
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEquals(a[k], b[k]));
  }
  return false;
}

/**
 * Python's ordering of `a` and `b` (`<`, `<=`...): negative, zero or positive; NaN when a float
 * NaN makes every relation false; `undefined` where Python raises TypeError (`None < 1`,
 * `'a' < 1`). Numbers (bools are ints) compare by value, strings by code point, lists
 * lexicographically.
 */
export function pyCompare(a: AttrValue | undefined, b: AttrValue | undefined): number | undefined {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== null && nb !== null) return Number.isNaN(na) || Number.isNaN(nb) ? Number.NaN : na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEquals(a[i], b[i])) return pyCompare(a[i], b[i]);
    }
    return a.length - b.length;
  }
  return undefined;
}
