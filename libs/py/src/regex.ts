/**
 * Python `re` patterns (Python 3.11 syntax) in JavaScript (`v` flag), with Python's meaning kept:
 * Unicode `\w \d \s \b`, `.` matching all but `\n`, `$` also before a final `\n`, literal `{`,
 * octal escapes, inline flags, possessive quantifiers and atomic groups, and `finditer`'s rule
 * for empty matches.
 */
import { PY_SPACE } from "./text.js";
import { pyRepr } from "./values.js";

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
