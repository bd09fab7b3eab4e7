import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { GuildFloat, pythonFloatRepr, yamlFloatText } from "../src/index.js";

test("repr(float) as Python 3 prints it; PyYAML's float text", () => {
  const cases: [number, string][] = [
    [0.1, "0.1"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [1.5e16, "1.5e+16"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [0.00012, "0.00012"],
    [1.2e-5, "1.2e-05"],
    [123456789.123, "123456789.123"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [-0, "-0.0"],
    [1e22, "1e+22"],
    [9999999999999998, "9999999999999998.0"],
    [Infinity, "inf"],
    [NaN, "nan"],
  ];
  for (const [x, r] of cases) assert.equal(pythonFloatRepr(x), r, String(x));
  assert.equal(yamlFloatText(1e16), "1.0e+16");
  assert.equal(yamlFloatText(5e-324), "5.0e-324");
  assert.equal(yamlFloatText(1.5e16), "1.5e+16");
  assert.equal(yamlFloatText(Infinity), ".inf");
  assert.equal(yamlFloatText(-Infinity), "-.inf");
  assert.equal(yamlFloatText(NaN), ".nan");
});

test("property: repr(float) reads back as the same double; integral values keep a .0 or an exponent", () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true }), (x) => {
      const r = pythonFloatRepr(x);
      const back = r === "inf" ? Infinity : r === "-inf" ? -Infinity : Number(r);
      assert.ok(Object.is(back, x), `${x} -> ${r}`);
      assert.match(r, /\.|e|inf/);
    }),
    { numRuns: 2000, seed: 7 },
  );
});

test("String() of a GuildFloat is Python's str(): never [object Object]", () => {
  assert.equal(String(new GuildFloat(1)), "1.0");
  assert.equal(`${new GuildFloat(0)}`, "0.0");
  assert.equal([new GuildFloat(2), new GuildFloat(Infinity)].join(" "), "2.0 inf");
  assert.equal(+new GuildFloat(2), 2);
});
