import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { decodeAttr, GuildFloat, shlexSplit, type AttrValue } from "@guildts/runstore";
import { checkProperty, scaledRuns, tempDir } from "@guildts/testkit";
import {
  argEncode,
  CmdRefError,
  decodeFlagValue,
  flagArgs,
  flagEnv,
  loadGuildfile,
  resolveCmdRefs,
  resolveOperation,
  type OpDef,
} from "../src/index.js";

/**
 * One encoding from a typed flag value to what the process receives (Guild's `op_cmd`): `exec:`
 * arguments (`${flag_args}` and `${name}`), `FLAG_*` and the argv of `main:` operations. Whatever
 * the flag type and value kind, the text decodes back to the typed value (finding 6: integral
 * floats reached `exec:` as `[object Object]`).
 */

function opOf(text: string): OpDef {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "guild.yml"), text);
  return resolveOperation(loadGuildfile(path.join(dir, "guild.yml")), null);
}

/** A value as `resolveFlags` leaves it: floats integral or not finite are GuildFloat. */
const asFloat = (x: number): number | GuildFloat => (Number.isInteger(x) || !Number.isFinite(x) ? new GuildFloat(x) : x);

const floats = fc
  .oneof(
    fc.double(),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.constantFrom(0, -0, 1, 2, 1e-5, 1e16, 1e17, 1e20, 1.5e300, 5e-324, Infinity, -Infinity, NaN),
  )
  .map(asFloat);
const ints = fc.oneof(fc.integer(), fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }), fc.bigInt({ min: -(2n ** 80n), max: -(2n ** 53n) }));
// `${` in a string value is a reference Guild resolves again; left to its own test below.
const strings = fc.string({ unit: "grapheme", maxLength: 30 }).filter((s) => !s.includes("${") && !s.includes("\0"));

type Kind = { type: string | null; value: fc.Arbitrary<AttrValue> };
const KINDS: Kind[] = [
  { type: "float", value: floats },
  { type: "int", value: ints },
  { type: "number", value: fc.oneof(floats, ints) },
  { type: "boolean", value: fc.boolean() },
  { type: "string", value: strings },
  { type: null, value: fc.oneof(floats, ints, fc.boolean(), strings) },
];

/** What a receiving script does with the text: Python's `float()`/`int()`/truthiness/str by the value's kind. */
function receive(text: string, like: AttrValue): AttrValue {
  if (typeof like === "boolean") return text !== "";
  if (typeof like === "string") return text;
  if (like instanceof GuildFloat || (typeof like === "number" && !Number.isInteger(like))) return decodeFlagValue(text, "float");
  return decodeFlagValue(text, "int");
}

function same(a: AttrValue, b: AttrValue): boolean {
  const num = (v: AttrValue) => (v instanceof GuildFloat ? v.value : v);
  if (a instanceof GuildFloat !== b instanceof GuildFloat) return false;
  return Object.is(num(a), num(b));
}

describe("flag values reach the process typed", () => {
  test("property: args, ${name}, FLAG_* and main: argv decode back to the typed value, for every flag type", () => {
    for (const kind of KINDS) {
      const op = opOf(`op:\n  exec: prog \${flag_args}\n  flags:\n    x:\n      type: ${kind.type ?? "null"}\n`);
      const mainOp = opOf(`op:\n  main: prog\n  flags-dest: args\n  flags:\n    x:\n      type: ${kind.type ?? "null"}\n`);
      checkProperty(
        fc.property(kind.value, (v) => {
          const encoded = argEncode(v);
          assert.doesNotMatch(encoded, /\[object /);
          assert.ok(same(receive(encoded, v), v), `${kind.type}: ${String(v)} -> ${encoded}`);
          // Every road to the process carries that same text.
          assert.equal(resolveCmdRefs("${x}", { x: v }), encoded);
          assert.equal(resolveCmdRefs("--x=${x}", { x: v }), `--x=${encoded}`);
          assert.deepEqual(flagEnv(op, { x: v }), { FLAG_X: encoded });
          assert.deepEqual(flagEnv(null, { x: v }), { FLAG_X: encoded });
          assert.deepEqual(flagArgs(op, { x: v }), ["--x", encoded]);
          assert.deepEqual(flagArgs(mainOp, { x: v }), ["--x", encoded]);
        }),
        { numRuns: scaledRuns(300) },
      );
    }
  });

  test("property: the globals encoding (YAML flow) decodes back by YAML to the typed value", () => {
    const op = opOf(`op:\n  main: prog\n  flags-dest: globals\n  flags:\n    x: {}\n`);
    checkProperty(
      fc.property(fc.oneof(floats, ints, fc.boolean()), (v) => {
        const [name, text] = flagArgs(op, { x: v });
        assert.equal(name, "--x");
        assert.ok(same(decodeAttr(text!), v), `${String(v)} -> ${text}`);
      }),
      { numRuns: scaledRuns(500) },
    );
  });

  test("property: a list is shlex-joined item by item; split and decoded it gives the items back", () => {
    const item = fc.oneof(floats, ints, fc.boolean(), fc.stringMatching(/^[a-z][a-z ]{0,8}$/));
    checkProperty(
      fc.property(fc.array(item, { maxLength: 6 }), (vals) => {
        const back = shlexSplit(argEncode(vals)).map((s) => decodeFlagValue(s));
        assert.equal(back.length, vals.length);
        vals.forEach((v, i) => {
          // A NaN or an exponent float comes back as Python reads it; everything else exactly.
          assert.ok(same(back[i]!, v) || (typeof v === "string" && back[i] === v), `${String(v)} -> ${String(back[i])}`);
        });
      }),
      { numRuns: scaledRuns(300) },
    );
  });

  test("Guild's forms, one per value kind", () => {
    const table: [AttrValue, string][] = [
      [new GuildFloat(1), "1.0"],
      [new GuildFloat(0), "0.0"],
      [new GuildFloat(-0), "-0.0"],
      [new GuildFloat(2), "2.0"],
      [1e-5, "1e-05"],
      [0.0001, "0.0001"],
      [new GuildFloat(1e16), "1e+16"],
      [new GuildFloat(Infinity), "inf"],
      [new GuildFloat(-Infinity), "-inf"],
      [new GuildFloat(NaN), "nan"],
      [3, "3"],
      [2n ** 64n, "18446744073709551616"],
      [true, "1"],
      [false, ""],
      [null, ""],
      ["a b", "a b"],
      [[1, new GuildFloat(2), "a b"], "1 2.0 'a b'"],
      [{ b: new GuildFloat(1), a: "x" }, "{'a': 'x', 'b': 1.0}"],
    ];
    for (const [v, want] of table) assert.equal(argEncode(v), want, String(v));
    // String() of a float is Python's str(), never `[object Object]`.
    assert.equal(String(new GuildFloat(1)), "1.0");
    assert.equal(`${new GuildFloat(1e-5)}`, "1e-05");
  });

  test("references: resolved again inside a value, \\${x} kept, unknown names and cycles refused", () => {
    assert.equal(resolveCmdRefs("${a}", { a: "x${b}", b: new GuildFloat(1) }), "x1.0");
    assert.equal(resolveCmdRefs("\\${a}-${a}", { a: 1 }), "${a}-1");
    assert.throws(
      () => resolveCmdRefs("${nope}", { a: 1 }),
      (e: unknown) => {
        assert.ok(e instanceof CmdRefError);
        assert.equal(e.message, "invalid setting for operation: command contains invalid reference 'nope'");
        return true;
      },
    );
    assert.throws(() => resolveCmdRefs("${a}", { a: "${b}", b: "${a}" }), /reference cycle \(a -> b -> a\)/);
    assert.throws(() => resolveCmdRefs("${constructor}", {}), /invalid reference 'constructor'/);
  });
});
