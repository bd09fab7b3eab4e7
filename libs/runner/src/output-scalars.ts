import { pyRepr as guildfilePyRepr } from "@guildts/guildfile";
import { compareCodePoints, type AttrValue } from "@guildts/runstore";
import { stepToInt64 } from "./tfevents.js";

/**
 * Output scalars as Guild AI 0.9 captures them (spec §5.1-5.3; `guild/summary.py`): Python
 * regular expressions run with `finditer` over each completed output line, values converted with
 * Python's `float()`, then a sticky `step` or an implied step, keys written in sorted order.
 *
 * Guild's patterns are Python `re` patterns (Python 3.11 syntax), so they are translated here to
 * JavaScript (`v` flag) with Python's meaning kept: Unicode `\w \d \s \b`, `.` matching all but
 * `\n`, `$` also before a final `\n`, literal `{`, octal escapes, inline flags, possessive
 * quantifiers and atomic groups, and `finditer`'s rule for empty matches.
 */

/* ------------------------------------------------------------------------------------------ */
/* Python helpers                                                                              */
/* ------------------------------------------------------------------------------------------ */

/** Python's `str.isspace()` characters, as the body of a regex character class. */
const PY_SPACE = "\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
const PY_SPACE_SET = new Set(
  [..."\t\n\x0B\f\r\x1C\x1D\x1E\x1F \x85\xA0\u1680\u2028\u2029\u202F\u205F\u3000"].concat(
    Array.from({ length: 11 }, (_, k) => String.fromCharCode(0x2000 + k)),
  ),
);

/** Python's `str.rstrip()` with no argument (Unicode whitespace, not JavaScript's set). */
export function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && PY_SPACE_SET.has(s[end - 1]!)) end--;
  return s.slice(0, end);
}

/** Python's `str.strip()` with no argument. */
export function pyStrip(s: string): string {
  let start = 0;
  while (start < s.length && PY_SPACE_SET.has(s[start]!)) start++;
  return pyRstrip(s.slice(start));
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

/** The line Guild matches: bytes decoded as UTF-8 ignoring errors, then right-stripped (`_line_to_match`). */
export function lineToMatch(line: string | Uint8Array): string {
  return pyRstrip(typeof line === "string" ? line : decodeUtf8Ignore(line));
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

const PY_NUMBER = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;

/**
 * Python's `float(s)`: surrounding Unicode whitespace ignored, Unicode decimal digits accepted,
 * `_` between digits, `inf`/`infinity`/`nan` in any case with an optional sign. Anything else
 * (and `undefined`, Python's `None`) gives null where Python raises.
 */
export function pyFloat(s: string | undefined | null): number | null {
  if (s === undefined || s === null) return null;
  let t = pyStrip(s);
  if (/[^\x00-\x7f]/.test(t)) {
    t = t.replace(/\p{Nd}/gu, (_ch, offset: number, whole: string) => String(digitValue(whole, offset)));
  }
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special) {
    if (special[2]!.toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!PY_NUMBER.test(t)) return null;
  return Number(t.replaceAll("_", ""));
}

/** Python's `repr()` of a config value, for Guild's warning and error messages. */
function pyRepr(v: unknown): string {
  return guildfilePyRepr(v as AttrValue | undefined);
}

/** Python's ordering of `str` values (by code point), shared with the YAML codec. */
export const comparePyStr = compareCodePoints;

/* ------------------------------------------------------------------------------------------ */
/* Python `re` patterns in JavaScript                                                          */
/* ------------------------------------------------------------------------------------------ */

/** A pattern Python's `re.compile` rejects, or one this translation cannot express in JavaScript. */
export class PyRegexError extends Error {
  override name = "PyRegexError";
}

interface Scope {
  /** DOTALL, MULTILINE, VERBOSE, ASCII: the flags the translation applies itself. */
  s: boolean;
  m: boolean;
  x: boolean;
  a: boolean;
}

const WORD = (a: boolean) => (a ? "a-zA-Z0-9_" : "\\p{L}\\p{N}_");
const DIGIT = (a: boolean) => (a ? "0-9" : "\\p{Nd}");
const SPACE = (a: boolean) => (a ? "\\t\\n\\x0B\\f\\r " : PY_SPACE);
const OCT = "01234567";
const DIGITS = "0123456789";
const HEX = /^[0-9a-fA-F]+$/;
const VERBOSE_SPACE = " \t\n\r\v\f";
const FLAG_CHARS = "iLmsxatu";

function u(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** A literal code point outside a class. */
function literal(cp: number): string {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) ? String.fromCharCode(cp) : u(cp);
}

type ClassItem = { lit: number } | { set: string };

class Translator {
  private i = 0;
  /** Python groups opened so far (group numbers start at 1). */
  groups = 0;
  private readonly closed = new Set<number>();
  readonly names = new Map<string, number>();
  private atomics = 0;
  ignoreCase = false;
  private readonly top: Scope = { s: false, m: false, x: false, a: false };

  constructor(private readonly src: string) {}

  private err(msg: string): PyRegexError {
    return new PyRegexError(`${msg} at position ${this.i}`);
  }

  private peek(): string | undefined {
    const cp = this.src.codePointAt(this.i);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  private get(): string | undefined {
    const ch = this.peek();
    if (ch !== undefined) this.i += ch.length;
    return ch;
  }

  private match(s: string): boolean {
    if (this.src.startsWith(s, this.i)) {
      this.i += s.length;
      return true;
    }
    return false;
  }

  private getWhile(max: number, chars: string): string {
    let out = "";
    while (out.length < max) {
      const ch = this.src[this.i];
      if (ch === undefined || !chars.includes(ch)) break;
      out += ch;
      this.i++;
    }
    return out;
  }

  private getUntil(end: string, what: string): string {
    const j = this.src.indexOf(end, this.i);
    if (j < 0) throw this.err(`missing ${end}, unterminated name`);
    const name = this.src.slice(this.i, j);
    if (!name) throw this.err(`missing ${what}`);
    this.i = j + 1;
    return name;
  }

  translate(): string {
    const out = this.alternation(this.top, true);
    if (this.i < this.src.length) {
      throw this.err(this.src[this.i] === ")" ? "unbalanced parenthesis" : "unexpected character");
    }
    return out;
  }

  private alternation(scope: Scope, top: boolean): string {
    const branches: string[] = [];
    let first = top;
    for (;;) {
      branches.push(this.sequence(scope, first));
      first = false;
      if (!this.match("|")) break;
    }
    return branches.join("|");
  }

  private checkGroupName(name: string): void {
    if (!/^[\p{XID_Start}_]\p{XID_Continue}*$/u.test(name)) throw this.err(`bad character in group name ${pyRepr(name)}`);
  }

  private groupRef(n: number): string {
    if (!this.closed.has(n)) throw this.err("cannot refer to an open group");
    return `(?:\\k<$g${n}>)`;
  }

  private hex(digits: number): number {
    const h = this.src.slice(this.i, this.i + digits);
    if (h.length !== digits || !HEX.test(h)) throw this.err("incomplete escape");
    this.i += digits;
    return parseInt(h, 16);
  }

  /** `\x \u \U \N`, shared by both escape kinds; null if `c` is none of them. */
  private codeEscape(c: string): number | null {
    if (c === "x") return this.hex(2);
    if (c === "u") return this.hex(4);
    if (c === "U") {
      const cp = this.hex(8);
      if (cp > 0x10ffff) throw this.err("bad escape \\U");
      return cp;
    }
    if (c === "N") throw this.err("\\N{...} named characters are not supported");
    return null;
  }

  private static readonly CHAR_ESCAPES: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };

  /** An escape outside a class: [translation, kind]. */
  private escape(scope: Scope): [string, "atom" | "at"] {
    const c = this.get();
    if (c === undefined) throw this.err("bad escape (end of pattern)");
    const w = `[${WORD(scope.a)}]`;
    const nw = `[^${WORD(scope.a)}]`;
    switch (c) {
      case "A":
        return ["^", "at"]; // no JavaScript `m` flag: start of input
      case "Z":
        return ["$", "at"];
      case "b":
        return [`(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`, "at"];
      case "B":
        return [`(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`, "at"];
      case "d":
        return [`[${DIGIT(scope.a)}]`, "atom"];
      case "D":
        return [`[^${DIGIT(scope.a)}]`, "atom"];
      case "s":
        return [`[${SPACE(scope.a)}]`, "atom"];
      case "S":
        return [`[^${SPACE(scope.a)}]`, "atom"];
      case "w":
        return [w, "atom"];
      case "W":
        return [nw, "atom"];
    }
    const simple = Translator.CHAR_ESCAPES[c];
    if (simple !== undefined) return [literal(simple), "atom"];
    const code = this.codeEscape(c);
    if (code !== null) return [literal(code), "atom"];
    if (c === "0") return [literal(parseInt("0" + this.getWhile(2, OCT), 8)), "atom"];
    if (DIGITS.includes(c)) {
      let esc = c;
      const next = this.src[this.i];
      if (next !== undefined && DIGITS.includes(next)) {
        esc += next;
        this.i++;
        const third = this.src[this.i];
        if (OCT.includes(esc[0]!) && OCT.includes(esc[1]!) && third !== undefined && OCT.includes(third)) {
          this.i++;
          const v = parseInt(esc + third, 8);
          if (v > 0o377) throw this.err(`octal escape value \\${esc + third} outside of range 0-0o377`);
          return [literal(v), "atom"];
        }
      }
      const n = parseInt(esc, 10);
      if (n <= this.groups) return [this.groupRef(n), "atom"];
      throw this.err(`invalid group reference ${n}`);
    }
    if (/[a-zA-Z0-9]/.test(c)) throw this.err(`bad escape \\${c}`);
    return [literal(c.codePointAt(0)!), "atom"];
  }

  /** An escape inside a class. */
  private classEscape(scope: Scope): ClassItem {
    const c = this.get();
    if (c === undefined) throw this.err("bad escape (end of pattern)");
    switch (c) {
      case "b":
        return { lit: 8 };
      case "d":
        return { set: DIGIT(scope.a) };
      case "D":
        return { set: `[^${DIGIT(scope.a)}]` };
      case "s":
        return { set: SPACE(scope.a) };
      case "S":
        return { set: `[^${SPACE(scope.a)}]` };
      case "w":
        return { set: WORD(scope.a) };
      case "W":
        return { set: `[^${WORD(scope.a)}]` };
    }
    const simple = Translator.CHAR_ESCAPES[c];
    if (simple !== undefined) return { lit: simple };
    const code = this.codeEscape(c);
    if (code !== null) return { lit: code };
    if (OCT.includes(c)) {
      const v = parseInt(c + this.getWhile(2, OCT), 8);
      if (v > 0o377) throw this.err("octal escape value outside of range 0-0o377");
      return { lit: v };
    }
    if (/[a-zA-Z0-9]/.test(c)) throw this.err(`bad escape \\${c}`);
    return { lit: c.codePointAt(0)! };
  }

  private charClass(scope: Scope): string {
    const negate = this.match("^");
    const items: string[] = [];
    let first = true;
    for (;;) {
      const ch = this.get();
      if (ch === undefined) throw this.err("unterminated character set");
      if (ch === "]" && !first) break;
      first = false;
      const code1: ClassItem = ch === "\\" ? this.classEscape(scope) : { lit: ch.codePointAt(0)! };
      const emit = (it: ClassItem) => ("lit" in it ? u(it.lit) : it.set);
      if (this.match("-")) {
        const that = this.get();
        if (that === undefined) throw this.err("unterminated character set");
        if (that === "]") {
          items.push(emit(code1), u(0x2d));
          break;
        }
        const code2: ClassItem = that === "\\" ? this.classEscape(scope) : { lit: that.codePointAt(0)! };
        if (!("lit" in code1) || !("lit" in code2)) throw this.err("bad character range");
        if (code2.lit < code1.lit) throw this.err("bad character range");
        items.push(`${u(code1.lit)}-${u(code2.lit)}`);
      } else items.push(emit(code1));
    }
    return `[${negate ? "^" : ""}${items.join("")}]`;
  }

  /** Inline flags after `(?` and their first char: `global` for `(?flags)`, else scoped `(?add-del:...)`. */
  private flags(first: string): { add: string; del: string; global: boolean } {
    let add = "";
    let del = "";
    let ch: string | undefined = first;
    if (ch !== "-") {
      for (;;) {
        if (ch === "L") throw this.err("bad inline flags: cannot use 'L' flag with a str pattern");
        if (ch === "t") throw this.err("the TEMPLATE flag is not supported");
        add += ch;
        if (add.includes("a") && add.includes("u")) throw this.err("bad inline flags: flags 'a', 'u' and 'L' are incompatible");
        ch = this.get();
        if (ch === undefined) throw this.err("missing -, : or )");
        if (")-:".includes(ch)) break;
        if (!FLAG_CHARS.includes(ch)) throw this.err("unknown flag");
      }
    }
    if (ch === ")") return { add, del, global: true };
    if (ch === "-") {
      ch = this.get();
      if (ch === undefined) throw this.err("missing flag");
      if (!FLAG_CHARS.includes(ch)) throw this.err("unknown flag");
      for (;;) {
        if ("auL".includes(ch)) throw this.err("bad inline flags: cannot turn off flags 'a', 'u' and 'L'");
        del += ch;
        ch = this.get();
        if (ch === undefined) throw this.err("missing :");
        if (ch === ":") break;
        if (!FLAG_CHARS.includes(ch)) throw this.err("unknown flag");
      }
    }
    for (const f of add) if (del.includes(f)) throw this.err("bad inline flags: flag turned on and off");
    return { add, del, global: false };
  }

  private group(scope: Scope, first: boolean, hasItems: boolean): { piece: string; kind: "atom" | "look" } | "flags" | "none" {
    let capture = true;
    let atomic = false;
    let name: string | null = null;
    let inner = scope;
    let modifiers = "";
    if (this.match("?")) {
      const ch = this.get();
      if (ch === undefined) throw this.err("unexpected end of pattern");
      if (ch === "P") {
        if (this.match("<")) {
          name = this.getUntil(">", "group name");
          this.checkGroupName(name);
        } else if (this.match("=")) {
          const ref = this.getUntil(")", "group name");
          this.checkGroupName(ref);
          const gid = this.names.get(ref);
          if (gid === undefined) throw this.err(`unknown group name ${pyRepr(ref)}`);
          return { piece: this.groupRef(gid), kind: "atom" };
        } else throw this.err(`unknown extension ?P${this.peek() ?? ""}`);
      } else if (ch === ":") capture = false;
      else if (ch === "#") {
        for (;;) {
          const c = this.get();
          if (c === undefined) throw this.err("missing ), unterminated comment");
          if (c === ")") return "none";
        }
      } else if (ch === "=" || ch === "!" || ch === "<") {
        let kind = ch;
        let dir = "";
        if (ch === "<") {
          const c = this.get();
          if (c !== "=" && c !== "!") throw this.err(`unknown extension ?<${c ?? ""}`);
          kind = c;
          dir = "<";
        }
        const body = this.alternation({ ...scope }, false);
        if (!this.match(")")) throw this.err("missing ), unterminated subpattern");
        return { piece: `(?${dir}${kind}${body})`, kind: "look" };
      } else if (ch === "(") throw this.err("conditional groups (?(...)...) are not supported");
      else if (ch === ">") {
        capture = false;
        atomic = true;
      } else if (FLAG_CHARS.includes(ch) || ch === "-") {
        const f = this.flags(ch);
        if (f.global) {
          if (!first || hasItems) throw this.err("global flags not at the start of the expression");
          // Global flags come before anything else, so they apply to the whole pattern.
          for (const c of f.add) this.applyFlag(this.top, c);
          if (f.add.includes("i")) this.ignoreCase = true;
          return "flags";
        }
        capture = false;
        inner = { ...scope };
        for (const c of f.add) this.applyFlag(inner, c, true);
        for (const c of f.del) this.applyFlag(inner, c, false);
        modifiers = (f.add.includes("i") ? "i" : "") + (f.del.includes("i") ? "-i" : "");
      } else throw this.err(`unknown extension ?${ch}`);
    }
    let gid = 0;
    if (capture) {
      gid = ++this.groups;
      if (name !== null) {
        if (this.names.has(name)) throw this.err(`redefinition of group name ${pyRepr(name)} as group ${gid}`);
        this.names.set(name, gid);
      }
    }
    const body = this.alternation({ ...inner }, false);
    if (!this.match(")")) throw this.err("missing ), unterminated subpattern");
    if (capture) {
      this.closed.add(gid);
      return { piece: `(?<$g${gid}>${body})`, kind: "atom" };
    }
    if (atomic) return { piece: this.atomic(body), kind: "atom" };
    // `(?i:...)` needs RegExp modifiers, which this Node may not have: RegExp() then rejects it.
    return { piece: modifiers ? `(?${modifiers}:${body})` : `(?:${body})`, kind: "atom" };
  }

  private applyFlag(scope: Scope, c: string, on = true): void {
    if (c === "s" || c === "m" || c === "x" || c === "a") scope[c] = on;
  }

  /** An atomic group `(?>...)` in JavaScript: a lookahead capture then a backreference to it. */
  private atomic(body: string): string {
    const n = ++this.atomics;
    return `(?:(?=(?<$a${n}>${body}))\\k<$a${n}>)`;
  }

  private sequence(scope: Scope, first: boolean): string {
    let out = "";
    /** Where the last item starts in `out`, and what it is (Python repeats only the last item). */
    const last: { start: number; kind: "none" | "atom" | "at" | "look" | "rep" } = { start: 0, kind: "none" };
    const push = (piece: string, kind: "atom" | "at" | "look") => {
      last.start = out.length;
      last.kind = kind;
      out += piece;
    };
    for (;;) {
      const ch = this.peek();
      if (ch === undefined || ch === "|" || ch === ")") break;
      if (scope.x && VERBOSE_SPACE.includes(ch)) {
        this.i++;
        continue;
      }
      if (scope.x && ch === "#") {
        const nl = this.src.indexOf("\n", this.i);
        this.i = nl < 0 ? this.src.length : nl + 1;
        continue;
      }
      this.i += ch.length;
      if ("*+?{".includes(ch)) {
        let q: string;
        if (ch === "{") {
          const here = this.i;
          if (this.peek() === "}") {
            push(literal(0x7b), "atom");
            continue;
          }
          const lo = this.getWhile(Infinity, DIGITS);
          let hi = lo;
          const comma = this.match(",");
          if (comma) hi = this.getWhile(Infinity, DIGITS);
          if (!this.match("}")) {
            this.i = here;
            push(literal(0x7b), "atom");
            continue;
          }
          const MAXREPEAT = 4294967295;
          if ((lo && Number(lo) >= MAXREPEAT) || (hi && Number(hi) >= MAXREPEAT)) throw this.err("the repetition number is too large");
          if (lo && hi && Number(hi) < Number(lo)) throw this.err("min repeat greater than max repeat");
          const min = lo ? String(Number(lo)) : "0";
          q = comma ? `{${min},${hi ? String(Number(hi)) : ""}}` : `{${min}}`;
        } else q = ch;
        if (last.kind === "none" || last.kind === "at") throw this.err("nothing to repeat");
        if (last.kind === "rep") throw this.err("multiple repeat");
        let atom = out.slice(last.start);
        if (last.kind === "look") atom = `(?:${atom})`;
        if (this.match("?")) atom = `${atom}${q}?`;
        else if (this.match("+")) atom = this.atomic(`(?:${atom})${q}`);
        else atom = `${atom}${q}`;
        out = out.slice(0, last.start) + atom;
        last.kind = "rep";
        continue;
      }
      switch (ch) {
        case ".":
          push(scope.s ? "[\\s\\S]" : "[^\\n]", "atom");
          break;
        case "^":
          push(scope.m ? "(?<![^\\n])" : "^", "at");
          break;
        case "$":
          push(scope.m ? "(?![^\\n])" : "(?=\\n?$)", "at");
          break;
        case "[":
          push(this.charClass(scope), "atom");
          break;
        case "\\": {
          const [piece, kind] = this.escape(scope);
          push(piece, kind);
          break;
        }
        case "(": {
          const g = this.group(scope, first, last.kind !== "none");
          if (g === "flags" || g === "none") break;
          push(g.piece, g.kind);
          break;
        }
        default:
          push(literal(ch.codePointAt(0)!), "atom");
      }
    }
    return out;
  }
}

/** A Python `re` pattern compiled to JavaScript, with Python's group numbering and `finditer`. */
export class PyRegex {
  /** Number of capturing groups (Python's `pattern.groups`). */
  readonly groups: number;
  /** Named groups in the order they are defined (Python's `groupindex`). */
  readonly groupIndex: ReadonlyMap<string, number>;
  /** The JavaScript source; every Python group `n` is the named group `$gn`. */
  readonly source: string;
  readonly flags: string;
  private readonly global: RegExp;
  private readonly sticky: RegExp;
  private readonly nonEmpty = new Map<number, RegExp>();

  /** Throws PyRegexError (or the RegExp SyntaxError) where Python's `re.compile` would fail. */
  constructor(readonly pattern: string) {
    const t = new Translator(pattern);
    this.source = t.translate();
    this.groups = t.groups;
    this.groupIndex = t.names;
    this.flags = "v" + (t.ignoreCase ? "i" : "");
    this.global = new RegExp(this.source, this.flags + "g");
    this.sticky = new RegExp(this.source, this.flags + "y");
  }

  /** A match at `pos` that does not end at `pos` (Python's `must_advance` after an empty match). */
  private nonEmptyAt(s: string, pos: number): RegExpExecArray | null {
    const cps = [...s.slice(0, pos)].length;
    let re = this.nonEmpty.get(cps);
    if (!re) {
      re = new RegExp(`(?:${this.source})(?<!(?<![\\s\\S])[\\s\\S]{${cps}})`, this.flags + "y");
      if (this.nonEmpty.size < 256) this.nonEmpty.set(cps, re);
    }
    re.lastIndex = pos;
    return re.exec(s);
  }

  /** Python's `finditer`: leftmost matches, an empty match never twice at the same place. */
  *finditer(s: string): Generator<PyMatch> {
    let pos = 0;
    let mustAdvance = false;
    while (pos <= s.length) {
      let m: RegExpExecArray | null = null;
      if (mustAdvance) {
        this.sticky.lastIndex = pos;
        const here = this.sticky.exec(s);
        if (here && here[0].length > 0) m = here;
        else if (here) m = this.nonEmptyAt(s, pos);
        if (!m) {
          if (pos >= s.length) return;
          pos += s.codePointAt(pos)! > 0xffff ? 2 : 1;
        }
      }
      if (!m) {
        this.global.lastIndex = pos;
        m = this.global.exec(s);
      }
      if (!m) return;
      yield new PyMatch(this, m);
      mustAdvance = m[0].length === 0;
      pos = m.index + m[0].length;
    }
  }
}

/** A match with Python's accessors: `group(n)`, `groups()`, `groupdict()` (unmatched groups are undefined, Python's None). */
export class PyMatch {
  constructor(
    readonly re: PyRegex,
    private readonly m: RegExpExecArray,
  ) {}

  get index(): number {
    return this.m.index;
  }

  group(n = 0): string | undefined {
    return n === 0 ? this.m[0] : this.m.groups?.[`$g${n}`];
  }

  groups(): (string | undefined)[] {
    return Array.from({ length: this.re.groups }, (_, i) => this.group(i + 1));
  }

  groupdict(): [string, string | undefined][] {
    return [...this.re.groupIndex].map(([name, n]) => [name, this.group(n)]);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Guild's output patterns                                                                     */
/* ------------------------------------------------------------------------------------------ */

export const KEY_PATTERN = "[_a-zA-Z]\\S*";
export const NUM_PATTERN = "(?:[-+]?[0-9]*\\.?(?:[0-9]+)?(?:[eE][-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF])";
export const STEP_PATTERN = "[0-9]+";
export const TERM_PATTERN = "\\S+";

/** Substituted into every pattern, in this order (`summary.OUTPUT_SCALAR_ALIASES`). */
export const OUTPUT_SCALAR_ALIASES: readonly (readonly [string, string])[] = [
  ["\\key", KEY_PATTERN],
  ["\\value", NUM_PATTERN],
  ["\\step", STEP_PATTERN],
];

/** For output attrs `\value` is one token (`summary.OUTPUT_ATTR_ALIASES`). */
export const OUTPUT_ATTR_ALIASES: readonly (readonly [string, string])[] = [
  ["\\key", KEY_PATTERN],
  ["\\value", TERM_PATTERN],
];

/**
 * Guild 0.9's default output scalars (`summary.DEFAULT_OUTPUT_SCALARS`). The first only sets
 * `step` from `key: value (step N)` / `key: value (N)`; note it is not anchored with `^` in
 * Guild's source (spec §5.1 shows a `^`), so it also matches after other text on the line.
 */
export const DEFAULT_OUTPUT_SCALARS: readonly string[] = [
  "\\key:\\s+\\value\\s+\\((?:step\\s+)?(?P<step>\\step)\\)$",
  "^(\\key):\\s+(\\value)(?:\\s+\\(.*\\))?$",
];

export const DEFAULT_OUTPUT_ATTRS: readonly string[] = ["(\\key):\\s+(\\value)$"];

export function replaceAliases(pattern: string, aliases: readonly (readonly [string, string])[]): string {
  let p = pattern;
  for (const [alias, repl] of aliases) p = p.replaceAll(alias, repl);
  return p;
}

export interface ScalarPattern {
  /** The mapping key the pattern was configured under (`{key: pattern}`), null for a plain string. */
  readonly key: string | null;
  /** The pattern as Guild compiles it: the configured text with the aliases replaced. */
  readonly pattern: string;
  readonly regex: PyRegex;
}

export type Warn = (msg: string) => void;

const defaultWarn: Warn = (msg) => process.stderr.write(`WARNING: ${msg}\n`);

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The patterns of a list config (`summary._init_patterns`): strings and `{key: pattern}` maps; bad items are warned about and skipped. */
export function compilePatterns(
  config: readonly unknown[],
  aliases: readonly (readonly [string, string])[] = OUTPUT_SCALAR_ALIASES,
  warn: Warn = defaultWarn,
): ScalarPattern[] {
  const patterns: ScalarPattern[] = [];
  const add = (val: unknown, key: string | null) => {
    if (typeof val !== "string") {
      warn(`invalid output scalar pattern: ${pyRepr(val)}`);
      return;
    }
    const pattern = replaceAliases(val, aliases);
    try {
      patterns.push({ key, pattern, regex: new PyRegex(pattern) });
    } catch (e) {
      warn(`error compiling pattern ${pattern}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const item of config) {
    if (isMapping(item)) {
      for (const key of Object.keys(item).sort(comparePyStr)) add(item[key], key);
    } else if (typeof item === "string") add(item, null);
    else warn(`invalid item config: ${pyRepr(item)}`);
  }
  return patterns;
}

export type Captured<T> = { key: string; value: T }[];

/**
 * Runs every pattern over the line with `finditer` (`summary._match_line`): named groups give
 * their own keys (`_key`/`_val` together set key and value), otherwise one group is the value
 * under the pattern's key and two groups are key and value. Later matches overwrite earlier ones;
 * the result keeps Python's dict order (first insertion). Values `conv` rejects are dropped.
 * A plain string pattern with one group has no key (Python's None): it is captured under "".
 */
export function matchLine<T>(
  line: string | Uint8Array,
  patterns: readonly ScalarPattern[],
  conv: (s: string | undefined) => T | null,
  warn: Warn = defaultWarn,
): Captured<T> {
  const vals = new Map<string, T>();
  const text = lineToMatch(line);
  const apply = (s: string | undefined, key: string | null | undefined) => {
    const v = conv(s);
    if (v !== null) vals.set(key ?? "", v);
  };
  for (const p of patterns) {
    for (const m of p.regex.finditer(text)) {
      const groupdict = m.groupdict();
      if (groupdict.length) {
        const names = new Map(groupdict);
        if (names.has("_key") && names.has("_val")) apply(names.get("_val"), names.get("_key"));
        else for (const [key, s] of groupdict) apply(s, key);
      } else if (p.regex.groups === 1) apply(m.group(1), p.key);
      else if (p.regex.groups === 2) apply(m.group(2), m.group(1));
      else warn(`bad unnamed group count ${p.regex.groups} for ${pyRepr(p.pattern)} (expected 1 or 2) skipping`);
    }
  }
  return [...vals].map(([key, value]) => ({ key, value }));
}

export interface ScalarMatcher {
  readonly patterns: readonly ScalarPattern[];
  /** Keys never written: the flag names, with the default patterns only. */
  readonly ignore: ReadonlySet<string>;
  /** The keys and float values a line holds, `step` included, in Guild's dict order. */
  match(line: string | Uint8Array): { key: string; value: number }[];
}

/** A bad `output-scalars` value, rejected by Guild when it loads the Guild file. */
export class OutputScalarsConfigError extends TypeError {
  override name = "OutputScalarsConfigError";
}

/**
 * The list form Guild keeps for an op's `output-scalars` (`guildfile._coerce_output_scalars`):
 * undefined/null → null (the defaults), false → [], a string or a mapping → [it], a list as is.
 * Anything else throws, as Guild's Guild file check does.
 */
export function coerceOutputScalars(config: unknown): unknown[] | null {
  if (config === undefined || config === null) return null;
  if (config === false) return [];
  if (typeof config === "string" || isMapping(config)) return [config];
  if (Array.isArray(config)) return config;
  throw new OutputScalarsConfigError(`invalid output-scalars ${pyRepr(config)}: expected a mapping, list, string, or false`);
}

/**
 * The matcher for an op's raw `output-scalars` value: undefined/null → Guild's default patterns,
 * which ignore the flag names; `false`/`no`/`[]` → null (disabled); a string, a `{key: pattern}`
 * mapping or a list of those → exactly those patterns (flag names not ignored). Patterns that do
 * not compile are warned about and skipped; a value of another type throws OutputScalarsConfigError.
 */
export function compileOutputScalars(config: unknown, flagNames: Iterable<string> = [], opts: { warn?: Warn } = {}): ScalarMatcher | null {
  const warn = opts.warn ?? defaultWarn;
  const list = coerceOutputScalars(config);
  if (list !== null && list.length === 0) return null;
  const patterns = compilePatterns(list ?? DEFAULT_OUTPUT_SCALARS, OUTPUT_SCALAR_ALIASES, warn);
  const ignore = new Set(list === null ? flagNames : []);
  return {
    patterns,
    ignore,
    match: (line) => matchLine(line, patterns, pyFloat, warn),
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Steps and writing                                                                           */
/* ------------------------------------------------------------------------------------------ */

/** Where scalars go: an EventFileWriter or anything with its shape. */
export interface ScalarWriter {
  addScalar(tag: string, value: number, step: number): void;
  flush(): void;
  close(): void;
}

/**
 * Guild's step rules (`OutputScalars._step_for_line_keys`): a captured `step` is sticky for all
 * later lines; until one is seen, the implied step starts at 0 and goes up by one on a line
 * holding a key already seen since the last increment (that set then becomes the line's keys).
 */
export class StepTracker {
  /** The last `step` captured (a Python float), null until one is seen. */
  step: number | null = null;
  impliedStep: number | null = null;
  private impliedKeys = new Set<string>();

  /** Records a captured `step` value. */
  setStep(step: number): void {
    this.step = step;
  }

  /** The step for a line holding these keys (ignored keys included, as in Guild). */
  forLineKeys(keys: readonly string[]): number {
    if (this.step !== null) return this.step;
    if (keys.some((k) => this.impliedKeys.has(k))) {
      this.impliedStep = (this.impliedStep ?? 0) + 1;
      this.impliedKeys = new Set(keys);
    } else {
      this.impliedStep ??= 0;
      for (const k of keys) this.impliedKeys.add(k);
    }
    return this.impliedStep;
  }
}

/**
 * Applies a matcher line by line as Guild's `OutputScalars.write` does and writes the scalars:
 * per completed line, `step` popped (sticky), the line's step computed, then each key in sorted
 * order (ignored keys skipped) written with `int(step)` and the writer flushed after each scalar.
 * The writer may be given as a factory: it is then created on the first scalar, as Guild creates
 * its event file. Like Guild's output callback, an error (e.g. a NaN step) disables the logger.
 */
export class ScalarLogger {
  readonly steps = new StepTracker();
  private writer: ScalarWriter | null;
  private readonly factory: (() => ScalarWriter) | null;
  private failed: unknown = null;
  private readonly onError: (e: unknown) => void;

  constructor(
    private readonly matcher: ScalarMatcher,
    writer: ScalarWriter | (() => ScalarWriter),
    opts: { onError?: (e: unknown) => void } = {},
  ) {
    this.writer = typeof writer === "function" ? null : writer;
    this.factory = typeof writer === "function" ? writer : null;
    this.onError =
      opts.onError ??
      ((e) => process.stderr.write(`guild: error in output callback (will be removed): ${e instanceof Error ? e.message : String(e)}\n`));
  }

  /** Set once a line failed: nothing more is logged. */
  get error(): unknown {
    return this.failed;
  }

  /**
   * Handles one completed output line (text, or the raw bytes, decoded ignoring invalid UTF-8).
   * Returns the keys it captured (`step` included when the line has a step), which Guild then
   * keeps out of output attrs for that line.
   */
  onLine(line: string | Uint8Array): string[] {
    if (this.failed !== null) return [];
    try {
      return this.write(line);
    } catch (e) {
      this.failed = e;
      this.onError(e);
      return [];
    }
  }

  private write(line: string | Uint8Array): string[] {
    const vals = this.matcher.match(line);
    let step: number | null = null;
    const stepAt = vals.findIndex((v) => v.key === "step");
    if (stepAt >= 0) {
      step = vals[stepAt]!.value;
      vals.splice(stepAt, 1);
      this.steps.setStep(step);
    }
    if (vals.length) {
      step = this.steps.forLineKeys(vals.map((v) => v.key));
      for (const { key, value } of [...vals].sort((a, b) => comparePyStr(a.key, b.key))) {
        if (this.matcher.ignore.has(key)) continue;
        const int = stepToInt64(step); // raises before the writer exists, as in Guild
        const w = (this.writer ??= this.factory!());
        w.addScalar(key, value, int);
        w.flush();
      }
    }
    const keys = vals.map((v) => v.key);
    if (step !== null) keys.push("step");
    return keys;
  }

  flush(): void {
    this.writer?.flush();
  }

  close(): void {
    this.writer?.close();
  }
}
