import assert from "node:assert/strict";
import { test } from "node:test";
import { GuildFloat } from "@guildts/runstore";
import { checkProperty, scaledRuns } from "@guildts/testkit";
import fc from "fast-check";
import {
  compileFilter,
  compileFilterExpr,
  type Expr,
  FilterError,
  type FilterRun,
  FilterSyntaxError,
  formatFilterExpr,
  inTimeRange,
  MAX_FILTER_DEPTH,
  parseFilterExpr,
  parseTimeRange,
  splitOpspec,
  TimeRangeError,
  type Term,
} from "../src/index.js";
import { rec } from "./records.js";

/** A run for expressions: attrs, flags, scalars and tags given directly. */
function run(o: {
  attrs?: Record<string, unknown>;
  flags?: Record<string, unknown>;
  scalars?: Record<string, number>;
  tags?: string[];
}): FilterRun {
  return {
    attr: (n) => o.attrs?.[n] as never,
    flag: (n) => o.flags?.[n] as never,
    scalar: (k) => {
      if (!o.scalars) return undefined;
      if (k in o.scalars) return o.scalars[k];
      const hit = Object.keys(o.scalars).find((key) => key.endsWith(`#${k}`));
      return hit === undefined ? undefined : o.scalars[hit];
    },
    tags: () => o.tags ?? [],
  };
}
const holds = (expr: string, r: FilterRun) => compileFilterExpr(parseFilterExpr(expr))(r);
const none = run({});

test("bare terms are truthy by value; keywords are case-insensitive", () => {
  for (const t of ["1", "cat", "true", "TRUE", "'x'", "[0]", "0.5"]) assert.equal(holds(t, none), true, t);
  for (const t of ["0", "false", "False", "undefined", "''", "0.0"]) assert.equal(holds(t, none), false, t);
});

test("AND and OR share one precedence and associate to the right (Guild's quirk); NOT binds tighter", () => {
  assert.equal(holds("false and false or true", none), false); // false and (false or true)
  assert.equal(holds("true or false and false", none), true); // true or (false and false)
  assert.equal(holds("(false and false) or true", none), true);
  assert.equal(holds("not false and false", none), false); // (not false) and false
  assert.equal(holds("not (false and false)", none), true);
  assert.equal(formatFilterExpr(parseFilterExpr("a = 1 and b = 2 or c = 3")), "(a = 1 and (b = 2 or c = 3))");
});

test("values: attr, then flag, then scalar; prefixes force the source", () => {
  const r = run({
    attrs: { status: "completed" },
    flags: { lr: 0.1, status: "flag-status", acc: 9 },
    scalars: { acc: 0.9, "eval#loss": 0.2 },
  });
  assert.equal(holds("status = completed", r), true);
  assert.equal(holds("flag:status = flag-status", r), true);
  assert.equal(holds("lr = 0.1 and acc = 9", r), true); // the flag acc hides the scalar acc
  assert.equal(holds("scalar:acc > 0.5 and scalar:acc < 1", r), true);
  assert.equal(holds("loss < 0.3 and scalar:eval#loss = 0.2", r), true); // an unprefixed tag matches any prefix
  assert.equal(holds("scalar:train#loss is undefined", r), true);
  assert.equal(holds("attr:lr is undefined", r), true);
});

test("Python semantics: 1 == 1.0 == True, '1' != 1, TypeErrors are false, NaN compares false", () => {
  const r = run({ flags: { i: 1, f: new GuildFloat(1), b: true, s: "1", n: null, nan: Number.NaN, l: [1, "a"] } });
  assert.equal(holds("i = 1.0 and f = 1 and b = 1 and i = true", r), true);
  assert.equal(holds("s = 1", r), false);
  assert.equal(holds("s = '1'", r), true);
  assert.equal(holds("s < 2", r), false); // '1' < 2: TypeError
  assert.equal(holds("s >= 2", r), false);
  assert.equal(holds("n < 0.5", r), false); // None < 0.5: TypeError
  assert.equal(holds("n is undefined and missing is undefined", r), true);
  assert.equal(holds("nan < 1 or nan >= 1 or nan = nan", r), false);
  assert.equal(holds("nan != nan", r), true);
  assert.equal(holds("l = [1, a]", r), true);
  assert.equal(holds("l < [1, b]", r), true);
  assert.throws(() => holds("'b' > 'a'", r), FilterSyntaxError); // a test compares a name, never a literal
});

test("in, not in, contains, not contains", () => {
  const r = run({ attrs: { label: "Best guess", tags: ["red", "green"] }, flags: { lr: 0.01, bs: 100 } });
  assert.equal(holds("lr in [0.1, 0.01]", r), true);
  assert.equal(holds("lr not in [0.1, 0.01]", r), false);
  assert.equal(holds("bs in [100,200]", r), true);
  assert.equal(holds("label contains best", r), true); // case-insensitive substring
  assert.equal(holds("label not contains worst", r), true);
  assert.equal(holds("tags contains red", r), true); // list membership, exact
  assert.equal(holds("tags contains Red", r), false);
  assert.equal(holds("tags contains [green, red]", r), true); // subset
  assert.equal(holds("tags contains [green, blue]", r), false);
  assert.equal(holds("missing contains x", r), false);
  assert.equal(holds("missing not contains x", r), true); // a falsy value contains nothing
  assert.equal(holds("lr contains 0.0", r), true); // str(0.01) holds '0.0'
});

test("beyond Guild: tag tests the run's tags as a set", () => {
  const r = run({ tags: ["best", "v1"] });
  assert.equal(holds("tag = best and not tag = broken", r), true);
  assert.equal(holds("tag != best", r), false);
  assert.equal(holds("tag in [v2, v1]", r), true);
  assert.equal(holds("tag not in [v2, v3]", r), true);
  assert.equal(holds("tag contains BE", r), true);
  assert.equal(holds("tag is undefined", r), false);
  assert.equal(holds("tag is undefined", none), true);
  assert.equal(holds("tag is not undefined", none), false);
});

test("syntax errors: Guild's messages and positions, then what was expected", () => {
  const err = (text: string) => {
    try {
      parseFilterExpr(text);
    } catch (e) {
      assert.ok(e instanceof FilterSyntaxError, String(e));
      return e.message;
    }
    assert.fail(`parsed: ${text}`);
  };
  assert.match(err("lr ~ 0.1"), /^syntax error in filter at position 3: unexpected character '~'; expected /);
  assert.match(err("(lr = 0.1"), /^syntax error in filter - unexpected end of expresion; expected '\)'$/);
  assert.match(err("lr ="), /^syntax error in filter - unexpected end of expresion; expected a value/);
  assert.match(err("lr in 0.1"), /^syntax error in filter at position 6: unexpected token 0\.1; expected '\['/);
  assert.match(err("lr = 0.1 and"), /^syntax error in filter - unexpected end of expresion/);
  assert.match(err("lr = 0.1)"), /^syntax error in filter at position 8: unexpected token '\)'; expected 'and', 'or' or the end$/);
  assert.match(err("foo = ("), /^syntax error in filter at position 6: unexpected token '\('/);
  assert.match(err("a\n= ("), /^syntax error in filter on line 2, position 4: unexpected token '\('/);
  assert.match(err("lr == 1"), /^syntax error in filter at position 4: unexpected token '='/);
  assert.match(err("lr not 1"), /^syntax error in filter at position 7: unexpected token 1; expected 'in' or 'contains' after 'not'$/);
  assert.match(err("a b"), /at position 2: unexpected token 'b'; expected =, !=/);
  assert.match(err("x = \u001b"), /unexpected character '\\x1b'/);
  assert.match(err("(".repeat(MAX_FILTER_DEPTH + 1)), /nests more than 500 levels deep/);
  assert.equal(formatFilterExpr(parseFilterExpr("(".repeat(100) + "x = 1" + ")".repeat(100))), "x = 1");
});

test("tokens as Guild lexes them: one ID up to a space or operator, YAML numbers and strings", () => {
  const e = parseFilterExpr("target/.guild#loss <= .5") as Extract<Expr, { kind: "test" }>;
  assert.equal(e.ref, "target/.guild#loss");
  assert.deepEqual(e.target, { kind: "value", value: 0.5 });
  const big = parseFilterExpr("x = 1e5") as Extract<Expr, { kind: "test" }>;
  assert.ok(big.target.kind === "value" && big.target.value instanceof GuildFloat && big.target.value.value === 100000);
  const s = parseFilterExpr(`x = "a\\"b\\u00e9"`) as Extract<Expr, { kind: "test" }>;
  assert.deepEqual(s.target, { kind: "value", value: 'a"bé' });
  const ne = parseFilterExpr("x <> 1") as Extract<Expr, { kind: "test" }>;
  assert.equal(ne.op, "!=");
  assert.equal((parseFilterExpr("android = 1") as Extract<Expr, { kind: "test" }>).ref, "android"); // not 'and'
});

// Generated expressions: printing and parsing again gives the same tree.
const name = fc.stringMatching(/^[a-z][a-z0-9_:#./-]{0,8}$/).filter((n) => !/^(and|or|in|not|true|false|is|undefined|contains)$/i.test(n));
const termArb: fc.Arbitrary<Term> = fc.letrec<{ term: Term }>((tie) => ({
  term: fc.oneof(
    { depthSize: "small" },
    fc.integer({ min: -1000, max: 1000 }).map((value): Term => ({ kind: "value", value })),
    fc
      .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
      .filter((x) => !Number.isInteger(x))
      .map((value): Term => ({ kind: "value", value })),
    fc.string({ maxLength: 8 }).map((value): Term => ({ kind: "value", value })),
    name.map((value): Term => ({ kind: "value", value, bare: true })),
    fc.constantFrom<Term>({ kind: "value", value: true }, { kind: "value", value: false }, { kind: "value", value: null }),
    fc.array(tie("term"), { minLength: 1, maxLength: 3 }).map((items): Term => ({ kind: "list", items })),
  ),
})).term;
const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small" },
    termArb.map((term): Expr => ({ kind: "term", term })),
    fc
      .record({ ref: name, op: fc.constantFrom("=", "!=", "<", "<=", ">", ">=", "is", "is not" as const), target: termArb })
      .map((t): Expr => ({ kind: "test", ...t })),
    fc
      .record({ ref: name, negated: fc.boolean(), list: fc.array(termArb, { minLength: 1, maxLength: 3 }) })
      .map((t): Expr => ({ kind: "in", ...t })),
    fc.record({ ref: name, negated: fc.boolean(), target: termArb }).map((t): Expr => ({ kind: "contains", ...t })),
    fc.record({ kind: fc.constantFrom("and", "or" as const), left: tie("expr"), right: tie("expr") }).map((t): Expr => ({ ...t })),
    tie("expr").map((expr): Expr => ({ kind: "not", expr })),
  ),
})).expr;

test("property: format then parse is the identity on expression trees", () => {
  checkProperty(
    fc.property(exprArb, (e) => {
      const text = formatFilterExpr(e);
      assert.deepEqual(parseFilterExpr(text), e, text);
      assert.equal(formatFilterExpr(parseFilterExpr(text)), text);
    }),
    { numRuns: scaledRuns(400) },
  );
});

test("property: any input parses or fails with a one-line FilterSyntaxError; a parsed filter evaluates without throwing", () => {
  const pieces = fc.constantFrom(
    "(",
    ")",
    "[",
    "]",
    ",",
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">=",
    ">",
    " ",
    "\n",
    "and",
    "or",
    "not",
    "in",
    "is",
    "contains",
    "undefined",
    "true",
    "lr",
    "acc",
    "tag",
    "1",
    "-.5",
    "1e5",
    "'x'",
    '"y\\"',
    "'",
    '"',
    "~",
    "\u202e",
    "attr:label",
    "scalar:a#b",
  );
  const input = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.array(pieces, { maxLength: 20 }).map((a) => a.join(" ")),
    fc.array(pieces, { maxLength: 20 }).map((a) => a.join("")),
  );
  const r = run({ attrs: { label: "x", tags: ["a"] }, flags: { lr: 0.1, acc: [1, 2] }, scalars: { acc: 0.5 }, tags: ["a"] });
  checkProperty(
    fc.property(input, (text) => {
      let pred: ((run: FilterRun) => boolean) | null = null;
      try {
        pred = compileFilterExpr(parseFilterExpr(text));
      } catch (e) {
        assert.ok(e instanceof FilterSyntaxError, `${text}: ${e}`);
        assert.ok(!e.message.includes("\n"), e.message);
        return;
      }
      assert.equal(typeof pred(r), "boolean");
    }),
    { numRuns: scaledRuns(2000) },
  );
});

test("compileFilter: -F over records, syntax errors as FilterError; with no env, scalars are missing", () => {
  const runs = [
    rec("a1", { flags: { lr: 0.1 }, tags: ["best"], status: "completed" }),
    rec("b2", { flags: { lr: 0.01 }, status: "error" }),
    rec("c3", { flags: {}, label: "best guess" }),
  ];
  const ids = (expr: string) => runs.filter(compileFilter({ expr })).map((r) => r.id);
  assert.deepEqual(ids("lr > 0.05"), ["a1"]);
  assert.deepEqual(ids("status = error or label contains best"), ["b2", "c3"]);
  assert.deepEqual(ids("tag = best"), ["a1"]);
  assert.deepEqual(ids("run = a1 or id = b2"), ["a1", "b2"]);
  assert.deepEqual(ids("acc is undefined"), ["a1", "b2", "c3"]);
  assert.deepEqual(ids(""), ["a1", "b2", "c3"]);
  assert.throws(() => compileFilter({ expr: "lr >" }), FilterError);
});

test("-Fo: Guild's opspec match, part by part, globs and regexes; not substrings", () => {
  const runs = [
    rec("a", { operation: "mnist:train" }),
    rec("b", { operation: "mnist:evaluate" }),
    rec("c", { operation: "mnist:train+" }),
    rec("d", { operation: "pkg/m:op" }),
  ];
  const ids = (v: string) => runs.filter(compileFilter({ opspecs: [v] })).map((r) => r.id);
  assert.deepEqual(ids("train"), ["a"]);
  assert.deepEqual(ids("*ain"), ["a"]);
  assert.deepEqual(ids("tra*"), ["a", "c"]);
  assert.deepEqual(ids("mnist:*"), ["a", "b", "c"]);
  assert.deepEqual(ids("*:evaluate"), ["b"]);
  assert.deepEqual(ids("mni*:evaluate"), ["b"]);
  assert.deepEqual(ids("^mnist:(train|evaluate)"), ["a", "b", "c"]);
  assert.deepEqual(ids(":(evaluate|test)$"), ["b"]);
  assert.deepEqual(ids("ain"), []);
  assert.deepEqual(ids("tra"), []);
  assert.deepEqual(ids("train+"), ["c"]);
  assert.deepEqual(ids("pkg/m:op"), ["d"]);
  assert.deepEqual(ids("pkg/:op"), ["d"]);
  assert.deepEqual(ids("a:b:c"), ["a", "b", "c", "d"]); // no opspec shape: every run
  assert.deepEqual(ids("^("), []); // a bad regex matches nothing
  assert.deepEqual(splitOpspec("pkg/model:op"), ["pkg", "model", "op"]);
  assert.deepEqual(splitOpspec("pkg/op"), ["pkg", "", "op"]);
  assert.deepEqual(splitOpspec(":op"), [null, "", "op"]);
});

test("--not-* drop statuses; with statuses, both apply", () => {
  const runs = [rec("a", { status: "completed" }), rec("b", { status: "error" }), rec("c", { status: "staged" })];
  const ids = (f: Parameters<typeof compileFilter>[0]) => runs.filter(compileFilter(f)).map((r) => r.id);
  assert.deepEqual(ids({ notStatuses: ["error", "completed"] }), ["c"]);
  assert.deepEqual(ids({ statuses: ["completed", "staged"], notStatuses: ["error"] }), ["a", "c"]);
});

test("--started: Guild's time ranges, start inclusive, end exclusive, local time", () => {
  const now = new Date(2026, 11, 2, 10, 30, 15); // Wednesday
  const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s).getTime();
  const r = (spec: string) => parseTimeRange(spec, now);
  assert.deepEqual(r("before 2026-12-02"), { start: null, end: at(2026, 12, 2) });
  assert.deepEqual(r("after 2026-12-01"), { start: at(2026, 12, 1), end: null });
  assert.deepEqual(r("between 2026-11-01 and 2026-11-30"), { start: at(2026, 11, 1), end: at(2026, 11, 30) });
  assert.deepEqual(r("between 2026-11-30 and 2026-11-01"), { start: at(2026, 11, 1), end: at(2026, 11, 30) });
  assert.deepEqual(r("today"), { start: at(2026, 12, 2), end: at(2026, 12, 3) });
  assert.deepEqual(r("YESTERDAY"), { start: at(2026, 12, 1), end: at(2026, 12, 2) });
  assert.deepEqual(r("this week"), { start: at(2026, 11, 30), end: at(2026, 12, 7) });
  assert.deepEqual(r("1 week ago"), { start: at(2026, 11, 23), end: at(2026, 11, 30) });
  assert.deepEqual(r("this month"), { start: at(2026, 12, 1), end: at(2026, 12, 31) }); // Guild's month ends on its last day
  assert.deepEqual(r("2 months ago"), { start: at(2026, 10, 1), end: at(2026, 10, 31) });
  assert.deepEqual(r("this year"), { start: at(2026, 1, 1), end: at(2027, 1, 1) });
  assert.deepEqual(r("last 2 hours"), { start: at(2026, 12, 2, 8, 30, 15), end: null });
  assert.deepEqual(r("last min"), { start: at(2026, 12, 2, 10, 29, 15), end: null });
  assert.deepEqual(r("3 hr ago"), { start: at(2026, 12, 2, 7), end: at(2026, 12, 2, 8) });
  assert.deepEqual(r("12-01"), { start: at(2026, 12, 1), end: at(2026, 12, 2) });
  assert.deepEqual(r("26-12-01 09:15"), { start: at(2026, 12, 1, 9, 15), end: at(2026, 12, 1, 9, 16) });
  assert.deepEqual(r("09:15:30"), { start: at(2026, 12, 2, 9, 15, 30), end: at(2026, 12, 2, 9, 15, 31) });
  assert.deepEqual(r("before this hour"), { start: null, end: at(2026, 12, 2, 10) });
  assert.deepEqual(r("after yesterday"), { start: at(2026, 12, 2), end: null });
  const bad = (spec: string, message: string) =>
    assert.throws(
      () => r(spec),
      (e: Error) => e instanceof TimeRangeError && e.message === message,
    );
  bad("last week", "unexpected 'week' at pos 5");
  bad("before the flood", "unexpected 'the' at position 7");
  bad("before 2026-13-45", "month must be in 1..12");
  bad("2026-02-30", "day is out of range for month");
  bad("25:00", "hour must be in 0..23");
  bad("xx", "unexpected 'xx' at position 0");
  bad("before 2026/12", "unexpected '/12' at position 11");
  bad("", "spec cannot be empty");
  bad("before", "spec cannot be empty");
  const range = r("today");
  assert.equal(inTimeRange(range, at(2026, 12, 2, 23, 59, 59) * 1000 + 999_999), true);
  assert.equal(inTimeRange(range, at(2026, 12, 3) * 1000), false);
  assert.equal(inTimeRange(range, null), false);
  assert.throws(
    () => compileFilter({ started: "last week" }),
    (e: FilterError) => e.message === "invalid RANGE: unexpected 'week' at pos 5" && e.hints.length === 1,
  );
});
