import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { decodeAttr, decodeAttrFallback, decodeAttrFast, decodeAttrInPieces, MAX_ALIASES } from "../src/yaml/decode.js";
import { encodeAttr } from "@guildts/py";
import { AttrDecodeError, GuildFloat, type AttrValue } from "../src/yaml/value.js";

const here = dirname(fileURLToPath(import.meta.url));
/** The package folder (this file runs from dist/test/). */
const pkgDir = resolve(here, "..", "..");

// ---------------------------------------------------------------------------------------
// Golden vectors from the real PyYAML (scripts/gen-pyyaml-vectors.py).

interface Vectors {
  encode: { value: unknown; yaml: string; noDecode?: string }[];
  decode: { yaml: string; value?: unknown; error?: string }[];
}
const vectors = JSON.parse(readFileSync(join(pkgDir, "test", "fixtures", "pyyaml-vectors.json"), "utf8")) as Vectors;

/** Tagged JSON (see the generator) to an AttrValue, rebuilding shared references. */
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
    const container: AttrValue = Array.isArray(o.value) ? [] : {};
    anchors.set(o.$anchor, container);
    fill(container, o.value, anchors);
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

/**
 * Inputs where this decoder and PyYAML disagree, because the `yaml` package parses them
 * differently. None of them is something PyYAML writes.
 */
const KNOWN_DIFFERENCES = new Map<string, string>([
  ["...\n", "PyYAML: a document-end marker before any document is an error; yaml: an empty document"],
  ["a: 'b'#c\n", "PyYAML accepts a comment right after a closing quote; yaml requires a space"],
  ["[?a]\n", "flow context: PyYAML reads `?a` as a complex key `? a`"],
  ["{k: ?a}\n", "flow context: PyYAML refuses a plain scalar starting with `?`"],
  ["[:a]\n", "flow context: PyYAML refuses a plain scalar starting with `:`"],
  ["{k: :a}\n", "flow context: PyYAML refuses a plain scalar starting with `:`"],
  ["[-]\n", "flow context: PyYAML reads a lone `-` as a plain scalar"],
  ["{k: -}\n", "flow context: PyYAML reads a lone `-` as a plain scalar"],
  ["- 'a\nb'\n", "PyYAML does not check the indentation of quoted scalar continuation lines"],
  ["k: 'a\nb'\n", "PyYAML does not check the indentation of quoted scalar continuation lines"],
  ['- "a\n\tb"\n', "PyYAML does not check the indentation of quoted scalar continuation lines"],
]);

function isDecodeError(e: unknown): boolean {
  return e instanceof AttrDecodeError && e.message.length > 0 && !e.message.includes("\n");
}

test("PyYAML golden vectors: decoding what PyYAML writes gives the value back", () => {
  let n = 0;
  for (const v of vectors.encode) {
    if (v.noDecode !== undefined) continue;
    assert.deepEqual(decodeAttr(v.yaml), untag(v.value), JSON.stringify(v.yaml));
    n++;
  }
  assert.ok(n > 1000);
});

test("PyYAML golden vectors: safe_load results and errors for hand-written YAML", () => {
  let n = 0;
  for (const v of vectors.decode) {
    if (KNOWN_DIFFERENCES.has(v.yaml)) continue;
    n++;
    if (v.error !== undefined) {
      assert.throws(() => decodeAttr(v.yaml), isDecodeError, `${JSON.stringify(v.yaml)} should fail like PyYAML (${v.error})`);
    } else {
      assert.deepEqual(decodeAttr(v.yaml), untag(v.value), JSON.stringify(v.yaml));
    }
  }
  assert.ok(n > 1000);
  for (const text of KNOWN_DIFFERENCES.keys()) {
    assert.ok(
      vectors.decode.some((v) => v.yaml === text),
      `known difference ${JSON.stringify(text)} is not a vector`,
    );
  }
});

// ---------------------------------------------------------------------------------------
// The fast path.

const fast = (text: string) => decodeAttrFast(text)?.value;

test("fast path: single scalars, as Guild writes attrs", () => {
  const cases: [string, AttrValue][] = [
    ["1795714963356859\n", 1795714963356859],
    ["-15\n", -15],
    ["0\n", 0],
    ["0.1\n", 0.1],
    ["0.0\n", new GuildFloat(0)],
    ["1.0e+100\n", new GuildFloat(1e100)],
    ["hello world\n", "hello world"],
    ["batch=64 epochs=3 fail=no lr=0.1 optimizer=sgd sleep=0.0\n", "batch=64 epochs=3 fail=no lr=0.1 optimizer=sgd sleep=0.0"],
    ["'64'\n", "64"],
    ["'it''s'\n", "it's"],
    ["''\n", ""],
    ["true\n", true],
    ["false\n", false],
    ["null\n", null],
    ["~\n", null],
    ["{}\n", {}],
    ["[]\n", []],
    ["y\n", "y"],
    ["'y'\n", "y"],
    ["1e5\n", new GuildFloat(100000)],
    ["9007199254740993\n", 9007199254740993n],
    ["2001-12-14\n", "2001-12-14"],
    ["485079a0a5624b169528bfba73d6e6a1\n", "485079a0a5624b169528bfba73d6e6a1"],
    ["git:6d1356c938c9d57ca2a7e309cc7e5825*\n", "git:6d1356c938c9d57ca2a7e309cc7e5825*"],
    ["no-newline", "no-newline"],
  ];
  for (const [text, want] of cases) {
    assert.deepEqual(fast(text), want, JSON.stringify(text));
    assert.deepEqual(decodeAttrFallback(text), want, JSON.stringify(text));
  }
});

test("fast path: block lists and flat maps", () => {
  assert.deepEqual(fast("- a\n- '64'\n- 3\n- -um\n- --\n- ${python_exe}\n"), ["a", "64", 3, "-um", "--", "${python_exe}"]);
  assert.deepEqual(fast("- candidate\n"), ["candidate"]);
  assert.deepEqual(fast("batch: 64\nepochs: 3\nfail: false\nlr: 0.1\noptimizer: sgd\nsleep: 0.0\n"), {
    batch: 64,
    epochs: 3,
    fail: false,
    lr: 0.1,
    optimizer: "sgd",
    sleep: new GuildFloat(0),
  });
  assert.deepEqual(fast("'y': 'y'\n'yes': true\nLOG_LEVEL: '20'\nPATH: /usr/bin:/bin\ndeps: []\nx: {}\n"), {
    y: "y",
    yes: true,
    LOG_LEVEL: "20",
    PATH: "/usr/bin:/bin",
    deps: [],
    x: {},
  });
  assert.deepEqual(fast("python_version: 3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]\n"), {
    python_version: "3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]",
  });
  assert.deepEqual(fast("a: 1\na: 2\n"), { a: 2 });
  const proto = fast("__proto__: 1\n") as Record<string, AttrValue>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepEqual(Object.keys(proto), ["__proto__"]);
  // biome-ignore lint/suspicious/noProto: a YAML key named __proto__ must stay a plain key
  assert.equal(proto.__proto__, 1);
});

test("fast path bails out on what it does not handle (the fallback then decides)", () => {
  for (const text of [
    "",
    "a:\n  b: 1\n",
    "- - x\n",
    "- a: 1\n",
    '"double"\n',
    "'multi\n\n  line'\n",
    "multi\nline\n",
    "a: b # comment\n",
    "a: b\n\nc: d\n",
    "a:\tb\n",
    "é\n",
    "&a x\n",
    "a: *x\n",
    "--- a\n",
    "a\r\n",
    "1: a\n",
    "<<: {}\n",
    "=\n",
    "a: =\n",
    "- \n",
  ]) {
    assert.equal(decodeAttrFast(text), undefined, JSON.stringify(text));
  }
});

// ---------------------------------------------------------------------------------------
// YAML 1.1 resolution as PyYAML does it, with Guild's float patch.

const dec = (text: string) => decodeAttr(text);

test("booleans and nulls: PyYAML's exact spellings; a bare y or n is a string", () => {
  for (const s of ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) assert.equal(dec(s), true, s);
  for (const s of ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) assert.equal(dec(s), false, s);
  for (const s of ["yEs", "nO", "tRue", "y", "Y", "n", "N", "t", "f"]) assert.equal(dec(s), s, s);
  for (const s of ["null", "Null", "NULL", "~", "", "a:", "- "])
    assert.ok(
      [null, { a: null }, [null]].some((w) => JSON.stringify(dec(s)) === JSON.stringify(w)),
      s,
    );
  assert.equal(dec("nULL"), "nULL");
});

test("ints: decimal, octal 010, hex, binary, underscores, sexagesimal, bigints", () => {
  assert.equal(dec("010"), 8);
  assert.equal(dec("-010"), -8);
  assert.equal(dec("0o10"), "0o10");
  assert.equal(dec("08"), "08");
  assert.equal(dec("0x1F"), 31);
  assert.equal(dec("0b1010"), 10);
  assert.equal(dec("1_000"), 1000);
  assert.equal(dec("+12"), 12);
  assert.equal(dec("190:20:30"), 685230);
  assert.equal(dec("-0"), 0);
  assert.ok(Object.is(dec("-0"), 0));
  assert.equal(dec("9007199254740991"), 9007199254740991);
  assert.equal(dec("9007199254740992"), 9007199254740992n);
  assert.equal(dec("-9007199254740992"), -9007199254740992n);
  assert.equal(dec("0xFFFFFFFFFFFFFFFFFF"), 0xffffffffffffffffffn);
});

test("floats: fractional ones are numbers, integral and non-finite ones GuildFloat", () => {
  assert.equal(dec("0.1"), 0.1);
  assert.deepEqual(dec("1.5e3"), new GuildFloat(1500));
  assert.deepEqual(dec("1.0"), new GuildFloat(1));
  assert.deepEqual(dec("1."), new GuildFloat(1));
  assert.equal(dec(".5"), 0.5);
  assert.deepEqual(dec("-0.0"), new GuildFloat(-0));
  assert.ok(Object.is((dec("-0.0") as GuildFloat).value, -0));
  assert.deepEqual(dec(".inf"), new GuildFloat(Infinity));
  assert.deepEqual(dec("-.Inf"), new GuildFloat(-Infinity));
  assert.ok(Number.isNaN((dec(".NaN") as GuildFloat).value));
  assert.equal(dec("-.nan"), "-.nan");
  assert.equal(dec("1:20.5"), 80.5);
  assert.deepEqual(dec("1e400"), new GuildFloat(Infinity));
});

test("Guild's float patch: scientific notation without a dot or exponent sign is a float", () => {
  assert.deepEqual(dec("1e5"), new GuildFloat(100000));
  assert.deepEqual(dec("1E5"), new GuildFloat(100000));
  assert.equal(dec("1E-3"), 0.001);
  assert.deepEqual(dec("-2e10"), new GuildFloat(-2e10));
  assert.deepEqual(dec("1.0e5"), new GuildFloat(100000));
  assert.deepEqual(dec("1_0e1"), new GuildFloat(100));
  assert.equal(dec(".5e3"), ".5e3");
  assert.equal(dec("1e"), "1e");
  assert.deepEqual(dec("lr: 1e-3\nsteps: 1e4\n"), { lr: 0.001, steps: new GuildFloat(10000) });
});

test("timestamps stay strings, as written", () => {
  assert.equal(dec("2001-12-14"), "2001-12-14");
  assert.equal(dec("2001-12-14t21:59:43.10-05:00"), "2001-12-14t21:59:43.10-05:00");
  assert.equal(dec("!!timestamp 2001-12-14"), "2001-12-14");
  assert.throws(() => dec("!!timestamp nope"), AttrDecodeError);
});

test("nested structures, block scalars, double quotes, flow collections", () => {
  assert.deepEqual(dec("a:\n  b:\n  - 1\n  - c: d\n"), { a: { b: [1, { c: "d" }] } });
  assert.deepEqual(dec("- - x\n  - y\n- z\n"), [["x", "y"], "z"]);
  assert.deepEqual(dec('"\\xE9\\u2603\\U0001F600\\t"'), "é\u2603\u{1F600}\t");
  assert.deepEqual(dec("a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\n"), { a: "line 1\nline 2\n", b: "folded text" });
  assert.deepEqual(dec("{a: [1, 2.5, yes], b: {c: ~}}"), { a: [1, 2.5, true], b: { c: null } });
  assert.deepEqual(dec("'multi\n\n  line'\n"), "multi\nline");
  assert.deepEqual(dec("? [1]\n: a\n".replace("[1]", "a b")), { "a b": "a" });
});

test("non-string keys become the string of their canonical YAML form", () => {
  assert.deepEqual(dec("1: a\n010: b\n1.5: c\n1e5: d\n~: f\n.inf: g\n"), {
    "1": "a",
    "8": "b",
    "1.5": "c",
    "100000.0": "d",
    null: "f",
    ".inf": "g",
  });
  assert.deepEqual(dec("yes: no\n"), { true: false });
  // Keys equal in Python (1 == 1.0 == True) are one key, spelt as the first one.
  assert.deepEqual(dec("1: a\n1.0: b\ntrue: c\n"), { "1": "c" });
  assert.deepEqual(dec("false: x\n-0.0: y\n"), { false: "y" });
  assert.deepEqual(dec(".nan: a\n.nan: b\n"), { ".nan": "b" });
  assert.deepEqual(dec("'yes': no\n"), { yes: false });
  assert.throws(() => dec("[1]: a\n"), AttrDecodeError);
  assert.throws(() => dec("{a: 1}: b\n"), AttrDecodeError);
});

test("merge keys: merged first, own keys win, earlier merges win", () => {
  assert.deepEqual(dec("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n"), { base: { x: 1, y: 2 }, d: { x: 1, y: 3 } });
  assert.deepEqual(dec("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n"), { a: { x: 1 }, b: { x: 2, y: 2 }, c: { x: 1, y: 2 } });
  assert.deepEqual(dec("'<<': 1\n"), { "<<": 1 });
  assert.throws(() => dec("a:\n  <<: 1\n"), AttrDecodeError);
  assert.throws(() => dec("a: <<\n"), AttrDecodeError);
});

test("anchors and aliases: shared objects, bounded use, no recursion", () => {
  const v = dec("a: &x [1, 2]\nb: *x\n") as { a: AttrValue[]; b: AttrValue[] };
  assert.deepEqual(v, { a: [1, 2], b: [1, 2] });
  assert.equal(v.a, v.b);
  assert.equal(encodeAttr(v), "a: &id001\n- 1\n- 2\nb: *id001\n");
  assert.throws(() => dec("a: *nope\n"), /undefined alias/);
  assert.throws(() => dec("a: &x 1\nb: &x 2\n"), /duplicate anchor/);
  assert.throws(() => dec("&a [*a]\n"), /recursive/);
  assert.throws(() => dec("&a {k: *a}\n"), /recursive/);
  assert.throws(() => dec("&a {<<: *a}\n"), /recursive/);
  // The billion laughs: nine levels of ten aliases.
  const lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  const started = Date.now();
  assert.throws(
    () => dec(lines.join("\n") + "\n"),
    (e: unknown) => isDecodeError(e) && /too large/.test((e as Error).message),
  );
  assert.ok(Date.now() - started < 2000);
  const many = `a: &x 1\nb: [${Array(MAX_ALIASES + 1)
    .fill("*x")
    .join(", ")}]\n`;
  assert.throws(() => dec(many), /too many aliases/);
  assert.doesNotThrow(() => dec(`a: &x 1\nb: [${Array(MAX_ALIASES).fill("*x").join(", ")}]\n`));
});

test("explicit tags as SafeConstructor handles them", () => {
  assert.equal(dec("!!str 123"), "123");
  assert.equal(dec("!!int '0x10'"), 16);
  assert.deepEqual(dec("!!float '1'"), new GuildFloat(1));
  assert.equal(dec("! 123"), 123);
  assert.equal(dec("!!null whatever"), null);
  assert.deepEqual(dec("!!omap [a: 1, b: 2]"), [
    ["a", 1],
    ["b", 2],
  ]);
  for (const t of ["!!int abc", "!!bool y", "!foo 1", "!!binary aGVsbG8=", "!!set {a, b}", "!!seq {a: 1}", "!!str [1]"]) {
    assert.throws(() => dec(t), isDecodeError, t);
  }
});

test("errors: AttrDecodeError with a short message", () => {
  for (const text of [
    "a: b: c\n",
    "a: 1\n  b: 2\n",
    "[1, 2\n",
    "'unterminated\n",
    "a\n---\nb\n",
    "a: 1\n---\n",
    "a\x01b\n",
    "a: \x7f\n",
    "a\tb\n",
    "a:\tb\n",
    "- a\nb: 1\n",
    "@a\n",
    "a: =\n",
    "\ud800",
  ]) {
    assert.throws(() => dec(text), isDecodeError, JSON.stringify(text));
  }
});

test("line breaks: CRLF and NEL read like Python's universal newlines / PyYAML", () => {
  assert.deepEqual(dec("a: 1\r\nb: 2\r\n"), { a: 1, b: 2 });
  assert.deepEqual(dec("'a\x85b'"), "a b");
  assert.deepEqual(dec("\ufeffa: 1\n"), { a: 1 });
});

// ---------------------------------------------------------------------------------------
// The fast path and the fallback agree on every input.

const tokenChars = fc.constantFrom(..."abZ019._eE+-: #'\"?,[]{}&*!|>%@`~=<xyn\\/$".split(""), "\t", "é", "\n");
const scalarToken = fc.oneof(
  fc.constantFrom(
    "a",
    "hello world",
    "0",
    "-15",
    "010",
    "0x1F",
    "1_000",
    "1:20",
    "0.1",
    "1.0",
    "-0.0",
    "1e5",
    "1E-3",
    "1.0e+100",
    ".inf",
    "-.inf",
    ".nan",
    ".5",
    "1.",
    "y",
    "n",
    "Y",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "null",
    "~",
    "",
    "=",
    "<<",
    "2001-12-14",
    "12:30",
    "-",
    "--",
    "---",
    "...",
    "-um",
    "?a",
    ":a",
    "a:b",
    "a #b",
    "a#b",
    "a: b",
    "[]",
    "{}",
    "[a]",
    "{a}",
    "'q'",
    "'it''s'",
    "''",
    "'a'b",
    "'a",
    '"d"',
    "& a",
    "*a",
    "!a",
    "|",
    ">",
    "%a",
    "@a",
    "`a",
    "${x}",
    "9007199254740993",
    "1795714963356859",
    "__proto__",
    "constructor",
    "toString",
  ),
  fc.string({ unit: tokenChars, maxLength: 12 }),
  fc.string({ unit: tokenChars, maxLength: 10 }).map((s) => `'${s.replace(/'/g, "''")}'`),
);
const document = fc.oneof(
  fc.tuple(scalarToken, fc.constantFrom("", "\n", "\n\n")).map(([t, end]) => t + end),
  fc
    .tuple(fc.array(scalarToken, { minLength: 1, maxLength: 5 }), fc.constantFrom("", "\n"))
    .map(([ts, end]) => ts.map((t) => `- ${t}`).join("\n") + end),
  fc
    .tuple(fc.array(fc.tuple(scalarToken, scalarToken), { minLength: 1, maxLength: 5 }), fc.constantFrom("", "\n"))
    .map(([kvs, end]) => kvs.map(([k, v]) => `${k}: ${v}`).join("\n") + end),
  fc.array(fc.oneof(scalarToken, fc.constantFrom(": ", "\n", "- ", " ", ":", "\n  ", "#")), { maxLength: 8 }).map((p) => p.join("")),
);

test("property: where the fast path answers, the fallback gives the same value", () => {
  let fastCount = 0;
  let total = 0;
  fc.assert(
    fc.property(document, (text) => {
      total++;
      const f = decodeAttrFast(text);
      if (f === undefined) return;
      fastCount++;
      let slow: AttrValue;
      try {
        slow = decodeAttrFallback(text);
      } catch (e) {
        assert.fail(`fast path accepted ${JSON.stringify(text)} but the fallback throws ${String(e)}`);
      }
      assert.deepEqual(f.value, slow, JSON.stringify(text));
      assert.deepEqual(decodeAttr(text), slow);
    }),
    { numRuns: 20000, seed: 7 },
  );
  assert.ok(fastCount > total / 10, `the fast path took only ${fastCount} of ${total} inputs`);
});

test("the yaml package is loaded only when the fallback is needed", () => {
  const decodeJs = join(pkgDir, "dist", "src", "yaml", "decode.js");
  const script = `
    import { createRequire } from "node:module";
    const { decodeAttr } = await import(${JSON.stringify(decodeJs)});
    const require = createRequire(${JSON.stringify(decodeJs)});
    const loaded = () => require.resolve("yaml") in require.cache;
    decodeAttr("1795714963356859\\n"); decodeAttr("- a\\n- b\\n"); decodeAttr("lr: 0.1\\nx: 'y'\\n");
    const before = loaded();
    decodeAttr("a:\\n  b: 1\\n");
    console.log(JSON.stringify([before, loaded()]));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), [false, true]);
});

test("large documents are decoded a top-level entry at a time, to the whole document's value and errors", () => {
  /** Entries that exercise what a cut must not change; each starts at column 0. */
  const mapEntries = (i: number) => [
    `op${i}:\n  exec: echo ${i}\n  flags:\n    lr: 0.${i % 10}\n    layers: [1, 2, {a: b}]\n`,
    `# a comment at column 0 ${i}\n'quoted key ${i}': |\n  block ${i}\n\n  text\n`,
    `dup: ${i}\n`,
    `multi${i}: "a long\n  folded ${i}"\nlist${i}:\n- x\n- {y: 1e5}\n`,
    `plain${i}: a\n  b ${i}\n`,
  ];
  const build = (entries: (i: number) => string[]) => {
    let text = "";
    for (let i = 0; text.length < 40_000; i++) text += entries(i).join("");
    return text;
  };
  const pieces = (text: string) => decodeAttrInPieces(text, 2000);
  const map = build(mapEntries);
  assert.deepEqual(pieces(map), { value: decodeAttrFallback(map) });
  assert.equal(typeof (pieces(map)!.value as Record<string, unknown>).dup, "number");
  const seq = build((i) => [`- model: m${i}\n  operations:\n    train: {exec: echo}\n`, `# c\n- ${i}\n-\n  - nested ${i}\n`]);
  assert.deepEqual(pieces(seq), { value: decodeAttrFallback(seq) });
  // Anchors and aliases, merge keys, explicit keys, document markers and mixed top levels are
  // left to the whole-document decoder; so is a piece that does not decode (a double-quoted
  // scalar continued at column 0, an unclosed flow list).
  for (const text of [
    `first: &a {x: 1}\n${map}late: *a\n`,
    `${map}<<: {dup: merged, new: 1}\n`,
    `${map}? k\n: v\n`,
    `---\n${map}`,
    `- item\n${map}`,
    `${map}q: "one\ntwo: 2"\n`,
    `${map}bad: [1, 2\n`,
  ]) {
    assert.equal(pieces(text), undefined, text.slice(-30));
  }
  // decodeAttr takes the piecewise path from CHUNKED_MIN on, and falls back on whatever it refuses.
  const big = map.repeat(Math.ceil((1 << 20) / map.length) + 1);
  assert.deepEqual(decodeAttr(big), pieces(map)!.value);
  assert.throws(() => decodeAttr(`${big}bad: [1, 2\n`), AttrDecodeError);
});
