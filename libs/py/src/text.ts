/**
 * Python's rules for text: which characters are whitespace (`str.isspace()`), `strip()`,
 * `int(s)` and `float(s)` of a str, `len()`, and `bytes.decode("utf-8", errors="ignore")`.
 */
import { asInt } from "./values.js";

/** Python's `str.isspace()` characters, as the body of a regex character class. */
export const PY_SPACE = "\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

// Not JavaScript's \s, which also holds U+FEFF (Python: not a space).
const PY_SPACE_SET = new Set(
  [..."\t\n\x0B\f\r\x1C\x1D\x1E\x1F \x85\xA0\u1680\u2028\u2029\u202F\u205F\u3000"].concat(
    Array.from({ length: 11 }, (_, k) => String.fromCharCode(0x2000 + k)),
  ),
);

/** Python's `ch.isspace()` for one UTF-16 unit (every space is in the BMP). */
export function isPySpace(ch: string): boolean {
  return PY_SPACE_SET.has(ch);
}

/** Python's `str.rstrip()` with no argument (Unicode whitespace, not JavaScript's set). */
export function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && PY_SPACE_SET.has(s[end - 1]!)) end--;
  return end === s.length ? s : s.slice(0, end);
}

/**
 * Python's `str.strip()` with no argument. A loop rather than `/^\s+|\s+$/g`, which is quadratic
 * on a long run of whitespace inside the text (a 100 KB flag value took seconds).
 */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && PY_SPACE_SET.has(s[start]!)) start++;
  while (end > start && PY_SPACE_SET.has(s[end - 1]!)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Python's `s.strip() == ""`. */
export function isBlank(s: string): boolean {
  return pyStrip(s) === "";
}

/** Python `len(s)`: code points. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The value of a Unicode decimal digit (runs of Nd characters always come in complete 0-9 blocks). */
function digitValue(s: string, at: number): number {
  let k = 0;
  let cp = s.codePointAt(at)!;
  while (/\p{Nd}/u.test(String.fromCodePoint(cp - 1))) {
    cp--;
    k++;
  }
  return k % 10;
}

/** Unicode decimal digits as ASCII ones (Python's int() and float() accept any Nd digit). */
function asciiDigits(t: string): string {
  if (!/[^\x00-\x7f]/.test(t)) return t;
  return t.replace(/\p{Nd}/gu, (_ch, offset: number, whole: string) => String(digitValue(whole, offset)));
}

const INT_RE = /^[+-]?[0-9](?:_?[0-9])*$/;

/** Python `int(s)` for a str (base 10): null where Python raises ValueError. */
export function parsePyInt(s: string): number | bigint | null {
  const t = asciiDigits(pyStrip(s));
  if (!INT_RE.test(t)) return null;
  const neg = t.startsWith("-");
  const n = BigInt(t.replace(/^[+-]/, "").replaceAll("_", ""));
  return asInt(neg ? -n : n);
}

const PY_NUMBER = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;

/**
 * Python's `float(s)`: surrounding Unicode whitespace ignored, Unicode decimal digits accepted,
 * `_` between digits, `inf`/`infinity`/`nan` in any case with an optional sign. Anything else
 * (and `undefined`, Python's `None`) gives null where Python raises.
 */
export function parsePyFloat(s: string | undefined | null): number | null {
  if (s === undefined || s === null) return null;
  const t = asciiDigits(pyStrip(s));
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special) {
    if (special[2]!.toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!PY_NUMBER.test(t)) return null;
  return Number(t.replaceAll("_", ""));
}

// ignoreBOM: a leading U+FEFF is kept, as Python's "utf-8" codec keeps it.
const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Decodes bytes as UTF-8 the way Python's `bytes.decode(errors="ignore")` does: invalid bytes are dropped. */
export function decodeUtf8Ignore(buf: Uint8Array): string {
  let out = "";
  let run = 0; // start of the current run of valid sequences
  let i = 0;
  const n = buf.length;
  const cont = (k: number) => k < n && (buf[k]! & 0xc0) === 0x80;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let len = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    }
    const b1 = buf[i + 1];
    let bad = 0; // bytes of an invalid sequence to drop
    if (len === 0 || b1 === undefined || b1 < lo || b1 > hi) bad = 1;
    else {
      let k = i + 2;
      while (k < i + len && cont(k)) k++;
      if (k < i + len) bad = k - i; // truncated: drop the lead and its valid continuation bytes
    }
    if (bad) {
      out += UTF8.decode(buf.subarray(run, i));
      i += bad;
      run = i;
    } else i += len;
  }
  return out + UTF8.decode(buf.subarray(run, n));
}
