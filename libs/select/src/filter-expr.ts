import { decodeAttr, showInput } from "@guildts/runstore";
import { type AttrValue as PyValue, pyCompare, pyEquals as pyEq, pyRepr, pyStr, pyTruthy } from "@guildts/py";

/**
 * Guild 0.9's filter expressions (`-F/--filter EXPR`, guild/filter.py; store spec §5.4): the
 * same tokens, grammar, precedence quirk (AND and OR share one precedence, right-associative;
 * NOT binds tighter) and Python semantics, over a FilterRun that supplies attrs, flags and
 * scalars. Beyond Guild: `tag` tests the run's tags (`tag = best and not tag = broken`).
 * Pure: no file system.
 */

export type TestOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "is" | "is not";

export type Term = { kind: "value"; value: PyValue; bare?: boolean } | { kind: "list"; items: Term[] };

export type Expr =
  | { kind: "term"; term: Term }
  | { kind: "test"; ref: string; op: TestOp; target: Term }
  | { kind: "in"; ref: string; negated: boolean; list: Term[] }
  | { kind: "contains"; ref: string; negated: boolean; target: Term }
  | { kind: "and" | "or"; left: Expr; right: Expr }
  | { kind: "not"; expr: Expr };

/** What an expression reads of a run (Guild's FilterRun): each returns null/undefined when missing. */
export interface FilterRun {
  /** An attr; `forced` for `attr:NAME` (any attr file, not only the names Guild writes). */
  attr(name: string, forced?: boolean): PyValue | undefined;
  flag(name: string): PyValue | undefined;
  /** The last value of scalar `[prefix#]tag` (an unprefixed tag matches any prefix, the first found). */
  scalar(key: string): number | undefined;
  tags(): readonly string[];
}

/** A filter that does not parse: Guild's message, with the position and what was expected. */
export class FilterSyntaxError extends Error {
  override name = "FilterSyntaxError";
  constructor(
    message: string,
    /** Offset from 0 of the bad token, or null at the end. */
    readonly position: number | null,
  ) {
    super(message);
  }
}

type TokType =
  | "("
  | ")"
  | "["
  | "]"
  | ","
  | "NEQ"
  | "EQ"
  | "LTE"
  | "LT"
  | "GTE"
  | "GT"
  | "ID"
  | "NUMBER"
  | "STR"
  | "AND"
  | "OR"
  | "IN"
  | "NOT"
  | "TRUE"
  | "FALSE"
  | "IS"
  | "UNDEFINED"
  | "CONTAINS";

interface Token {
  type: TokType;
  /** The token's value as Guild holds it (text for IDs, keywords and punctuation; decoded numbers and strings). */
  value: PyValue;
  pos: number;
  line: number;
}

const KEYWORDS = new Set(["and", "or", "in", "not", "true", "false", "is", "undefined", "contains"]);
const PUNCT: Record<string, TokType> = { "(": "(", ")": ")", "[": "[", "]": "]", ",": "," };
const ID_RE = /[a-zA-Z][^ ,<>!=\n()[\]]*/y;
const NUMBER_RE = /-?\.?\d+(\.\d+)?(e(\+|-)?\d+)?/y;
const STR_RE = /("([^\\\n]|\\.)*?")|('([^\\\n]|\\.)*?')/y;

function at(line: number, pos: number, what: string): FilterSyntaxError {
  const where = line > 1 ? `on line ${line}, position ${pos}` : `at position ${pos}`;
  return new FilterSyntaxError(`syntax error in filter ${where}: ${what}`, pos);
}

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const sticky = (re: RegExp): string | null => {
    re.lastIndex = i;
    const m = re.exec(text);
    return m ? m[0] : null;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    const pos = i;
    const push = (type: TokType, value: PyValue, len: number) => {
      tokens.push({ type, value, pos, line });
      i += len;
    };
    if (PUNCT[c]) {
      push(PUNCT[c]!, c, 1);
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === "<>" || two === "!=") push("NEQ", two, 2);
    else if (c === "=") push("EQ", c, 1);
    else if (two === "<=") push("LTE", two, 2);
    else if (c === "<") push("LT", c, 1);
    else if (two === ">=") push("GTE", two, 2);
    else if (c === ">") push("GT", c, 1);
    else {
      let m: string | null;
      if ((m = sticky(ID_RE))) {
        const kw = m.toLowerCase();
        push(KEYWORDS.has(kw) ? (kw.toUpperCase() as TokType) : "ID", m, m.length);
      } else if ((m = sticky(NUMBER_RE))) push("NUMBER", decodeAttr(m), m.length);
      else if ((m = sticky(STR_RE))) {
        let v: PyValue;
        try {
          v = decodeAttr(m);
        } catch (e) {
          throw at(line, pos, `invalid string ${pyRepr(m)}: ${(e as Error).message}`);
        }
        push("STR", v, m.length);
      } else {
        throw at(line, pos, `unexpected character '${showInput(String.fromCodePoint(text.codePointAt(i)!))}'; expected ${EXPECT.start}`);
      }
    }
  }
  return tokens;
}

const EXPECT = {
  start: "a value, a name, 'not' or '('",
  after: "'and', 'or' or the end",
  test: "=, !=, <, <=, >, >=, is, in, not in, contains, 'and', 'or' or the end",
  term: "a value (number, string, name, true, false, undefined or [list])",
  list: "'[' (in takes a list)",
  listNext: "',' or ']'",
  notAfterName: "'in' or 'contains' after 'not'",
  close: "')'",
};

function tokenText(t: Token): string {
  // Guild prints the token's value with Python's repr: 0.1, 'abc', ')'.
  return showInput(pyRepr(t.value), 80);
}

const END = "syntax error in filter - unexpected end of expresion";

/** How deep an expression may nest (parentheses, `not`, `and`/`or` chains, lists): no stack overflow. */
export const MAX_FILTER_DEPTH = 500;

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  private enter(): void {
    if (++this.depth > MAX_FILTER_DEPTH) {
      const t = this.peek();
      throw new FilterSyntaxError(
        `syntax error in filter at position ${t?.pos ?? 0}: the expression nests more than ${MAX_FILTER_DEPTH} levels deep`,
        t?.pos ?? 0,
      );
    }
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private fail(expected: string): never {
    const t = this.peek();
    if (!t) throw new FilterSyntaxError(`${END}; expected ${expected}`, null);
    throw at(t.line, t.pos, `unexpected token ${tokenText(t)}; expected ${expected}`);
  }

  private take(type: TokType, expected: string): Token {
    const t = this.peek();
    if (!t || t.type !== type) this.fail(expected);
    this.i++;
    return t;
  }

  parse(): Expr {
    if (this.toks.length === 0) throw new FilterSyntaxError(`${END}; expected ${EXPECT.start}`, null);
    const e = this.expr();
    if (this.peek()) this.fail(this.toks[this.i - 1]?.type === "ID" ? EXPECT.test : EXPECT.after);
    return e;
  }

  /** expr := unary ((AND | OR) expr)?  — one precedence, right-associative (Guild's quirk). */
  private expr(): Expr {
    this.enter();
    const left = this.unary();
    const t = this.peek();
    let e = left;
    if (t && (t.type === "AND" || t.type === "OR")) {
      this.i++;
      const right = this.expr();
      e = { kind: t.type === "AND" ? "and" : "or", left, right };
    }
    this.depth--;
    return e;
  }

  private unary(): Expr {
    const t = this.peek();
    if (!t) this.fail(EXPECT.start);
    if (t.type === "NOT") {
      this.i++;
      this.enter();
      const e: Expr = { kind: "not", expr: this.unary() };
      this.depth--;
      return e;
    }
    if (t.type === "(") {
      this.i++;
      const e = this.expr();
      this.take(")", EXPECT.close);
      return e;
    }
    if (t.type === "ID") {
      const next = this.toks[this.i + 1];
      if (next && isTestStart(next.type)) {
        this.i++;
        return this.runTest(String(t.value));
      }
    }
    return { kind: "term", term: this.term() };
  }

  private runTest(ref: string): Expr {
    const t = this.peek()!;
    this.i++;
    switch (t.type) {
      case "EQ":
      case "NEQ":
      case "LT":
      case "LTE":
      case "GT":
      case "GTE": {
        const op = ({ EQ: "=", NEQ: "!=", LT: "<", LTE: "<=", GT: ">", GTE: ">=" } as const)[t.type];
        return { kind: "test", ref, op, target: this.term() };
      }
      case "IS":
        if (this.peek()?.type === "NOT") {
          this.i++;
          return { kind: "test", ref, op: "is not", target: this.term() };
        }
        return { kind: "test", ref, op: "is", target: this.term() };
      case "IN":
        return { kind: "in", ref, negated: false, list: this.list() };
      case "CONTAINS":
        return { kind: "contains", ref, negated: false, target: this.term() };
      default: {
        // NOT: only `not in` and `not contains` follow a name.
        const n = this.peek();
        if (n?.type === "IN") {
          this.i++;
          return { kind: "in", ref, negated: true, list: this.list() };
        }
        if (n?.type === "CONTAINS") {
          this.i++;
          return { kind: "contains", ref, negated: true, target: this.term() };
        }
        this.fail(EXPECT.notAfterName);
      }
    }
  }

  private list(): Term[] {
    this.take("[", EXPECT.list);
    this.enter();
    const items = [this.term()];
    for (;;) {
      const t = this.take(this.peek()?.type === "," ? "," : "]", EXPECT.listNext);
      if (t.type === "]") {
        this.depth--;
        return items;
      }
      items.push(this.term());
    }
  }

  private term(): Term {
    const t = this.peek();
    if (!t) this.fail(EXPECT.term);
    switch (t.type) {
      case "NUMBER":
      case "STR":
        this.i++;
        return { kind: "value", value: t.value };
      case "ID":
        this.i++;
        return { kind: "value", value: t.value, bare: true };
      case "TRUE":
        this.i++;
        return { kind: "value", value: true };
      case "FALSE":
        this.i++;
        return { kind: "value", value: false };
      case "UNDEFINED":
        this.i++;
        return { kind: "value", value: null };
      case "[":
        return { kind: "list", items: this.list() };
      default:
        this.fail(EXPECT.term);
    }
  }
}

function isTestStart(t: TokType): boolean {
  return (
    t === "EQ" ||
    t === "NEQ" ||
    t === "LT" ||
    t === "LTE" ||
    t === "GT" ||
    t === "GTE" ||
    t === "IS" ||
    t === "IN" ||
    t === "CONTAINS" ||
    t === "NOT"
  );
}

/** Parses a filter expression; throws FilterSyntaxError (Guild's message, plus what was expected). */
export function parseFilterExpr(text: string): Expr {
  return new Parser(lex(text)).parse();
}

/** The expression as text that parses back to the same expression (fully parenthesised). */
export function formatFilterExpr(e: Expr): string {
  switch (e.kind) {
    case "term":
      return formatTerm(e.term);
    case "test":
      return `${e.ref} ${e.op} ${formatTerm(e.target)}`;
    case "in":
      return `${e.ref} ${e.negated ? "not in" : "in"} ${formatTerm({ kind: "list", items: e.list })}`;
    case "contains":
      return `${e.ref} ${e.negated ? "not contains" : "contains"} ${formatTerm(e.target)}`;
    case "and":
    case "or":
      return `(${formatFilterExpr(e.left)} ${e.kind} ${formatFilterExpr(e.right)})`;
    case "not":
      return `not ${formatFilterExpr(e.expr)}`;
  }
}

function formatTerm(t: Term): string {
  if (t.kind === "list") return `[${t.items.map(formatTerm).join(", ")}]`;
  const v = t.value;
  if (v === true) return "true";
  if (v === false) return "false";
  if (v === null) return "undefined";
  if (typeof v === "string") return t.bare ? v : JSON.stringify(v);
  return pyRepr(v);
}

function termValue(t: Term): PyValue {
  return t.kind === "list" ? t.items.map(termValue) : t.value;
}

/** The value a reference names: `attr:`, `flag:`, `scalar:`, else attr, then flag, then scalar. */
function runValue(run: FilterRun, ref: string): PyValue | undefined {
  if (ref.startsWith("attr:")) return run.attr(ref.slice(5), true);
  if (ref.startsWith("flag:")) return run.flag(ref.slice(5));
  if (ref.startsWith("scalar:")) return run.scalar(ref.slice(7));
  const a = run.attr(ref);
  if (a !== undefined && a !== null) return a;
  const f = run.flag(ref);
  if (f !== undefined && f !== null) return f;
  return run.scalar(ref);
}

const TAG_REF = "tag";

function relation(op: TestOp, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case "=":
    case "is":
      return pyEq(a, b);
    case "!=":
    case "is not":
      return !pyEq(a, b);
    default: {
      const c = pyCompare(a, b);
      if (c === undefined) return false; // Python's TypeError makes the test false
      return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
    }
  }
}

function contains(runVal: PyValue, target: PyValue): boolean {
  if (Array.isArray(runVal)) {
    if (Array.isArray(target)) return target.every((x) => runVal.some((y) => pyEq(x, y)));
    return runVal.some((y) => pyEq(target, y));
  }
  return pyStr(runVal).toLowerCase().includes(pyStr(target).toLowerCase());
}

/** `tag …`: the run's tags as a set (beyond Guild). */
function tagTest(e: Expr & { ref: string }, tags: readonly string[]): boolean {
  if (e.kind === "test") {
    const v = termValue(e.target);
    const has = v === null ? tags.length > 0 : tags.some((t) => pyEq(t, v));
    return e.op === "=" || e.op === "is"
      ? v === null
        ? !has
        : has
      : e.op === "!=" || e.op === "is not"
        ? v === null
          ? has
          : !has
        : tags.some((t) => relation(e.op, t, v));
  }
  if (e.kind === "in") {
    const vs = e.list.map(termValue);
    const any = tags.some((t) => vs.some((v) => pyEq(t, v)));
    return e.negated ? !any : any;
  }
  if (e.kind === "contains") {
    const v = pyStr(termValue(e.target)).toLowerCase();
    const any = tags.some((t) => t.toLowerCase().includes(v));
    return e.negated ? !any : any;
  }
  return false;
}

/** The expression as a predicate over FilterRuns (the value of the whole expression, as Python's bool). */
export function compileFilterExpr(e: Expr): (run: FilterRun) => boolean {
  const ev = compileNode(e);
  return (run) => pyTruthy(ev(run));
}

function compileNode(e: Expr): (run: FilterRun) => PyValue {
  switch (e.kind) {
    case "term": {
      const v = termValue(e.term);
      return () => v;
    }
    case "test": {
      const target = termValue(e.target);
      if (e.ref === TAG_REF) return (run) => tagTest(e, run.tags());
      const { ref, op } = e;
      return (run) => relation(op, runValue(run, ref) ?? null, target);
    }
    case "in": {
      const list = e.list.map(termValue);
      if (e.ref === TAG_REF) return (run) => tagTest(e, run.tags());
      const { ref, negated } = e;
      return (run) => {
        const v = runValue(run, ref) ?? null;
        const found = list.some((x) => pyEq(v, x));
        return negated ? !found : found;
      };
    }
    case "contains": {
      const target = termValue(e.target);
      if (e.ref === TAG_REF) return (run) => tagTest(e, run.tags());
      const { ref, negated } = e;
      return (run) => {
        const v = runValue(run, ref) ?? null;
        const r = pyTruthy(v) ? contains(v, target) : false;
        return negated ? !r : r;
      };
    }
    case "and": {
      const l = compileNode(e.left);
      const r = compileNode(e.right);
      return (run) => {
        const a = l(run);
        return pyTruthy(a) ? r(run) : a;
      };
    }
    case "or": {
      const l = compileNode(e.left);
      const r = compileNode(e.right);
      return (run) => {
        const a = l(run);
        return pyTruthy(a) ? a : r(run);
      };
    }
    case "not": {
      const x = compileNode(e.expr);
      return (run) => !pyTruthy(x(run));
    }
  }
}

/** The references an expression reads (`lr`, `scalar:acc`, `tag`...), for callers that load data on demand. */
export function exprRefs(e: Expr): string[] {
  const out = new Set<string>();
  const walk = (x: Expr) => {
    if (x.kind === "and" || x.kind === "or") {
      walk(x.left);
      walk(x.right);
    } else if (x.kind === "not") walk(x.expr);
    else if (x.kind === "test" || x.kind === "in" || x.kind === "contains") out.add(x.ref);
  };
  walk(e);
  return [...out];
}
