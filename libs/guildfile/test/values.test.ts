import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { GuildFloat, type AttrValue } from "@guildts/runstore";
import { tempDir } from "@guildts/testkit";
import { encodeFlagVal } from "@guildts/py";
import { decodeFlagFunction, decodeFlagValue, formatFlag, isFlagFunction, labelFlagValue, shortenPath } from "../src/index.js";

const F = (x: number) => new GuildFloat(x);

describe("decode_flag_val without a type (spec §3.2)", () => {
  test("the spec's table", () => {
    const table: [string, AttrValue][] = [
      ["1", 1],
      ["1.", F(1)],
      [".1", 0.1],
      ["1e-06", 1e-6],
      ["True", true],
      ["true", true],
      ["yes", true],
      ["no", false],
      ["False", false],
      ["null", null],
      ["", ""],
      ["'1'", "1"],
      ['"2"', "2"],
      ["[1,2,a]", [1, 2, "a"]],
      ["{'a':456}", { a: 456 }],
      ["hello", "hello"],
    ];
    for (const [text, want] of table) assert.deepEqual(decodeFlagValue(text), want, text);
  });

  test("int() first: underscores, signs, spaces, leading zeros (not YAML's octal 010 = 8)", () => {
    assert.equal(decodeFlagValue("010"), 10);
    assert.equal(decodeFlagValue("001"), 1);
    assert.equal(decodeFlagValue("+5"), 5);
    assert.equal(decodeFlagValue(" 7 "), 7);
    assert.equal(decodeFlagValue("-3"), -3);
    assert.equal(decodeFlagValue("12345678901234567890"), 12345678901234567890n);
    assert.equal(decodeFlagValue("0x10"), 16, "not an int() literal: YAML reads hex");
  });

  test("the 'surprising number' fix: _ and : keep the text", () => {
    assert.equal(decodeFlagValue("1_2_3"), "1_2_3");
    assert.equal(decodeFlagValue("1_000"), "1_000");
    assert.equal(decodeFlagValue("1.1_2"), "1.1_2");
    assert.equal(decodeFlagValue("1:2"), "1:2");
    assert.equal(decodeFlagValue("!!int 1_000"), 1000, "unless the text has a YAML tag");
  });

  test("exponent forms: Guild keeps run-id look-alikes (digits e digits) as text", () => {
    assert.equal(decodeFlagValue("1e5"), "1e5");
    assert.equal(decodeFlagValue("12e3"), "12e3");
    assert.equal(decodeFlagValue("67217e15"), "67217e15");
    assert.deepEqual(decodeFlagValue("1e-5"), 1e-5);
    assert.deepEqual(decodeFlagValue("1.0e3"), F(1000));
    assert.deepEqual(decodeFlagValue("123456E7"), F(1234560000000), "upper-case E is not a run id");
    assert.deepEqual(decodeFlagValue("+12345e6"), F(12345000000));
    assert.deepEqual(decodeFlagValue("1.23455e6"), F(1234550));
    assert.equal(decodeFlagValue("1e"), "1e");
  });

  test("YAML 1.1 scalars: booleans, null, quoted strings, inf/nan are YAML strings", () => {
    for (const t of ["on", "On", "ON", "y"]) assert.deepEqual(decodeFlagValue(t), t === "y" ? "y" : true, t);
    assert.equal(decodeFlagValue("off"), false);
    assert.equal(decodeFlagValue("~"), null);
    assert.equal(decodeFlagValue("inf"), "inf");
    assert.deepEqual(decodeFlagValue(".inf"), F(Infinity));
    assert.equal(decodeFlagValue("a b"), "a b");
    assert.equal(decodeFlagValue("'yes'"), "yes");
  });

  test("flag functions and sequences", () => {
    assert.equal(decodeFlagValue("uniform[0:1]"), "uniform[0:1]");
    assert.equal(decodeFlagValue("loguniform[1e-5:1e-1]"), "loguniform[1e-5:1e-1]");
    assert.equal(decodeFlagValue("[1:2]"), "[1:2]", "YAML would read [62]");
    assert.deepEqual(decodeFlagValue("[[1:2]]"), [[62]]);
    assert.equal(decodeFlagValue("['[1:2]']"), "['[1:2]']");
    assert.deepEqual(decodeFlagValue("range[1:5]"), [1, 2, 3, 4, 5]);
    assert.deepEqual(decodeFlagValue("range[0:5:2]"), [0, 2, 4]);
    assert.deepEqual(decodeFlagValue("range[5:1:-1]"), [5, 4, 3, 2, 1]);
    assert.deepEqual(decodeFlagValue("range[10]"), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(decodeFlagValue("range[1:5:0.5]"), [F(1), 1.5, F(2), 2.5, F(3), 3.5, F(4), 4.5, F(5)]);
    assert.deepEqual(decodeFlagValue("range[1e-5:1e-4:1e-5]"), [1e-5, 2e-5, 3e-5, 4e-5, 5e-5, 6e-5, 7e-5, 8e-5, 9e-5, 0.0001]);
    assert.deepEqual(decodeFlagValue("linspace[1:5]"), [F(1), F(2), F(3), F(4), F(5)]);
    assert.deepEqual(decodeFlagValue("linspace[1:10]"), [F(1), 3.25, 5.5, 7.75, F(10)]);
    assert.deepEqual(decodeFlagValue("logspace[1:5]"), [F(10), F(100), F(1000), F(10000), F(100000)]);
    assert.deepEqual(decodeFlagValue("logspace[-5:0:6]"), [1e-5, 0.0001, 0.001, 0.01, 0.1, F(1)]);
    assert.deepEqual(decodeFlagValue("logspace[0:3:4:2]"), [F(1), F(2), F(4), F(8)]);
  });

  test("sequence errors are warnings and leave the text", () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    assert.equal(decodeFlagValue("range[foo:bar]", null, warn), "range[foo:bar]");
    assert.equal(decodeFlagValue("range[]", null, warn), "range[]");
    assert.deepEqual(decodeFlagValue("range[1:5:1:2:3]", null, warn), [1, 2, 3, 4, 5]);
    assert.deepEqual(decodeFlagValue("linspace[1:5:5:hello:456]", null, warn), [F(1), F(2), F(3), F(4), F(5)]);
    assert.deepEqual(warnings, [
      "error decoding 'range[foo:bar]': invalid arg 'foo': expected a number",
      "error decoding 'range[]': function requires at least 1 arg(s)",
      "unsupported arguments for range function: (2, 3) - ignoring",
      "unsupported arguments for linspace function: ('hello', 456) - ignoring",
    ]);
  });

  test("list concatenation", () => {
    assert.deepEqual(decodeFlagValue("[1,2]*2"), [1, 2, 1, 2]);
    assert.deepEqual(decodeFlagValue(" [1] * 2 "), [1, 1]);
    assert.deepEqual(decodeFlagValue("[] * 2"), []);
    assert.deepEqual(decodeFlagValue("[1] * 0"), []);
  });

  test("YAML documents: a mapping, a comment, a list", () => {
    assert.deepEqual(decodeFlagValue("a: b"), { a: "b" });
    assert.equal(decodeFlagValue("#x"), null);
    assert.deepEqual(decodeFlagValue("- a"), ["a"]);
    assert.equal(decodeFlagValue("[unclosed"), "[unclosed", "undecodable YAML is the text");
  });
});

describe("decode_flag_val with a flag type", () => {
  test("string, path, existing-path: the text as is unless it starts like YAML", () => {
    for (const type of ["string", "path", "existing-path"]) {
      assert.equal(decodeFlagValue("010", type), "010", type);
      assert.equal(decodeFlagValue("1.123", type), "1.123", type);
    }
    assert.equal(decodeFlagValue("1", "string"), "1");
    assert.equal(decodeFlagValue("no", "string"), "no");
    assert.equal(decodeFlagValue("null", "string"), "null");
    assert.equal(decodeFlagValue("1e5", "string"), "1e5");
    assert.equal(decodeFlagValue("'1'", "string"), "1");
    assert.equal(decodeFlagValue('"1"', "string"), "1");
    assert.deepEqual(decodeFlagValue("[001,002,003]", "string"), [1, 2, 3]);
  });

  test("int, float, number; a value that does not convert falls back to the default chain", () => {
    assert.equal(decodeFlagValue("001", "int"), 1);
    assert.equal(decodeFlagValue("1.1", "int"), 1.1);
    assert.equal(decodeFlagValue("foo", "int"), "foo");
    assert.equal(decodeFlagValue("1.1", "float"), 1.1);
    assert.deepEqual(decodeFlagValue("1", "float"), F(1));
    assert.deepEqual(decodeFlagValue("1e5", "float"), F(100000));
    assert.deepEqual(decodeFlagValue("inf", "float"), F(Infinity));
    assert.equal(decodeFlagValue("foo", "float"), "foo");
    assert.equal(decodeFlagValue("1", "number"), 1);
    assert.equal(decodeFlagValue("1.1", "number"), 1.1);
    assert.deepEqual(decodeFlagValue("1e5", "number"), F(100000));
    assert.deepEqual(decodeFlagValue("['001','002']", "int"), ["001", "002"]);
    assert.equal(decodeFlagValue("1_000", "int"), "1_000", "int() takes it, then the surprising-number fix");
  });

  test("boolean: YAML, numbers become bool, anything else as decoded", () => {
    const table: [string, AttrValue][] = [
      ["yes", true],
      ["no", false],
      ["true", true],
      ["False", false],
      ["1", true],
      ["0", false],
      ["1.1", true],
      ["0.0", false],
      ["foo", "foo"],
      ["maybe", "maybe"],
      ["[]", []],
    ];
    for (const [text, want] of table) assert.deepEqual(decodeFlagValue(text, "boolean"), want, text);
  });

  test("auto is no type; an unknown type warns (with Guild's typo) and decodes as auto", () => {
    assert.equal(decodeFlagValue("001", "auto"), 1);
    const warnings: string[] = [];
    assert.equal(
      decodeFlagValue("1", "foo", (m) => warnings.push(m)),
      1,
    );
    assert.deepEqual(warnings, ["uknown flag type foo, assuming 'auto'"]);
  });
});

describe("encode_flag_val and format_flag (spec §3.4)", () => {
  test("encodings decode back to the value", () => {
    const vals: AttrValue[] = [
      "",
      "a",
      "a b",
      "'a b'",
      "2018_06_26",
      "1,2",
      1,
      F(1),
      F(12000),
      123.4,
      0.01234,
      F(1e100),
      1 / 3,
      "1",
      "1.1",
      "1.2e3",
      "12e3",
      "'1'",
      true,
      false,
      null,
      "[1:2]",
      "foo[1:2]",
      [],
      ["", "a", 1, F(1), true, null],
      ["a b", "1,2"],
      {},
    ];
    for (const v of vals) assert.deepEqual(decodeFlagValue(encodeFlagVal(v)), v, JSON.stringify(v));
  });

  test("labels: floats cut to 5 decimals, strings with spaces quoted", () => {
    const table: [AttrValue, string][] = [
      [1.1, "1.1"],
      [0.1, "0.1"],
      [F(1), "1.0"],
      [1234, "1234"],
      [-0.001234, "-0.00123"],
      [1 / 6, "0.16666"],
      [1.123456, "1.12345"],
      [1.123455, "1.12345"],
      [0.999999, "0.99999"],
      [12345.123456, "12345.12345"],
      [0.0000012345, "1.2345e-06"],
      [1.0000012345, "1.00000"],
      [101, "101"],
      ["", "''"],
      ["a", "a"],
      ["a b", "'a b'"],
      ["a b 'c d e'", `"a b 'c d e'"`],
      ["12e321", "'12e321'"],
      [[1, "a", "1,2", "b c", true], "[1, a, '1,2', b c, yes]"],
    ];
    for (const [v, want] of table) assert.equal(labelFlagValue(v), want, JSON.stringify(v));
    assert.equal(formatFlag(1 / 6), "0.16666666666666666");
  });

  test("labels shorten existing paths longer than 20 characters", () => {
    const dir = tempDir();
    const deep = path.join(dir, "some", "deeper", "data.csv");
    fs.mkdirSync(path.dirname(deep), { recursive: true });
    fs.writeFileSync(deep, "");
    const shown = labelFlagValue(deep);
    assert.ok(shown.includes("\u2026") && shown.endsWith("/data.csv") && shown.length <= 20, shown);
    assert.equal(labelFlagValue(path.join(dir, "missing", "x.csv")), path.join(dir, "missing", "x.csv"));
    assert.equal(shortenPath("/aaaa/bbbb/cccc/dddd/eeee/ffff/gggg.txt", 20), "/aaaa/\u2026/gggg.txt");
    assert.equal(shortenPath("aaaa/bbbb/cccc/dddd/eeee/ffff/gggg.txt", 20), "aaaa/\u2026/ffff/gggg.txt");
    assert.equal(shortenPath("short/path", 20), "short/path");
  });

  test("flag functions", () => {
    assert.deepEqual(decodeFlagFunction("uniform[0:1]"), ["uniform", [0, 1]]);
    assert.deepEqual(decodeFlagFunction("loguniform[1e-5:0.1]"), ["loguniform", [1e-5, 0.1]]);
    assert.deepEqual(decodeFlagFunction("[1:2]"), [null, [1, 2]]);
    assert.equal(decodeFlagFunction("[1,2]"), null);
    assert.equal(decodeFlagFunction("plain"), null);
    assert.equal(isFlagFunction("choice[a:b]"), true);
    assert.equal(isFlagFunction(3), false);
  });
});
