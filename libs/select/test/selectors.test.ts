import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  compareRuns,
  exactId,
  headNeeded,
  isDirectLookup,
  parseSelector,
  resolveSelectors,
  RunList,
  SelectorError,
  newestRuns,
  sortRuns,
  type Selector,
} from "../src/index.js";
import { rec } from "./records.js";

/** Nine runs, newest first: ids chosen to share prefixes (`e`, `4`, `b`) like the Guild fixture. */
const IDS = [
  "b3ca74ef2b61404097cf2424324d6d46",
  "bdc2a0e617c94ac287472371e1dc27aa",
  "3d5e4116f7724ef0bf0790850c33478c",
  "2f4b9d7b46b542e6a1c1a79e0e2aff95",
  "e372a2f0aaaa4bbbb8ccc2dddd0eeee1",
  "449af203aaaa4bbbb8ccc2dddd0eeee2",
  "485079a0aaaa4bbbb8ccc2dddd0eeee3",
  "e8cf6838aaaa4bbbb8ccc2dddd0eeee4",
  "12345678aaaa4bbbb8ccc2dddd0eeee5",
];
const runs = IDS.map((id, i) => rec(id, { started: 1000 - i, operation: i % 2 ? "mnist:train" : "train" }));
const sel = (...s: string[]) => resolveSelectors(runs, s).map((r) => r.id.slice(0, 8));

function err(fn: () => unknown): SelectorError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SelectorError, `a SelectorError, not ${String(e)}`);
    return e;
  }
  assert.fail("expected a SelectorError");
}

test("the runs guide's examples: N, START:STOP, :, id prefixes", () => {
  assert.deepEqual(sel("1"), ["b3ca74ef"]);
  assert.deepEqual(sel("2:3"), ["bdc2a0e6", "3d5e4116"]);
  assert.equal(sel(":").length, 9);
  assert.deepEqual(sel("3d5e", "449af203"), ["3d5e4116", "449af203"]);
  assert.deepEqual(sel("7:"), ["485079a0", "e8cf6838", "12345678"]);
  assert.deepEqual(sel(":2"), ["b3ca74ef", "bdc2a0e6"]);
  assert.deepEqual(sel(IDS[4]!), ["e372a2f0"]);
});

test("several selectors: de-duplicated, in list order whatever the selector order", () => {
  assert.deepEqual(sel("3", "1", "1:2", "b3ca"), ["b3ca74ef", "bdc2a0e6", "3d5e4116"]);
});

test("all-digit selectors: shorter than 8 characters is an index, 8 or more an id prefix", () => {
  assert.deepEqual(sel("9"), ["12345678"]);
  assert.deepEqual(sel("12345678"), ["12345678"]);
  // `12` is an index even though run 12345678 exists: out of range is an error, never a prefix.
  const e = err(() => sel("12"));
  assert.equal(e.kind, "out-of-range");
  assert.equal(
    e.message,
    "index 12 is out of range: there are 9 runs in this list (1 to 9); to select by id prefix, give at least 8 characters",
  );
  assert.deepEqual(parseSelector("1234567"), { kind: "index", text: "1234567", index: 1234567 });
  assert.equal(parseSelector("12345678").kind, "prefix");
});

test("every error names the input and says what to do", () => {
  assert.equal(err(() => sel("0")).message, "invalid selector '0': run indexes start at 1");
  assert.equal(err(() => sel("0:3")).message, "invalid selector '0:3': run indexes start at 1");
  const empty = err(() => sel("3:1"));
  assert.equal(empty.kind, "empty-range");
  assert.equal(empty.message, "empty range '3:1': START must not be greater than STOP (runs are numbered newest first)");
  assert.equal(err(() => sel("12:")).message, "range '12:' starts past the end: there are 9 runs in this list");
  const none = err(() => sel("zzzz"));
  assert.deepEqual([none.kind, none.message], ["no-match", "no run matches 'zzzz'"]);
  const amb = err(() => sel("e"));
  assert.equal(amb.kind, "ambiguous");
  assert.equal(amb.message, "'e' matches 2 runs: give more characters of the id");
  assert.deepEqual(
    amb.candidates.map((r) => r.id.slice(0, 8)),
    ["e372a2f0", "e8cf6838"],
  );
  for (const bad of ["", "1:2:3", "a/b", "..", "-1", "1:3xyz", "x y", "--all"]) {
    const e = err(() => parseSelector(bad));
    assert.equal(e.kind, "malformed", bad);
    assert.match(e.message, /use an index \(1\), a range \(2:5, 3:, :\), or a run id or id prefix$/);
  }
  assert.equal(err(() => parseSelector("1:3xyz")).message.startsWith("invalid selector '1:3xyz'"), true);
  assert.equal(err(() => sel("1", { kind: "index", text: "5", index: 5 } as never, "10")).kind, "out-of-range");
});

test("an empty list: `:` selects nothing, `1` is out of range", () => {
  assert.deepEqual(resolveSelectors([], [":"]), []);
  assert.equal(
    err(() => resolveSelectors([], ["1"])).message,
    "index 1 is out of range: there are 0 runs in this list; to select by id prefix, give at least 8 characters",
  );
});

// ---- properties ----

const hexId = fc.stringMatching(/^[0-9a-f]{32}$/);
const runList = fc
  .uniqueArray(hexId, { minLength: 0, maxLength: 40 })
  .chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.integer({ min: 0, max: 50 }), { minLength: ids.length, maxLength: ids.length })))
  .map(([ids, ts]) => sortRuns(ids.map((id, i) => rec(id, { started: ts[i]! }))));

test("property: parsing any string returns a selector or throws only SelectorError", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      try {
        const p: Selector = parseSelector(s);
        assert.ok(["index", "range", "prefix"].includes(p.kind));
      } catch (e) {
        assert.ok(e instanceof SelectorError);
      }
    }),
    { numRuns: 2000 },
  );
});

test("property: a range yields an ordered contiguous subset of the list", () => {
  fc.assert(
    fc.property(runList, fc.option(fc.integer({ min: 1, max: 45 })), fc.option(fc.integer({ min: 1, max: 45 })), (list, a, b) => {
      const text = `${a ?? ""}:${b ?? ""}`;
      let got;
      try {
        got = resolveSelectors(list, [text]);
      } catch (e) {
        assert.ok(e instanceof SelectorError);
        assert.ok((a !== null && b !== null && a > b) || (a !== null && a > list.length));
        return;
      }
      const start = (a ?? 1) - 1;
      assert.deepEqual(got, list.slice(start, Math.min(b ?? list.length, list.length)));
    }),
  );
});

test("property: ':' is the whole list; every index N is the Nth run", () => {
  fc.assert(
    fc.property(runList, (list) => {
      assert.deepEqual(resolveSelectors(list, [":"]), list);
      list.forEach((r, i) => assert.deepEqual(resolveSelectors(list, [String(i + 1)]), [r]));
    }),
  );
});

test("property: a unique prefix resolves to its run; a shared one lists every candidate", () => {
  fc.assert(
    fc.property(
      runList.filter((l) => l.length > 0),
      fc.nat(),
      fc.integer({ min: 1, max: 32 }),
      (list, pick, len) => {
        const target = list[pick % list.length]!;
        const prefix = target.id.slice(0, len);
        const sharing = list.filter((r) => r.id.startsWith(prefix));
        const usable = !(/^\d+$/.test(prefix) && prefix.length < 8);
        if (!usable) return;
        if (sharing.length === 1) assert.deepEqual(resolveSelectors(list, [prefix]), [target]);
        else {
          const e = err(() => resolveSelectors(list, [prefix]));
          assert.deepEqual(e.candidates, sharing);
        }
      },
    ),
    { numRuns: 500 },
  );
});

test("property: several selectors give a de-duplicated union in list order", () => {
  fc.assert(
    fc.property(
      runList.filter((l) => l.length > 0),
      fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
      (list, picks) => {
        const chosen = picks.map((p) => (p % list.length) + 1);
        const got = resolveSelectors(new RunList(list), chosen.map(String));
        const want = [...new Set(chosen)].sort((x, y) => x - y).map((i) => list[i - 1]!);
        assert.deepEqual(got, want);
      },
    ),
  );
});

test("property: indexes and bounded ranges resolve the same on the head of the list (headNeeded)", () => {
  const selector = fc.oneof(
    fc.integer({ min: 1, max: 45 }).map(String),
    fc.tuple(fc.option(fc.integer({ min: 1, max: 45 })), fc.integer({ min: 1, max: 45 })).map(([a, b]) => `${a ?? ""}:${b}`),
  );
  const outcome = (f: () => RunRecordIds) => {
    try {
      return f();
    } catch (e) {
      return (e as Error).message;
    }
  };
  type RunRecordIds = string[];
  fc.assert(
    fc.property(runList, fc.array(selector, { minLength: 1, maxLength: 4 }), (list, texts) => {
      const parsed = (() => {
        try {
          return texts.map(parseSelector);
        } catch {
          return null;
        }
      })();
      if (!parsed) return;
      const head = headNeeded(parsed);
      assert.notEqual(head, null);
      const full = outcome(() => resolveSelectors(list, parsed).map((r) => r.id));
      const short = outcome(() => resolveSelectors(new RunList(list.slice(0, head!), list.length), parsed).map((r) => r.id));
      assert.deepEqual(short, full);
    }),
  );
  assert.equal(headNeeded([parseSelector(":")]), null);
  assert.equal(headNeeded([parseSelector("3:")]), null);
  assert.equal(headNeeded([parseSelector("abc12345")]), null);
  assert.equal(headNeeded([parseSelector("2"), parseSelector("1:5")]), 5);
});

// ---- cases mutation testing found untested (bench/MUTATION.md) ----

test("the id-prefix table keeps every run of a key: runs sharing their first three characters", () => {
  const twins = ["abc1000000000000000000000000000a", "abc2000000000000000000000000000b", "abd3000000000000000000000000000c"].map((id, i) =>
    rec(id, { started: 10 - i }),
  );
  const list = new RunList(twins);
  assert.deepEqual(
    list.withPrefix("abc").map((r) => r.id.slice(0, 4)),
    ["abc1", "abc2"],
  );
  assert.deepEqual(
    resolveSelectors(list, ["abc1"]).map((r) => r.id.slice(0, 4)),
    ["abc1"],
  );
  assert.deepEqual(
    resolveSelectors(list, ["abc2"]).map((r) => r.id.slice(0, 4)),
    ["abc2"],
  );
  assert.equal(err(() => resolveSelectors(list, ["abc"])).candidates.length, 2);
  // Prefixes shorter than the table's key are answered by a scan, in list order.
  assert.deepEqual(
    list.withPrefix("ab").map((r) => r.id.slice(0, 4)),
    ["abc1", "abc2", "abd3"],
  );
});

test("an exact id matches only that run, never a longer id it is a prefix of", () => {
  const short = rec("abcdef12", { started: 2 });
  const long = rec("abcdef123456", { started: 1 });
  const list = new RunList([short, long]);
  assert.deepEqual(
    resolveSelectors(list, [exactId("abcdef12")]).map((r) => r.id),
    ["abcdef12"],
  );
  assert.equal(err(() => resolveSelectors(list, ["abcdef12"])).kind, "ambiguous", "a plain prefix sees both");
  assert.equal(err(() => resolveSelectors(list, [exactId("abcdef1")])).kind, "no-match");
  assert.equal(isDirectLookup(exactId("abc")), true);
  assert.equal(isDirectLookup(parseSelector("abcdef12")), true, "8 characters: an id prefix resolved from names");
  assert.equal(isDirectLookup(parseSelector("abcdef1")), false);
  assert.equal(isDirectLookup(parseSelector("1")), false);
  assert.equal(isDirectLookup(parseSelector(":")), false);
});

test("RunList.indexOf gives list positions, -1 for a run not in the list", () => {
  const list = new RunList(runs);
  assert.equal(list.indexOf(runs[0]!), 0);
  assert.equal(list.indexOf(runs[4]!), 4);
  assert.equal(list.indexOf(rec("ffff")), -1);
});

test("several selectors come back in list order; one selector keeps its own order", () => {
  assert.deepEqual(sel("9", "1"), ["b3ca74ef", "12345678"]);
  const head = new RunList(runs.slice(0, 3), 9);
  assert.deepEqual(
    resolveSelectors(head, ["2:3"]).map((r) => r.id.slice(0, 8)),
    ["bdc2a0e6", "3d5e4116"],
  );
});

test("messages count runs in the singular and plural; an empty list's ranges", () => {
  const one = [rec("a1b2c3d4", { started: 1 })];
  assert.equal(
    err(() => resolveSelectors(one, ["2"])).message,
    "index 2 is out of range: there is 1 run in this list (1 to 1); to select by id prefix, give at least 8 characters",
  );
  assert.equal(err(() => resolveSelectors(one, ["3:"])).message, "range '3:' starts past the end: there is 1 run in this list");
  assert.deepEqual(resolveSelectors([], [":3"]), [], "a range without START on an empty list selects nothing");
  assert.equal(err(() => resolveSelectors([], ["2:3"])).kind, "out-of-range");
  assert.equal(parseSelector("3:3").kind, "range", "START equal to STOP is one run");
  assert.equal(err(() => parseSelector("")).message.startsWith("an empty selector"), true);
  assert.equal(err(() => parseSelector(".")).kind, "malformed");
});

test("compareRuns: newer first, no timestamp last, equal timestamps by id, a run equal to itself", () => {
  const a = rec("a", { started: 5 });
  const b = rec("b", { started: 5 });
  const none = rec("0", { started: null });
  assert.ok(compareRuns(a, b) < 0);
  assert.ok(compareRuns(b, a) > 0);
  assert.equal(compareRuns(a, rec("a", { started: 5 })), 0);
  assert.ok(compareRuns(rec("z", { started: 9 }), a) < 0);
  assert.ok(compareRuns(none, a) > 0, "a run without a timestamp sorts after one with");
  assert.ok(compareRuns(a, none) < 0);
  assert.equal(compareRuns(none, rec("0", { started: null })), 0);
  // A timestamp of 0 (the epoch) is still a timestamp: it sorts before none.
  assert.ok(compareRuns(none, rec("e", { started: 0 })) > 0);
  assert.ok(compareRuns(rec("e", { started: 0 }), none) < 0);
  assert.deepEqual(
    sortRuns([rec("c", { started: 1 }), rec("b", { started: 1 }), none, rec("a", { started: 1 })]).map((r) => r.id),
    ["a", "b", "c", "0"],
  );
});

test("newestRuns(runs, k) is the first k of sortRuns, ties and missing timestamps included", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 60 }),
      fc.array(fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }), { minLength: 60, maxLength: 60 }),
      fc.array(fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }), { minLength: 60, maxLength: 60 }),
      fc.integer({ min: -1, max: 70 }),
      (ids, started, initialized, k) => {
        const runs = ids.map((n, i) => rec(n.toString(16), { started: started[i]!, initialized: initialized[i]! }));
        const before = runs.map((r) => r.id);
        const want = sortRuns([...runs]).slice(0, Math.max(k, 0));
        assert.deepEqual(
          newestRuns(runs, k).map((r) => r.id),
          want.map((r) => r.id),
        );
        assert.deepEqual(
          runs.map((r) => r.id),
          before,
        );
      },
    ),
  );
  // A hand case: the newest two of five, one without a timestamp.
  const five = [rec("a", { started: 1 }), rec("b", { started: 5 }), rec("c"), rec("d", { started: 3 }), rec("e", { started: 5 })];
  assert.deepEqual(
    newestRuns(five, 2).map((r) => r.id),
    ["b", "e"],
  );
});
