import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compareCodePoints,
  encodeFlagVal,
  encodeYamlFlow,
  GuildFloat,
  pyEquals,
  pyPercent,
  pyPformat,
  pyRepr,
  pyStr,
  pyTruthy,
  pyTypeName,
  shlexQuote,
  shlexSplit,
  type AttrValue,
} from "../src/index.js";

const F = (x: number) => new GuildFloat(x);

/** What Python 3.11 (and Guild 0.9.1's flag_util on PyYAML 6) gives for each value. */

describe("repr(), str(), pprint.pformat, bool(), ==", () => {
  test("repr and str of values", () => {
    const table: [AttrValue | undefined, string][] = [
      [null, "None"],
      [undefined, "None"],
      [true, "True"],
      [1, "1"],
      [2n ** 64n, "18446744073709551616"],
      [F(1), "1.0"],
      [1e-5, "1e-05"],
      [F(Infinity), "inf"],
      ["it's", `"it's"`],
      ["a\\b\n\x1b\u202e", "'a\\\\b\\n\\x1b\\u202e'"],
      [[1, "a", F(0)], "[1, 'a', 0.0]"],
      [{ b: 1, a: "x" }, "{'b': 1, 'a': 'x'}"],
    ];
    for (const [v, want] of table) assert.equal(pyRepr(v), want, String(v));
    assert.equal(pyStr("a b"), "a b");
    assert.equal(pyStr(F(2)), "2.0");
    assert.equal(pyPformat({ b: F(1), a: [true, null] }), "{'a': [True, None], 'b': 1.0}");
  });

  test("truthiness and equality (bools are ints: True == 1 == 1.0)", () => {
    for (const v of [null, false, 0, 0n, F(0), "", [], {}] as AttrValue[]) assert.equal(pyTruthy(v), false, String(v));
    for (const v of [true, 1, F(NaN), "0", [0], { a: 0 }] as AttrValue[]) assert.equal(pyTruthy(v), true, String(v));
    assert.ok(pyEquals(true, 1) && pyEquals(1, F(1)) && pyEquals([1, "a"], [F(1), "a"]));
    assert.ok(!pyEquals("1", 1) && !pyEquals(null, false) && !pyEquals(F(NaN), F(NaN)));
  });

  test("str ordering is by code point (U+10000 after U+FFFF), not UTF-16 unit", () => {
    const sorted = ["\uffff", "\u{10000}", "a", "B", "", "ab"].sort(compareCodePoints);
    assert.deepEqual(sorted, ["", "B", "a", "ab", "\uffff", "\u{10000}"]);
  });
});

describe("printf-style % and type().__name__", () => {
  test("fmt % val as Python 3.11 gives it", () => {
    const table: [string, AttrValue, string][] = [
      ["%.2f", 1 / 3, "0.33"],
      ["%5d", 42, "   42"],
      ["%-6s|", "ab", "ab    |"],
      ["%+.3e", 12345.678, "+1.235e+04"],
      ["%g", 1e-5, "1e-05"],
      ["%G", F(1e20), "1E+20"],
      ["%x", 255, "ff"],
      ["%r", "a", "'a'"],
      ["%05.1f", -2.25, "-02.2"],
      ["%%%s", "x", "%x"],
      ["%d", -3.7, "-3"],
      ["%d", -0.4, "0"],
      ["%d", F(1e21), "1000000000000000000000"],
      ["%x", -255, "-ff"],
      ["%.1e", -1234.5, "-1.2e+03"],
      ["%g", -0.0001, "-0.0001"],
      ["%+d", -2, "-2"],
      ["%.2f", -1.5, "-1.50"],
      ["% d", 3, " 3"],
    ];
    for (const [fmt, v, want] of table) assert.equal(pyPercent(fmt, v), want, fmt);
    assert.equal(pyPercent("%d", "a"), null, "TypeError: the value passes through");
  });

  test("type names", () => {
    assert.deepEqual(([null, true, "a", [], F(1), 1.5, 1, 2n ** 70n, {}] as AttrValue[]).map(pyTypeName), [
      "NoneType",
      "bool",
      "str",
      "list",
      "float",
      "float",
      "int",
      "int",
      "dict",
    ]);
  });
});

describe("shlex", () => {
  test("shlex matches Python's split and quote", () => {
    assert.deepEqual(shlexSplit(`a 'b c' "d \\"e\\" \\x" f\\ g ''`), ["a", "b c", 'd "e" \\x', "f g", ""]);
    assert.equal(shlexQuote(""), "''");
    assert.equal(shlexQuote("abc/d-e_f.g:h,i=j+k@l%m"), "abc/d-e_f.g:h,i=j+k@l%m");
    assert.equal(shlexQuote("a b"), "'a b'");
    assert.equal(shlexQuote("it's"), `'it'"'"'s'`);
    assert.equal(shlexQuote("é"), "'é'");
  });
});

describe("encode_flag_val and yaml_util.encode_yaml (spec §3.4)", () => {
  test("the spec's encodings", () => {
    const table: [AttrValue, string][] = [
      [true, "yes"],
      [false, "no"],
      [null, "null"],
      ["", "''"],
      ["1", "'1'"],
      ["yes", "'yes'"],
      ["2018_06_26", "'2018_06_26'"],
      [F(12000), "12000.0"],
      [F(1e100), "1.0e+100"],
      [1e-7, "1.0e-07"],
      [-6.78e-7, "-6.78e-07"],
      [1, "1"],
      [F(1), "1.0"],
      [1 / 3, "0.3333333333333333"],
      ["a", "a"],
      ["a b", "a b"],
      ["'a b'", "'''a b'''"],
      ["1,2", "1,2"],
      ["12e3", "'12e3'"],
      ["-1.23e-2", "'-1.23e-2'"],
      ["[1:2]", "'[1:2]'"],
      ["foo[1:2]", "foo[1:2]"],
      ["y", "y"],
      [[], "[]"],
      [["", "a", 1, F(1), 1 / 3, true, false, null], "['', a, 1, 1.0, 0.3333333333333333, yes, no, null]"],
      [["a b", "1,2"], "[a b, '1,2']"],
      [{}, "{}"],
      [{ f: [1, 2, "g h"], b: "c d", a: 1.123, e: true }, "{a: 1.123, b: c d, e: yes, f: [1, 2, g h]}"],
    ];
    for (const [v, want] of table) assert.equal(encodeFlagVal(v), want, JSON.stringify(v));
  });

  test("flow-style YAML (flags-dest globals)", () => {
    assert.equal(encodeYamlFlow([F(1), "a, b", { z: 1, a: "y" }]), "[1.0, 'a, b', {a: y, z: 1}]");
    assert.equal(encodeYamlFlow(1e-5), "1.0e-05");
  });
});
