import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatExp, formatFixed, GuildFloat, pyRound, pythonFloatRepr, yamlFloatText } from "../src/index.js";

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

test("'%.*f', '%.*e' and round(): the exact value, ties to even (not toFixed's ties away from zero)", () => {
  // Each pair is Python 3.11's output.
  const fixed: [number, number, string][] = [
    [2.25, 1, "2.2"],
    [-2.25, 1, "-2.2"],
    [2.35, 1, "2.4"],
    [1 / 128, 6, "0.007812"],
    [0.5, 0, "0"],
    [1.5, 0, "2"],
    [-0.4, 0, "-0"],
    [1e22, 2, "10000000000000000000000.00"],
    [1 / 3, 2, "0.33"],
    [0, 3, "0.000"],
    [5e-324, 3, "0.000"],
  ];
  for (const [x, p, want] of fixed) assert.equal(formatFixed(x, p), want, `${x} %.${p}f`);
  const exp: [number, number, string][] = [
    [12345.678, 3, "1.235e+04"],
    [1e-5, 6, "1.000000e-05"],
    [9.9999, 2, "1.00e+01"],
    [0.125, 1, "1.2e-01"],
    [0, 2, "0.00e+00"],
    [1.5e300, 0, "2e+300"],
    [5e-324, 2, "4.94e-324"],
  ];
  for (const [x, p, want] of exp) assert.equal(formatExp(x, p), want, `${x} %.${p}e`);
  assert.equal(pyRound(0.123456785, 8), 0.12345678);
  assert.equal(pyRound(2.675, 2), 2.67);
});

test("property: formatFixed agrees with toFixed wherever no tie and no exponent form is involved", () => {
  fc.assert(
    fc.property(fc.double({ min: -1e20, max: 1e20, noNaN: true }), fc.integer({ min: 0, max: 12 }), (x, p) => {
      const ours = formatFixed(x, p);
      // toFixed is exact except on ties; a tie is exactly representable, so both neighbours are checked.
      const js = x.toFixed(p);
      if (ours !== js) {
        const lo = Number(ours);
        assert.ok(Math.abs(Number(js) - lo) <= 10 ** -p * 1.0000001, `${x} ${p}: ${ours} vs ${js}`);
      }
    }),
    { numRuns: 2000, seed: 3 },
  );
});
