/**
 * Hostile input (issue 8, item 2): the selector grammar and the filters on arbitrary text.
 * Every input either parses/compiles or fails with the module's own error type (SelectorError,
 * FilterError) whose message names the input on one line; nothing else is ever thrown, and each
 * call takes bounded time. Iterations scale with GUILDTS_RELIABILITY_SCALE (default 1).
 */
import { checkProperty, scaledRuns } from "@guildts/testkit";
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  compileFilter,
  FilterError,
  parseSelector,
  resolveSelectors,
  RunList,
  SelectorError,
  showInput,
  type RunFilter,
} from "../src/index.js";
import { rec } from "./records.js";

const runs = scaledRuns;

/** Characters that matter to the grammar, to paths and to terminals. */
const nasty = fc.constantFrom(
  ":",
  "/",
  ".",
  "..",
  "-",
  "_",
  "+",
  "0",
  "1",
  "9",
  "a",
  "e",
  "f",
  " ",
  "\t",
  "\n",
  "\r",
  "\0",
  "\x1b",
  "\x7f",
  "\x85",
  "\u202e",
  "\u2066",
  "\u2028",
  "\ufeff",
  "\ud800",
  "\udfff",
  "\u05d0",
  "\u0627",
  "é",
  "😀",
  "*",
  "?",
  "[",
  "'",
  '"',
  "\\",
  "$",
  "~",
);
const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: nasty, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("0", "1", "9", ":"), maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc
    .tuple(fc.constantFrom("../", "../../etc", "/", "./", "a/b", ".", ".."), fc.string({ unit: nasty, maxLength: 10 }))
    .map(([a, b]) => a + b),
  fc.nat({ max: 200_000 }).chain((n) => fc.constantFrom("a", "9", "[", ":", "é", "\n").map((c) => c.repeat(n))),
);

/** The one-line, control-free form the messages quote. */
function assertOneLine(message: string): void {
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(
    message,
    /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
    `control character in ${JSON.stringify(message.slice(0, 200))}`,
  );
  assert.ok(message.length < 1000, `message of ${message.length} characters`);
}

const check = checkProperty;

/** A hang guard, not a performance claim: generous, so a noisy machine never trips it. */
function timed<T>(what: string, fn: () => T, limitMs = 3000): T {
  const t0 = performance.now();
  const v = fn();
  const ms = performance.now() - t0;
  assert.ok(ms < limitMs, `${what}: ${ms.toFixed(0)} ms (limit ${limitMs} ms)`);
  return v;
}

test("parseSelector: a selector of the input, or a SelectorError naming it; never anything else", () => {
  check(
    fc.property(hostileString, (text) => {
      let s;
      try {
        s = timed(`parseSelector of ${text.length} chars`, () => parseSelector(text));
      } catch (e) {
        assert.ok(e instanceof SelectorError, `a SelectorError, not ${String(e)}`);
        assert.equal(e.selector, text);
        assert.ok(["malformed", "out-of-range", "empty-range"].includes(e.kind), e.kind);
        assert.ok(
          e.message.includes(showInput(text)) || (text === "" && e.message.startsWith("an empty selector")),
          e.message.slice(0, 200),
        );
        assertOneLine(e.message);
        return;
      }
      assert.equal(s.text, text);
      if (s.kind === "prefix") {
        // Never a path, never an option.
        assert.ok(!s.prefix.includes("/") && !s.prefix.includes("\0") && s.prefix !== "." && s.prefix !== "..", s.prefix);
        assert.ok(!s.prefix.startsWith("-") && !s.prefix.startsWith("."), s.prefix);
        assert.match(s.prefix, /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/);
      } else if (s.kind === "index") {
        assert.ok(Number.isSafeInteger(s.index) && s.index >= 1);
      } else {
        assert.ok(s.start === null || s.start >= 1);
        assert.ok(s.stop === null || s.stop >= 1);
      }
    }),
    { numRuns: runs(300), seed: 8021 },
  );
});

test("selectors with '/', '..' and path syntax are malformed, whatever follows", () => {
  for (const text of [
    "..",
    ".",
    "../../etc",
    "../../etc/passwd",
    "a/b",
    "/",
    "/etc",
    "./x",
    "0123456789abcdef/..",
    "..\\x",
    ".hidden",
    "-rf",
    "--all",
    "~",
    "$HOME",
    "a b",
    "a\0b",
  ]) {
    assert.throws(
      () => parseSelector(text),
      (e: unknown) => e instanceof SelectorError && e.kind === "malformed" && e.selector === text,
      JSON.stringify(text),
    );
  }
});

test("messages quote hostile input on one line: escapes for control and bidi characters, long input cut", () => {
  assert.throws(() => parseSelector("a\nb"), {
    message: "invalid selector 'a\\nb': use an index (1), a range (2:5, 3:, :), or a run id or id prefix",
  });
  assert.throws(() => parseSelector("\x1b[31mred"), { message: /^invalid selector '\\x1b\[31mred'/ });
  assert.throws(() => parseSelector("abc\u202efdp.exe"), { message: /^invalid selector 'abc\\u202efdp\.exe'/ });
  const huge = "x/".repeat(512 * 1024);
  const e = timed("a 1 MB selector", () => {
    try {
      parseSelector(huge);
    } catch (err) {
      return err as SelectorError;
    }
    assert.fail("no error");
  });
  assert.ok(e instanceof SelectorError && e.selector === huge);
  assert.match(e.message, /^invalid selector 'x\/x\/.*\.\.\. \(1048576 characters\)': use an index/);
  assertOneLine(e.message);
  // Right-to-left text is not a control: it is quoted as is.
  assert.throws(() => parseSelector("שלום/عالم"), { message: /^invalid selector 'שלום\/عالم'/ });
});

test("huge numbers: indexes beyond the list are out of range, never a crash or a prefix", () => {
  const list = new RunList([rec("0123456789abcdef0123456789abcdef", { started: 1 })]);
  for (const text of [
    "9999999",
    "1:99999999999999999999999999",
    "99999999999999999999999:",
    "0000000",
    "0:0",
    ":0",
    "1".repeat(5000) + ":",
  ]) {
    try {
      resolveSelectors(list, [text]);
    } catch (e) {
      assert.ok(e instanceof SelectorError, `${text.slice(0, 30)}: ${String(e)}`);
      assertOneLine(e.message);
    }
  }
  // `1:<huge>` is clamped, as a slice.
  assert.equal(resolveSelectors(list, ["1:99999999999999999999999999"]).length, 1);
});

test("resolveSelectors on a list of runs: runs of the list, or a SelectorError naming the selector", () => {
  const ids = [
    "0123456789abcdef0123456789abcdef",
    "01234567aaaaaaaaaaaaaaaaaaaaaaaa",
    "fedcba9876543210fedcba9876543210",
    "weird-name.1+x",
    "_",
  ];
  const list = ids.map((id, i) => rec(id, { started: 100 - i }));
  check(
    fc.property(
      fc.array(fc.oneof(hostileString, fc.constantFrom(...ids), fc.constantFrom("1", "2:3", ":", "0123", "01234567", "f", "5:", "6")), {
        maxLength: 4,
      }),
      (sels) => {
        try {
          const got = timed("resolveSelectors", () => resolveSelectors(list, sels));
          for (const r of got) assert.ok(list.includes(r));
          assert.equal(new Set(got).size, got.length);
        } catch (e) {
          assert.ok(e instanceof SelectorError, `a SelectorError, not ${String(e)}`);
          assert.ok(sels.includes(e.selector));
          assertOneLine(e.message);
        }
      },
    ),
    { numRuns: runs(300), seed: 8022 },
  );
});

test("compileFilter: a predicate, or a FilterError naming the bad value; the predicate never throws", () => {
  const label = fc.oneof(hostileString, fc.constant(null));
  const records = fc.array(fc.record({ label, op: fc.oneof(hostileString, fc.constant(null)), tag: hostileString, marked: fc.boolean() }), {
    maxLength: 4,
  });
  const filter: fc.Arbitrary<RunFilter> = fc.record(
    {
      ops: fc.array(
        fc.oneof(
          hostileString,
          hostileString.map((s) => `^${s}`),
          hostileString.map((s) => `${s}$`),
        ),
        { maxLength: 3 },
      ),
      labels: fc.array(hostileString, { maxLength: 3 }),
      unlabeled: fc.boolean(),
      tags: fc.array(hostileString, { maxLength: 3 }),
      marked: fc.boolean(),
      unmarked: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  check(
    fc.property(filter, records, (f, rs) => {
      let pred: ReturnType<typeof compileFilter>;
      try {
        pred = timed("compileFilter", () => compileFilter(f));
      } catch (e) {
        assert.ok(e instanceof FilterError, `a FilterError, not ${String(e)}`);
        assertOneLine(e.message);
        const bad = (f.ops ?? []).some((o) => e.message.includes(`'${showInput(o)}'`));
        const conflict = /cannot both be used/.test(e.message);
        assert.ok(bad || conflict, e.message.slice(0, 200));
        return;
      }
      for (const r of rs) {
        const run = rec("0123456789abcdef0123456789abcdef", { label: r.label, operation: r.op, tags: [r.tag], marked: r.marked });
        // Plain substring filters on 200 KB labels stay fast; a user's own regex is theirs.
        const v = timed("filter predicate", () => pred(run), 5000);
        assert.equal(typeof v, "boolean");
      }
    }),
    { numRuns: runs(250), seed: 8023 },
  );
});

test("invalid operation patterns: FilterError naming the pattern, one line even for a 1 MB pattern", () => {
  for (const pat of ["^(", "^[", "^a{2,1}", "^(?<", "^\\", "^" + "(".repeat(1 << 20), "^\n(\x1b", "^" + "a".repeat(300_000)]) {
    assert.throws(
      () => compileFilter({ ops: [pat] }),
      (e: unknown) => {
        assert.ok(e instanceof FilterError, String(e));
        assert.ok(e.message.startsWith(`invalid operation pattern '${showInput(pat)}'`), e.message.slice(0, 120));
        assertOneLine(e.message);
        return true;
      },
    );
  }
});
