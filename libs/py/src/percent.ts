/** Python's printf-style `fmt % val` (label templates' `${name|%.2f}`). */
import { formatExp, formatFixed } from "./float-format.js";
import { numeric, pyRepr, pyStr } from "./values.js";
import type { AttrValue } from "./value.js";

/** Python `fmt % val` for one conversion; null for Python's TypeError (the value passes through). */
export function pyPercent(fmt: string, val: AttrValue): string | null {
  const re = /%(?:(%)|([#0\- +]*)(\d+)?(?:\.(\d+))?([a-zA-Z]?))/g;
  let out = "";
  let last = 0;
  let used = false;
  for (const m of fmt.matchAll(re)) {
    out += fmt.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[1]) {
      out += "%";
      continue;
    }
    const conv = m[5]!;
    if (!conv) throw new Error("incomplete format");
    if (!"diouxXeEfFgGcrsa".includes(conv))
      throw new Error(
        `unsupported format character '${conv}' (0x${conv.charCodeAt(0).toString(16)}) at index ${m.index + m[0].length - 1}`,
      );
    if (used) return null; // not enough arguments
    used = true;
    const s = convert(conv, m[2] ?? "", m[4] === undefined ? null : Number(m[4]), val);
    if (s === null) return null;
    const width = m[3] ? Number(m[3]) : 0;
    const flagsStr = m[2] ?? "";
    if (s.length >= width) out += s;
    else if (flagsStr.includes("-")) out += s.padEnd(width);
    else if (flagsStr.includes("0") && "diouxXeEfFgG".includes(conv)) {
      const sign = /^[+\- ]/.test(s) ? s[0]! : "";
      out += sign + s.slice(sign.length).padStart(width - sign.length, "0");
    } else out += s.padStart(width);
  }
  out += fmt.slice(last);
  if (!used) return null; // not all arguments converted
  return out;
}

function convert(conv: string, flags: string, prec: number | null, val: AttrValue): string | null {
  if (conv === "s") return pyStr(val);
  if (conv === "r" || conv === "a") return pyRepr(val);
  const n = numeric(val);
  if (n === null) return null;
  const sign = (x: number, s: string) =>
    x < 0 || Object.is(x, -0) ? `-${s}` : flags.includes("+") ? `+${s}` : flags.includes(" ") ? ` ${s}` : s;
  const abs = Math.abs(n);
  // int(x) for the integer conversions: no sign on a zero (`'%d' % -0.4` is `0`), exact beyond 2^53.
  const int = (radix: number) => {
    if (!Number.isFinite(n)) throw new Error(`cannot convert float ${Number.isNaN(n) ? "NaN" : "infinity"} to integer`);
    return sign(Math.trunc(n) || 0, BigInt(Math.trunc(abs)).toString(radix));
  };
  switch (conv) {
    case "d":
    case "i":
    case "u":
      return int(10);
    case "o":
      return int(8);
    case "x":
      return int(16);
    case "X":
      return int(16).toUpperCase();
    case "c":
      return String.fromCodePoint(Math.trunc(n));
    case "f":
    case "F":
      return sign(n, formatFixed(abs, prec ?? 6));
    case "e":
    case "E": {
      const s = formatExp(abs, prec ?? 6);
      return sign(n, conv === "E" ? s.toUpperCase() : s);
    }
    default: {
      // g / G
      let p = prec ?? 6;
      if (p === 0) p = 1;
      let s: string;
      if (!Number.isFinite(abs)) s = abs === Infinity ? "inf" : "nan";
      else if (abs === 0) s = "0";
      else {
        const e = formatExp(abs, p - 1);
        const exp = Number(e.slice(e.indexOf("e") + 1));
        s = exp >= -4 && exp < p ? formatFixed(abs, Math.max(0, p - 1 - exp)) : e;
        if (!flags.includes("#")) s = s.replace(/(\.\d*?)0+(?=$|e)/, "$1").replace(/\.(?=$|e)/, "");
      }
      return sign(n, conv === "G" ? s.toUpperCase() : s);
    }
  }
}
