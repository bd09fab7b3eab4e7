import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { decodeAttr, decodeAttrFallback, decodeAttrFast } from "../src/yaml/decode.js";
import { encodeAttr } from "@guildts/py";
import { GuildFloat, type AttrValue } from "../src/yaml/value.js";

// ---------------------------------------------------------------------------------------
// Golden vectors from the real PyYAML (scripts/gen-pyyaml-vectors.py).

const here = dirname(fileURLToPath(import.meta.url));
/** The package folder (this file runs from dist/test/). */
const pkgDir = resolve(here, "..", "..");

interface EncodeVector {
  value: unknown;
  yaml: string;
  noDecode?: string;
}
interface Vectors {
  encode: EncodeVector[];
  decode: { yaml: string; value?: unknown; error?: string }[];
}
const vectors = JSON.parse(readFileSync(join(pkgDir, "test", "fixtures", "pyyaml-vectors.json"), "utf8")) as Vectors;

/** Tagged JSON (see the generator) to an AttrValue, rebuilding shared and recursive refs. */
function untag(t: unknown, anchors: Map<string, AttrValue> = new Map()): AttrValue {
  if (t === null || typeof t === "boolean" || typeof t === "number" || typeof t === "string") return t;
  if (Array.isArray(t)) return t.map((x) => untag(x, anchors));
  const o = t as Record<string, unknown>;
  if (typeof o.$float === "string") {
    const r = o.$float;
    const x = r === "inf" ? Infinity : r === "-inf" ? -Infinity : r === "nan" ? NaN : Number(r);
    return Number.isInteger(x) || !Number.isFinite(x) ? new GuildFloat(x) : x;
  }
  if (typeof o.$int === "string") return BigInt(o.$int);
  if (typeof o.$alias === "string") return anchors.get(o.$alias)!;
  if (typeof o.$anchor === "string") {
    const inner = o.value;
    const container: AttrValue = Array.isArray(inner) ? [] : {};
    anchors.set(o.$anchor, container);
    fill(container, inner, anchors);
    return container;
  }
  const out: { [k: string]: AttrValue } = {};
  fill(out, o, anchors);
  return out;
}

function fill(container: AttrValue, inner: unknown, anchors: Map<string, AttrValue>): void {
  if (Array.isArray(container)) {
    for (const x of inner as unknown[]) container.push(untag(x, anchors));
    return;
  }
  const obj = container as { [k: string]: AttrValue };
  const o = inner as Record<string, unknown>;
  const pairs = Array.isArray(o.$map) ? (o.$map as [string, unknown][]) : Object.entries(o);
  for (const [k, v] of pairs) obj[k] = untag(v, anchors);
}

test("PyYAML golden vectors: encodeAttr gives the exact bytes", () => {
  assert.ok(vectors.encode.length > 1000);
  const failures: string[] = [];
  for (const v of vectors.encode) {
    const got = encodeAttr(untag(v.value));
    if (got !== v.yaml) failures.push(`${JSON.stringify(v.value)}\n  want ${JSON.stringify(v.yaml)}\n  got  ${JSON.stringify(got)}`);
  }
  assert.equal(failures.length, 0, `${failures.length} mismatches:\n${failures.slice(0, 20).join("\n")}`);
});

// ---------------------------------------------------------------------------------------
// The spec table (guild-store-list-select.md §2.1) and other explicit cases.

const enc = (v: AttrValue) => encodeAttr(v);

test("spec table: scalars", () => {
  assert.equal(enc("hello"), "hello\n");
  assert.equal(enc(123), "123\n");
  assert.equal(enc(123.456), "123.456\n");
  // An integral number is an int (Python would need int(1e100)); a GuildFloat is a float.
  assert.equal(enc(1e100), `${BigInt(1e100)}\n`);
  assert.equal(enc(new GuildFloat(1e100)), "1.0e+100\n");
  assert.equal(enc(1e-5), "1.0e-05\n");
  assert.equal(enc(true), "true\n");
  assert.equal(enc(false), "false\n");
  assert.equal(enc(null), "null\n");
  assert.equal(enc(""), "''\n");
  for (const s of ["1.0", "1e5", "010", "yes", "on", "null", "True", "2023-01-01", "12:30", "~", "-", "y"]) {
    assert.equal(enc(s), `'${s}'\n`, s);
  }
  for (const s of ["a: b", "#x", " lead", "trail "]) assert.equal(enc(s), `'${s}'\n`, s);
  assert.equal(enc("é"), '"\\xE9"\n');
  assert.equal(enc("multi\nline"), "'multi\n\n  line'\n");
});

test("spec table: collections", () => {
  assert.equal(enc([1, "a"]), "- 1\n- a\n");
  assert.equal(enc([["x"]]), "- - x\n");
  assert.equal(enc({ b: 1, a: [] }), "a: []\nb: 1\n");
  assert.equal(enc({ d: { j: [1] } }), "d:\n  j:\n  - 1\n");
  assert.equal(enc({ d: [1] }), "d:\n- 1\n");
  assert.equal(enc({}), "{}\n");
  assert.equal(enc([]), "[]\n");
  assert.equal(enc([{ a: 1, b: [2] }, []]), "- a: 1\n  b:\n  - 2\n- []\n");
});

test("the strict patch quotes y Y n N; the float patch quotes 1e5-like strings", () => {
  for (const s of ["y", "Y", "n", "N"]) {
    assert.equal(enc(s), `'${s}'\n`);
    assert.equal(enc({ [s]: s }), `'${s}': '${s}'\n`);
  }
  assert.equal(enc("yy"), "yy\n");
  for (const s of ["1e5", "1E5", "-2e10", "1.0e5", "1_0e3", "1e+3"]) assert.equal(enc(s), `'${s}'\n`);
  assert.equal(enc("1e"), "1e\n");
  assert.equal(enc("e5"), "e5\n");
});

test("floats: written as PyYAML writes them (repr, lowercased, .0 before a bare exponent)", () => {
  assert.equal(enc(new GuildFloat(1)), "1.0\n");
  assert.equal(enc(new GuildFloat(-0)), "-0.0\n");
  assert.equal(enc(new GuildFloat(100000)), "100000.0\n");
  assert.equal(enc(new GuildFloat(NaN)), ".nan\n");
  assert.equal(enc({ sleep: new GuildFloat(0), lr: 0.1 }), "lr: 0.1\nsleep: 0.0\n");
});

test("ints: numbers and bigints, exact beyond 2^53", () => {
  assert.equal(enc(0), "0\n");
  assert.equal(enc(-0), "0\n");
  assert.equal(enc(-15), "-15\n");
  assert.equal(enc(1795714963356859), "1795714963356859\n");
  assert.equal(enc(2 ** 53), "9007199254740992\n");
  assert.equal(enc(1e21), "1000000000000000000000\n");
  assert.equal(enc(12345678901234567890123n), "12345678901234567890123\n");
  assert.equal(enc(-(2n ** 64n)), "-18446744073709551616\n");
});

test("strings: quoting styles, escapes and folding at width 80", () => {
  assert.equal(enc("it's"), "it's\n");
  assert.equal(enc("'a"), "'''a'\n");
  assert.equal(enc("a\tb"), '"a\\tb"\n');
  assert.equal(enc("\r"), '"\\r"\n');
  assert.equal(enc("\u2603"), '"\\u2603"\n');
  assert.equal(enc("\u{1F600}"), '"\\U0001F600"\n');
  assert.equal(enc("\x85\xa0\u2028\u2029\ufeff"), '"\\N\\_\\L\\P\\uFEFF"\n');
  assert.equal(enc("a\x00b\x1b"), '"a\\0b\\e"\n');
  const words = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
  assert.equal(
    enc(words),
    "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22\n  w23 w24 w25 w26 w27 w28 w29\n",
  );
  // The break happens at the first space after column 80 is passed.
  assert.equal(
    enc({ k: words }),
    "k: w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22\n  w23 w24 w25 w26 w27 w28 w29\n",
  );
  assert.equal(enc("x".repeat(200)), `${"x".repeat(200)}\n`);
  const uname = "Linux alice-laptop 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64 ";
  assert.equal(enc({ uname }), `uname: '${uname}'\n`);
});

test("keys: sorted by code point, complex keys for long or multi-line ones", () => {
  assert.equal(enc({ b: 1, a: 2, B: 3, "10": 4, "9": 5 }), "'10': 4\n'9': 5\nB: 3\na: 2\nb: 1\n");
  assert.equal(enc({ "\u{1F600}": 1, "\uFFFD": 2 }), '"\\uFFFD": 2\n"\\U0001F600": 1\n');
  assert.equal(enc({ "": 1 }), "? ''\n: 1\n");
  // PyYAML's check_simple_key counts the (unwritten) "!!str" tag: 123 code points is too long.
  assert.equal(enc({ ["k".repeat(122)]: 1 }), `${"k".repeat(122)}: 1\n`);
  assert.equal(enc({ ["k".repeat(123)]: 1 }), `? ${"k".repeat(123)}\n: 1\n`);
  assert.equal(enc({ "a\nb": [1] }), "? 'a\n\n  b'\n: - 1\n");
  const proto = JSON.parse('{"__proto__": 1}') as AttrValue;
  assert.equal(enc(proto), "__proto__: 1\n");
});

test("shared lists and maps get anchors and aliases, like Python objects", () => {
  const shared = [1, 2];
  assert.equal(enc({ a: shared, b: shared }), "a: &id001\n- 1\n- 2\nb: *id001\n");
  const empty: AttrValue[] = [];
  assert.equal(enc({ a: empty, b: empty, c: [] }), "a: &id001 []\nb: *id001\nc: []\n");
  const rec: AttrValue[] = [];
  rec.push(rec);
  assert.equal(enc(rec), "&id001\n- *id001\n");
  // Strings, numbers and GuildFloats are never aliased.
  const f = new GuildFloat(1);
  assert.equal(enc([f, f, "s", "s"]), "- 1.0\n- 1.0\n- s\n- s\n");
});

test("values outside the model are a TypeError naming the problem", () => {
  const bad: [unknown, RegExp][] = [
    [undefined, /undefined at the top level/],
    [{ a: undefined }, /undefined at a$/],
    [{ "a b": [{ c: undefined }] }, /undefined at \["a b"\]\[0\]\.c$/],
    [{ a: [1, () => 1] }, /function at a\[1\]/],
    [[Symbol("s")], /symbol/],
    [new Date(0), /instance of Date/],
    [new Map(), /instance of Map/],
    [{ x: new (class Foo {})() }, /instance of Foo at x/],
    // biome-ignore lint/suspicious/noSparseArray: the encoder must refuse a sparse array
    [[1, , 3], /sparse array/],
    [Object.assign(Object.create({ inherited: 1 }) as object, { a: 1 }), /not a plain object/],
  ];
  bad.forEach(([v, re], i) => {
    assert.throws(
      () => encodeAttr(v as AttrValue),
      (e: unknown) => e instanceof TypeError && re.test(e.message),
      `case ${i}`,
    );
  });
});

// ---------------------------------------------------------------------------------------
// Round trips.

/** The repository root: the nearest folder up from here that holds turbo.json. */
function repoRoot(): string | undefined {
  let dir = here;
  for (;;) {
    if (existsSync(join(dir, "turbo.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const root = repoRoot();
// The Guild-written home lives in the repository (fixtures/): a missing one fails, never skips.
const guildHome = root === undefined ? undefined : join(root, "fixtures", "guild-0.9-home", "home");

test("real Guild 0.9.1 attr files: encodeAttr(decodeAttr(bytes)) === bytes", () => {
  const home: string = guildHome ?? "";
  assert.ok(existsSync(home), `the fixture home is missing (${home}): the checkout is incomplete`);
  const files = (readdirSync(home, { recursive: true }) as string[])
    .filter((p) => /(^|[\\/])\.guild[\\/]attrs[\\/][^\\/]+$/.test(p))
    .sort();
  assert.ok(files.length > 100, `found only ${files.length} attr files`);
  const names = new Set<string>();
  for (const rel of files) {
    const bytes = readFileSync(join(home, rel));
    const text = bytes.toString("utf8");
    const value = decodeAttr(text);
    assert.equal(encodeAttr(value), text, rel);
    assert.deepEqual(decodeAttrFallback(text), value, rel);
    names.add(rel.split(/[\\/]/).pop()!);
  }
  for (const n of ["op", "run_params", "env", "platform", "pip_freeze", "deps", "cmd", "flags", "started"]) {
    assert.ok(names.has(n), `no ${n} attr among the fixtures`);
  }
});

/** AttrValues as the model allows them (ints never -0: Python ints have no sign of zero). */
const attrValue: fc.Arbitrary<AttrValue> = fc.letrec<{ value: AttrValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      fc.string({ unit: "binary", maxLength: 30 }),
      fc.string({ unit: fc.constantFrom("a", " ", "'", ":", "#", "-", "\n", "1", "e", ".", "y", "é"), maxLength: 100 }),
      fc.constantFrom("y", "n", "yes", "~", "", "1e5", "010", "0x1F", "1:20", "2001-12-14", "=", "<<"),
      fc.integer().map((n) => (n === 0 ? 0 : n)),
      fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((n) => (n > 2n ** 53n - 1n || n < -(2n ** 53n - 1n) ? n : Number(n))),
      fc.double().map((x) => (Number.isInteger(x) || !Number.isFinite(x) ? new GuildFloat(x) : x)),
      fc.boolean(),
      fc.constant(null),
    ),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie("value"), { maxKeys: 4 }).map((d) => ({ ...d })),
  ),
})).value;

test("property: decodeAttr(encodeAttr(v)) deep-equals v, and the fast path agrees with the fallback", () => {
  fc.assert(
    fc.property(attrValue, (v) => {
      const text = encodeAttr(v);
      assert.deepEqual(decodeAttr(text), v);
      const fast = decodeAttrFast(text);
      if (fast !== undefined) assert.deepEqual(fast.value, decodeAttrFallback(text));
      assert.equal(encodeAttr(decodeAttr(text)), text);
    }),
    { numRuns: 3000, seed: 42 },
  );
});
