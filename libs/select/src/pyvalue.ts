import { compareCodePoints, GuildFloat, pythonFloatRepr, type AttrValue } from "@guildts/runstore";

/**
 * Python's semantics for the values a filter expression compares (attr, flag and scalar values
 * and the expression's own terms): `==` (`1 == 1.0 == True`), ordering (a TypeError, such as
 * `None < 0.5`, is `undefined`), truth, `str()` and `repr()`.
 */
export type PyValue = AttrValue;

function num(v: PyValue): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof GuildFloat) return v.value;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

function isDict(v: PyValue): v is { [k: string]: PyValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GuildFloat);
}

/** Python's `a == b`. */
export function pyEq(a: PyValue, b: PyValue): boolean {
  const na = num(a);
  const nb = num(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && na === nb;
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => pyEq(x, b[i]!));
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEq(a[k]!, b[k]!));
  }
  return false;
}

/**
 * Python's ordering of `a` and `b`: negative, zero or positive; NaN when a float NaN makes
 * every relation false; `undefined` for a TypeError (`None < 1`, `'a' < 1`).
 */
export function pyCompare(a: PyValue, b: PyValue): number | undefined {
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return Number.isNaN(na) || Number.isNaN(nb) ? NaN : na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i]!, b[i]!)) return pyCompare(a[i]!, b[i]!);
    }
    return a.length - b.length;
  }
  return undefined;
}

/** Python's `bool(v)`. */
export function pyTruthy(v: PyValue | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  const n = num(v);
  if (n !== undefined) return n !== 0;
  return v !== "";
}

function reprFloat(x: number): string {
  return pythonFloatRepr(x);
}

/** Python's `str(v)`. */
export function pyStr(v: PyValue): string {
  if (typeof v === "string") return v;
  return pyRepr(v);
}

/** Python's `repr(v)`. */
export function pyRepr(v: PyValue): string {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "bigint") return String(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : reprFloat(v);
  if (v instanceof GuildFloat) return reprFloat(v.value);
  if (typeof v === "string") return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  return `{${Object.keys(v)
    .map((k) => `${pyStrRepr(k)}: ${pyRepr(v[k]!)}`)
    .join(", ")}}`;
}

/** Python's `repr()` of a str: single quotes unless the text holds one and no double quote. */
export function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + q;
}
