/**
 * Hostile input (issue 8, item 2): flag values. decodeFlagValue and NAME=VALUE parsing on
 * arbitrary strings (unicode, control characters, huge numbers, 100 KB strings, deep nesting,
 * values that expand to billions of items) return a value, or throw the documented FlagError
 * naming the input; nothing else, in bounded time and memory. Iterations scale with
 * GUILDTS_RELIABILITY_SCALE (default 1).
 */
import { checkProperty, scaledRuns } from "@guildts/testkit";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { GuildFloat, type AttrValue } from "@guildts/runstore";
import { tempDir } from "@guildts/testkit";
import {
  decodeFlagValue,
  FlagError,
  loadGuildfile,
  MAX_FLAG_VALUES,
  parseFlagAssigns,
  resolveFlags,
  resolveOperation,
  type OpDef,
} from "../src/index.js";

const runs = scaledRuns;

const check = checkProperty;

/** A hang guard, not a performance claim: generous, so a noisy machine never trips it. */
function timed<T>(what: string, fn: () => T, limitMs = 5000): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    const ms = performance.now() - t0;
    assert.ok(ms < limitMs, `${what}: ${ms.toFixed(0)} ms (limit ${limitMs} ms)`);
  }
}

const TYPES = [null, "auto", "string", "path", "existing-path", "int", "float", "number", "boolean", "nonsense"] as const;

/** Flag-value syntax and bytes that break naive decoders. */
const piece = fc.constantFrom(
  "[",
  "]",
  "{",
  "}",
  ":",
  ",",
  "*",
  "'",
  '"',
  "!!",
  "!!int ",
  "!!binary ",
  "&a ",
  "*a",
  "~",
  "-",
  ".",
  "e",
  "E",
  "_",
  "0",
  "1",
  "9",
  "0x",
  "0b",
  "0o",
  ".inf",
  ".nan",
  "range",
  "linspace",
  "logspace",
  "uniform",
  "\\",
  "\n",
  "\t",
  "\r",
  "\0",
  "\x1b",
  "\x7f",
  "\x85",
  "\u202e",
  "\ufeff",
  "\ud800",
  "\udc00",
  "\u05e9\u05dc\u05d5\u05dd",
  "\u0627",
  "é",
  "😀",
  " ",
  "#",
  "@",
  "$",
  "%",
  "=",
);
const hostileText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: piece, maxLength: 30 }),
  fc.string({ unit: fc.constantFrom("0", "1", "9", "_", ".", "e", "-", ":"), maxLength: 40 }),
  fc.bigInt().map(String),
  fc.double().map(String),
  fc
    .tuple(
      fc.constantFrom("range", "linspace", "logspace", "uniform", "", "x"),
      fc.array(
        fc.oneof(fc.double().map(String), fc.bigInt().map(String), fc.constantFrom(".inf", "-.inf", ".nan", "1e9", "1e308", "0", "")),
        { maxLength: 4 },
      ),
    )
    .map(([f, args]) => `${f}[${args.join(":")}]`),
  fc
    .tuple(
      fc.array(fc.integer(), { maxLength: 4 }),
      fc.oneof(fc.nat({ max: 100 }), fc.constantFrom(10 ** 6, 10 ** 9, 10 ** 12), fc.bigInt({ min: 0n })),
    )
    .map(([l, n]) => `[${l.join(",")}]*${n}`),
);

function isAttrValue(v: unknown, depth = 0): v is AttrValue {
  assert.ok(depth < 400, "value nested too deeply");
  if (v === null || typeof v === "boolean" || typeof v === "string" || typeof v === "bigint" || v instanceof GuildFloat) return true;
  if (typeof v === "number") return true;
  if (Array.isArray(v)) return v.length <= MAX_FLAG_VALUES && v.every((x) => isAttrValue(x, depth + 1));
  if (typeof v === "object") return Object.values(v as object).every((x) => isAttrValue(x, depth + 1));
  return false;
}

function decodeOrFlagError(text: string, type: string | null): AttrValue | FlagError {
  try {
    return timed(`decodeFlagValue(${JSON.stringify(text.slice(0, 40))}, ${type})`, () => decodeFlagValue(text, type, () => {}));
  } catch (e) {
    assert.ok(e instanceof FlagError, `a FlagError, not ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e)}`);
    assert.equal(e.exitCode, 1);
    return e;
  }
}

test("decodeFlagValue: a value or a FlagError for any string and any flag type", () => {
  check(
    fc.property(hostileText, fc.constantFrom(...TYPES), (text, type) => {
      const v = decodeOrFlagError(text, type);
      if (v instanceof FlagError) return;
      assert.ok(isAttrValue(v), `not an attr value: ${String(v)}`);
      if (typeof v === "string" && type === null) {
        // Undecodable text stays the text as typed (or a substring of it for `'quoted'` YAML).
        assert.ok(text.includes(v) || v.length <= text.length * 2, v.slice(0, 100));
      }
    }),
    { numRuns: runs(400), seed: 8031 },
  );
});

test("values that expand to billions of items: a FlagError naming the input, quickly", () => {
  for (const text of [
    "[1]*1000000000",
    "[1,2,3]*99999999999",
    "[1]*" + "9".repeat(400),
    "range[0:1e12]",
    "range[0:100000000]",
    "linspace[0:1:1e12]",
    "logspace[0:10:100000000]",
    "range[1:1000000000:1]",
  ]) {
    const e = decodeOrFlagError(text, null);
    assert.ok(e instanceof FlagError, `${text}: ${String(e)}`);
    assert.ok(e.message.includes(`'${text.slice(0, 100)}`), e.message);
    assert.match(e.message, new RegExp(`at most ${MAX_FLAG_VALUES} are allowed`));
  }
  // Just at the limit is fine; empty lists times anything are empty; non-finite stays text (Guild).
  assert.equal((decodeOrFlagError(`[0]*${MAX_FLAG_VALUES}`, null) as AttrValue[]).length, MAX_FLAG_VALUES);
  assert.deepEqual(decodeOrFlagError("[]*99999999999999999999", null), []);
  assert.equal(decodeOrFlagError("range[0:.inf]", null), "range[0:.inf]");
  assert.equal(decodeOrFlagError("logspace[0:1:.inf]", null), "logspace[0:1:.inf]");
});

test("huge numbers, 100 KB strings, deep nesting, control and right-to-left characters", () => {
  const big = "9".repeat(100_000);
  assert.equal(decodeOrFlagError(big, null), BigInt(big));
  assert.equal(decodeOrFlagError(big, "int"), BigInt(big));
  const inf = decodeOrFlagError(`1e${big}`, "float");
  assert.ok(inf instanceof GuildFloat && inf.value === Infinity, String(inf));
  // Python's strip() was a regex quadratic in a run of inner whitespace: seconds for 100 KB.
  for (const type of [null, "int", "float", "number", "boolean"]) {
    for (const text of [`1${" ".repeat(200_000)}2`, `[1]${" ".repeat(200_000)}*2`, `${"\t".repeat(200_000)}x`])
      decodeOrFlagError(text, type);
  }
  const long = "x".repeat(100_000);
  assert.equal(decodeOrFlagError(long, null), long);
  for (const text of [
    "[".repeat(100_000),
    "[".repeat(10_000) + "]".repeat(10_000),
    "{a: ".repeat(10_000) + "1" + "}".repeat(10_000),
    "- ".repeat(10_000) + "x",
  ]) {
    // Too deep for YAML (PyYAML stops at ~490 levels too): the text, as typed.
    assert.equal(decodeOrFlagError(text, null), text);
  }
  for (const text of ["a\nb", "\x1b[31mred\x1b[0m", "\u202eexe.txt", "\u05e9\u05dc\u05d5\u05dd", "\0", "\ud800", "tab\there"]) {
    const v = decodeOrFlagError(text, null);
    assert.equal(typeof v, "string", JSON.stringify(text));
  }
});

function opOf(text: string): OpDef {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "guild.yml"), text);
  return resolveOperation(loadGuildfile(path.join(dir, "guild.yml")), "train");
}

test("NAME=VALUE arguments: flags, or a FlagError naming the bad ones", () => {
  const op = opOf(
    [
      "train:",
      "  main: train",
      "  flags:",
      "    i: {type: int, default: 1}",
      "    f: {type: float, default: 0.5}",
      "    s: {default: x}",
      "    c: {choices: [a, b], default: a}",
      "    b: {type: boolean, default: no}",
      "",
    ].join("\n"),
  );
  const name = fc.oneof(fc.constantFrom("i", "f", "s", "c", "b", "", "=", "x"), fc.string({ unit: piece, maxLength: 5 }));
  check(
    fc.property(fc.array(fc.tuple(name, fc.constantFrom("=", "", "=="), hostileText), { maxLength: 4 }), fc.boolean(), (assigns, force) => {
      const args = assigns.map(([n, eq, v]) => `${n}${eq}${v}`);
      try {
        const parsed = timed("parseFlagAssigns", () => parseFlagAssigns(op, args));
        for (const v of Object.values(parsed)) assert.ok(isAttrValue(v));
        timed("resolveFlags", () => resolveFlags(op, args, { force, warn: () => {} }));
      } catch (e) {
        assert.ok(e instanceof FlagError, `a FlagError, not ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e)}`);
        assert.ok(e.message.length > 0);
      }
    }),
    { numRuns: runs(250), seed: 8032 },
  );
  // An argument without `=` is named in the error.
  assert.throws(
    () => parseFlagAssigns(op, ["no-equals\u202e"]),
    (e: unknown) => e instanceof FlagError && e.message.includes("no-equals\u202e"),
  );
  assert.throws(
    () => parseFlagAssigns(op, ["i=[1]*1000000000"]),
    (e: unknown) => e instanceof FlagError && e.message.includes("[1]*1000000000"),
  );
});
