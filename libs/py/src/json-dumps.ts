import { pythonFloatRepr } from "./float-repr.js";
import { GuildFloat } from "./value.js";

/**
 * Python's `json.dumps(value)` with its defaults, as Guild 0.9 prints `runs list --json` and
 * `runs info --json`: separators `, ` and `: `, `ensure_ascii` (every character outside ' '..'~'
 * escaped, astral ones as surrogate pairs), floats in Python's repr (`1.0`, `1e-05`, `NaN`,
 * `Infinity`), keys in insertion order. A GuildFloat (an integral float of an attr) stays a float.
 */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "bigint") return String(value);
  if (value instanceof GuildFloat) return pyFloat(value.value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === "string") return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .map((k) => `${pyJsonString(k)}: ${pyJsonDumps(obj[k])}`)
    .join(", ")}}`;
}

function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return pythonFloatRepr(x);
}

const SHORT: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && ch !== '"' && ch !== "\\") out += ch;
    else out += SHORT[ch] ?? `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}
