import assert from "node:assert/strict";
import { test } from "node:test";
import { GuildFloat } from "@guildts/runstore";
import { alignColumns, formatTimestamp, toJson, writeJsonLines } from "../src/index.js";

test("toJson keeps float spelling, writes bigints as digits, non-finite floats as strings", () => {
  const v = {
    a: new GuildFloat(1),
    b: 0.5,
    c: 3,
    d: 10n ** 20n,
    e: new GuildFloat(Infinity),
    f: new GuildFloat(NaN),
    g: [new GuildFloat(-2)],
    h: new GuildFloat(1e100),
  };
  assert.equal(toJson(v), '{"a":1.0,"b":0.5,"c":3,"d":100000000000000000000,"e":".inf","f":".nan","g":[-2.0],"h":1e+100}');
  // Outside toJson, GuildFloat serialises as a plain number.
  assert.equal(JSON.stringify({ a: new GuildFloat(1) }), '{"a":1}');
  // The output parses as JSON.
  assert.deepEqual(JSON.parse(toJson(v)).g, [-2]);
});

test("toJson is plain JSON.stringify for ordinary values, and no string can fake a float", () => {
  const v = { s: 'x"y\\z\n', t: "(1.0)", u: "\u2603", n: null, b: true };
  assert.equal(toJson(v), JSON.stringify(v));
  // Strings that look like markers stay strings: the nonce is random per process.
  const sneaky = { label: `"abc(1.0)abc"` };
  assert.equal(toJson(sneaky), JSON.stringify(sneaky));
});

test("writeJsonLines: one line per value, every line ends with a newline, across chunks", () => {
  const values = Array.from({ length: 5000 }, (_, i) => ({ i, f: new GuildFloat(i), label: "x".repeat(i % 50) }));
  const chunks: string[] = [];
  writeJsonLines(values, (c) => chunks.push(c));
  assert.ok(chunks.length > 1, "written in several chunks");
  const text = chunks.join("");
  assert.ok(text.endsWith("\n"));
  const lines = text.split("\n").slice(0, -1);
  assert.equal(lines.length, 5000);
  assert.equal(lines[7], '{"i":7,"f":7.0,"label":"xxxxxxx"}');
  assert.equal(lines[4999], toJson(values[4999]));
});

test("alignColumns pads all but the last column to the widest cell plus two", () => {
  assert.deepEqual(
    alignColumns([
      ["a", "bb", "c"],
      ["ccc", "d", ""],
    ]),
    ["a    bb  c", "ccc  d   "],
  );
  assert.deepEqual(alignColumns([["x", "y"]], { indent: "  ", gap: 1 }), ["  x y"]);
  assert.deepEqual(alignColumns([]), []);
});

test("formatTimestamp is Guild's local %Y-%m-%d %H:%M:%S from microseconds, '' for none", () => {
  process.env.TZ = "UTC";
  assert.equal(formatTimestamp(1795714972708537), "2026-11-26 17:42:52");
  assert.equal(formatTimestamp(null), "");
  assert.equal(formatTimestamp(0), "");
  process.env.TZ = "Asia/Kolkata";
  assert.equal(formatTimestamp(1795714972708537), "2026-11-26 23:12:52");
  process.env.TZ = "UTC";
});
