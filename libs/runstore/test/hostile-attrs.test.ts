/**
 * Hostile input (issue 8, item 2): attr files. The decoder, readAttr and readRunFacts on
 * truncated YAML, random binary, invalid UTF-8, 10,000-deep nesting and alias bombs either return
 * a value or throw a catchable error (AttrDecodeError, or an errno error for a file that cannot
 * be read) quickly: never a hang, a stack overflow that escapes, or an abort. And encode/decode
 * round-trips any value, hostile strings included. Iterations scale with
 * GUILDTS_RELIABILITY_SCALE (default 1).
 */
import { checkProperty, scaledRuns } from "@guildts/testkit";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { tempDir } from "@guildts/testkit";
import { buildRecord, checkStore, NotARunError, readAttr, readRunFacts, readRunFile, RunFileError } from "../src/index.js";
import { decodeAttr, MAX_DEPTH } from "../src/yaml/decode.js";
import { encodeAttr } from "@guildts/py";
import { AttrDecodeError, GuildFloat, type AttrValue } from "../src/yaml/value.js";

const runs = scaledRuns;

const check = checkProperty;

/** decodeAttr(text): the value, or the AttrDecodeError; anything else fails. Under `limitMs` (a hang guard, generous). */
function decodeOrError(text: string, limitMs = 5000): AttrValue | AttrDecodeError {
  const t0 = performance.now();
  let out: AttrValue | AttrDecodeError;
  try {
    out = decodeAttr(text);
  } catch (e) {
    assert.ok(
      e instanceof AttrDecodeError,
      `an AttrDecodeError, not ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e)}`,
    );
    assert.ok(e.message.length > 0 && e.message.length < 2000, `message of ${e.message.length} characters`);
    out = e;
  }
  const ms = performance.now() - t0;
  assert.ok(ms < limitMs, `decoding ${text.length} characters took ${ms.toFixed(0)} ms`);
  return out;
}

/** Deepest nesting of a decoded value (iteratively: a deep value must not overflow the test). */
function depthOf(v: AttrValue): number {
  let max = 0;
  const stack: [AttrValue, number][] = [[v, 0]];
  const seen = new Set<object>();
  while (stack.length) {
    const [x, d] = stack.pop()!;
    max = Math.max(max, d);
    if (x === null || typeof x !== "object" || x instanceof GuildFloat || seen.has(x)) continue;
    seen.add(x);
    for (const c of Array.isArray(x) ? x : Object.values(x)) stack.push([c, d + 1]);
  }
  return max;
}

/** Classic "billion laughs": 9 levels of 9 aliases each (9^9 strings once expanded). */
function billionLaughs(levels = 9, width = 9, flow = true): string {
  const lines = [`a0: &a0 [${Array(width).fill('"lol"').join(", ")}]`];
  for (let i = 1; i < levels; i++) {
    const refs = Array(width).fill(`*a${i - 1}`);
    lines.push(flow ? `a${i}: &a${i} [${refs.join(", ")}]` : `a${i}: &a${i}\n${refs.map((r) => `  - ${r}`).join("\n")}`);
  }
  return lines.join("\n") + "\n";
}

test("10,000-deep nesting: an AttrDecodeError, quickly, and the process goes on decoding", () => {
  const n = 10_000;
  const inputs = [
    "[".repeat(n) + "]".repeat(n),
    "[".repeat(n),
    "{a: ".repeat(n) + "1" + "}".repeat(n),
    "{".repeat(n),
    "- ".repeat(n) + "x\n",
    Array.from({ length: 2000 }, (_, i) => " ".repeat(i) + "a:").join("\n") + " 1\n",
    "? ".repeat(n) + "x\n",
    "!!seq [".repeat(n),
    "&a [".repeat(n),
  ];
  // Twice, in this order: a stack overflow inside the YAML parser used to leave V8 unable to
  // compile the next regular expression ("RegExpCompiler Allocation failed": an abort).
  for (let round = 0; round < 2; round++) {
    for (const text of inputs) {
      const r = decodeOrError(text);
      assert.ok(r instanceof AttrDecodeError, `${JSON.stringify(text.slice(0, 20))}: decoded`);
      assert.match(r.message, /nested too deeply|expected|must be|indented|too deep|found/i, r.message);
    }
  }
  assert.deepEqual(decodeAttr("a: [1, {b: 2}]\n"), { a: [1, { b: 2 }] });
});

test("nesting up to the documented depth decodes; one more level is refused", () => {
  const ok = "[".repeat(MAX_DEPTH) + "1" + "]".repeat(MAX_DEPTH);
  const v = decodeOrError(ok);
  assert.ok(!(v instanceof AttrDecodeError), String(v));
  assert.equal(depthOf(v), MAX_DEPTH);
  const deeper = "[".repeat(MAX_DEPTH + 1) + "1" + "]".repeat(MAX_DEPTH + 1);
  assert.match(String((decodeOrError(deeper) as AttrDecodeError).message), /nested too deeply/);
  // The encoder's own output for a deep (but allowed) value reads back.
  let deep: AttrValue = "x";
  for (let i = 0; i < MAX_DEPTH - 1; i++) deep = i % 2 ? [deep] : { k: deep };
  assert.deepEqual(decodeAttr(encodeAttr(deep)), deep);
});

test("alias bombs (billion laughs, block and flow, merge keys): refused, in bounded time", () => {
  const mergeBomb = ["a0: &a0 {x: 1, y: 2}"];
  for (let i = 1; i < 30; i++) mergeBomb.push(`a${i}: &a${i} {<<: [*a${i - 1}, *a${i - 1}], k${i}: [*a${i - 1}, *a${i - 1}]}`);
  for (const text of [
    billionLaughs(),
    billionLaughs(9, 9, false),
    billionLaughs(30, 2),
    billionLaughs(4, 1200),
    mergeBomb.join("\n") + "\n",
    "a: &a [*a]\n",
    "&a [*a, *a]\n",
  ]) {
    const r = decodeOrError(text, 5000);
    assert.ok(r instanceof AttrDecodeError, `decoded: ${text.slice(0, 60)}`);
  }
  // Aliases that expand to little are fine, and shared.
  const v = decodeAttr(billionLaughs(3, 3)) as { [k: string]: AttrValue[] };
  assert.equal(v.a2!.length, 3);
  assert.equal(v.a2![0], v.a1);
});

test("truncated documents: every prefix of real attrs decodes or fails cleanly", () => {
  const docs = [
    encodeAttr({
      lr: 0.1,
      epochs: 10,
      optimizer: "adam",
      layers: [64, 32],
      nested: { a: [1, { b: "x\ny" }], "k: v": null },
      big: 2n ** 70n,
      f: new GuildFloat(1),
    }),
    encodeAttr(["a", "b\u202e", "\u05e9\u05dc\u05d5\u05dd", "x".repeat(300)]),
    encodeAttr("a label\nwith lines\tand tabs and 'quotes' and \"doubles\" and \x1b escapes"),
    "a: &x {b: [1, 2]}\nc: *x\nd: !!str 12\ne: |\n  block\n  text\nf: >-\n  folded\n",
  ];
  let n = 0;
  for (const doc of docs) {
    const step = Math.max(1, Math.floor(doc.length / Math.min(doc.length, runs(60))));
    for (let i = 0; i < doc.length; i += step) {
      decodeOrError(doc.slice(0, i));
      n++;
    }
  }
  assert.ok(n > 50);
});

test("property: random binary (as UTF-8 and as Latin-1 text) decodes or fails cleanly", () => {
  check(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, latin1) => {
      decodeOrError(Buffer.from(bytes).toString(latin1 ? "latin1" : "utf8"));
    }),
    { numRuns: runs(400), seed: 8041 },
  );
});

const yamlPiece = fc.constantFrom(
  "[",
  "]",
  "{",
  "}",
  ":",
  ": ",
  ",",
  "- ",
  "? ",
  "&a ",
  "*a",
  "&b ",
  "*b",
  "!!str ",
  "!!int ",
  "!!binary ",
  "!!set ",
  "!!omap ",
  "!foo ",
  "<<: ",
  "'",
  '"',
  "|",
  ">",
  "#",
  "\n",
  "\n  ",
  "\t",
  "\r",
  "\0",
  "\x1b",
  "\ufeff",
  "\u202e",
  "\ud800",
  "%YAML 1.1\n",
  "---\n",
  "...\n",
  "x",
  "1",
  "1e5",
  "~",
  "é",
);
test("property: YAML-ish garbage decodes or fails cleanly, quickly", () => {
  check(
    fc.property(fc.array(yamlPiece, { maxLength: 60 }), (parts) => {
      decodeOrError(parts.join(""));
    }),
    { numRuns: runs(500), seed: 8042 },
  );
});

/** Strings that stress the encoder: controls, bidi, lone surrogates, YAML syntax, long runs. */
const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: yamlPiece, maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom(
      "\n",
      "\r",
      "\t",
      " ",
      "\x85",
      "\u2028",
      "\u2029",
      "\0",
      "\x7f",
      "\x9f",
      "\ufeff",
      "\u202e",
      "\u2066",
      "\udfff",
      "a",
      "'",
      '"',
      "\\",
    ),
    maxLength: 30,
  }),
  fc.nat({ max: 20_000 }).chain((n) => fc.constantFrom("a", " ", "\n", "é", "😀", "'").map((c) => c.repeat(n))),
);
const hostileValue: fc.Arbitrary<AttrValue> = fc.letrec<{ value: AttrValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      hostileString,
      fc.bigInt().map((n) => (n > 2n ** 53n - 1n || n < -(2n ** 53n - 1n) ? n : Number(n) === 0 ? 0 : Number(n))),
      fc.double().map((x) => (Number.isInteger(x) || !Number.isFinite(x) ? new GuildFloat(x) : x)),
      fc.boolean(),
      fc.constant(null),
    ),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(hostileString, tie("value"), { maxKeys: 4 }).map((d) => ({ ...d })),
  ),
})).value;

test("property: decodeAttr(encodeAttr(v)) deep-equals v for hostile strings and keys", () => {
  check(
    fc.property(hostileValue, (v) => {
      const text = encodeAttr(v);
      const back = decodeOrError(text);
      assert.ok(
        !(back instanceof AttrDecodeError),
        `${back instanceof Error ? back.message : ""} for ${JSON.stringify(text.slice(0, 200))}`,
      );
      assert.deepEqual(back, v);
    }),
    { numRuns: runs(300), seed: 8043 },
  );
});

test("1 MB labels (line breaks, controls, right-to-left text, runs of spaces) encode and decode in linear time", () => {
  const unit = "l\u05e9\u05dc\u05d5\u05dd \x1b[1m\n\r\t\u2028\0 ".repeat(64) + "x".repeat(1000);
  const labels = [
    unit.repeat(Math.ceil((1 << 20) / unit.length)).slice(0, 1 << 20),
    " ".repeat(1 << 20),
    "a" + " ".repeat(1 << 20) + "b",
    "\n".repeat(1 << 20),
    "word ".repeat(1 << 18),
    "\u05e9\u05dc\u05d5\u05dd \u0639\u0627\u0644\u0645 ".repeat(1 << 16),
  ];
  for (const label of labels) {
    // The trim of the encoder's output was a regex quadratic in a run of spaces: minutes here.
    const t0 = performance.now();
    const text = encodeAttr(label);
    const ms = performance.now() - t0;
    assert.ok(ms < 10_000, `encoding ${JSON.stringify(label.slice(0, 10))}... took ${ms.toFixed(0)} ms`);
    assert.equal(decodeOrError(text, 10_000), label);
  }
  // The same trim in the int/float constructors, on a scalar PyYAML is told is an int.
  assert.ok(decodeOrError(`!!int "1${" ".repeat(200_000)}2"`) instanceof AttrDecodeError);
  assert.ok(decodeOrError(`!!float "1${" ".repeat(200_000)}"`) instanceof GuildFloat);
});

function fakeRun(files: Record<string, string | Buffer>): string {
  const dir = path.join(tempDir("guildts-hostile-attrs-"), "0123456789abcdef0123456789abcdef");
  fs.mkdirSync(path.join(dir, ".guild", "attrs"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".guild", "opref"), "guildfile:'/p/guild.yml' 'v' m train\n");
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, ".guild", "attrs", name), content);
  return dir;
}

test("readAttr / readRunFacts / buildRecord on damaged files on disk: values, warnings, catchable errors", () => {
  const invalidUtf8 = Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0x0a]);
  const binary = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919 + 13) % 256));
  const dir = fakeRun({
    label: invalidUtf8,
    tags: binary,
    flags: "[".repeat(10_000),
    started: "12345", // truncated mid-number: still a number
    stopped: "!!int 'abc'",
    exit_status: billionLaughs(),
    marked: Buffer.alloc(0),
    initialized: "1".repeat(100_000),
  });
  fs.mkdirSync(path.join(dir, ".guild", "attrs", "cmd")); // a directory where an attr file should be
  const t0 = performance.now();
  for (const name of ["label", "tags", "flags", "started", "stopped", "exit_status", "marked", "initialized", "cmd", "missing"]) {
    try {
      readAttr(dir, name);
    } catch (e) {
      assert.ok(e instanceof AttrDecodeError || typeof (e as NodeJS.ErrnoException).code === "string", `${name}: ${String(e)}`);
    }
  }
  assert.throws(() => readAttr(dir, "../../../etc/passwd"), /invalid attribute name/);
  assert.throws(() => readAttr(dir, "a/b"), /invalid attribute name/);
  const facts = readRunFacts(dir);
  const { record, warnings } = buildRecord("0123456789abcdef0123456789abcdef", dir, false, facts);
  assert.ok(performance.now() - t0 < 10_000, "a hang guard");
  // Invalid UTF-8 is refused with a warning (PyYAML refuses it too), not read as U+FFFD silently.
  assert.equal(record.label, null);
  assert.equal(record.started, 12345);
  assert.equal(record.stopped, null);
  assert.equal(record.exit_status, null);
  assert.deepEqual(record.flags, {});
  assert.equal(record.marked, false);
  assert.equal(record.initialized, null, "an integer beyond 2^53 is not a timestamp");
  const text = warnings.map((w) => w.message).join("\n");
  assert.match(text, /attr 'label': not valid UTF-8/);
  for (const name of ["tags", "flags", "stopped", "exit_status"]) assert.match(text, new RegExp(`attr '${name}'`), text.slice(0, 500));
  // Not a run at all: NotARunError, not a crash.
  const notRun = tempDir("guildts-hostile-attrs-");
  assert.throws(() => readRunFacts(notRun), NotARunError);
  fs.writeFileSync(path.join(notRun, ".guild"), "a file, not a directory");
  assert.throws(() => readRunFacts(notRun), NotARunError);
});

test("warnings about a damaged attr stay short (a 100 KB attr is not quoted whole)", () => {
  const dir = fakeRun({ initialized: "1".repeat(100_000), started: "x".repeat(100_000) });
  const { warnings } = buildRecord("0123456789abcdef0123456789abcdef", dir, false, readRunFacts(dir));
  assert.equal(warnings.length, 2);
  for (const w of warnings) assert.ok(w.message.length < 2000, `warning of ${w.message.length} characters`);
});

test("every reader agrees on an attr that is not valid UTF-8: the listing, readAttr and the checker refuse it", () => {
  const home = tempDir("guildts-hostile-utf8-");
  const id = "0123456789abcdef0123456789abcdef";
  const dir = path.join(home, "runs", id);
  fs.mkdirSync(path.join(dir, ".guild", "attrs"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".guild", "opref"), "guildfile:/p/guild.yml '' '' train\n");
  fs.writeFileSync(path.join(dir, ".guild", "attrs", "label"), Buffer.from([0x61, 0xff, 0xfe, 0x0a]));
  // A real U+FFFD in valid UTF-8 is text like any other.
  fs.writeFileSync(path.join(dir, ".guild", "attrs", "tags"), "- \uFFFD\n");
  const { record, warnings } = buildRecord(id, dir, false, readRunFacts(dir));
  assert.equal(record.label, null);
  assert.deepEqual(record.tags, ["\uFFFD"]);
  assert.deepEqual(
    warnings.map((w) => w.message),
    ["cannot parse attr 'label': not valid UTF-8"],
  );
  assert.throws(
    () => readAttr(dir, "label"),
    (e: unknown) => e instanceof AttrDecodeError && /attr 'label' is not valid UTF-8/.test(String(e)),
  );
  assert.deepEqual(readAttr(dir, "tags"), ["\uFFFD"]);
  assert.throws(
    () => readRunFile(path.join(dir, ".guild", "attrs", "label")),
    (e: unknown) => e instanceof RunFileError && e.code === "EILSEQ",
  );
  const { problems } = checkStore(home);
  const bad = problems.filter((p) => p.path.endsWith(`${path.sep}label`));
  assert.deepEqual(
    bad.map((p) => [p.kind, p.message]),
    [["bad-attr", "an attr that is not valid UTF-8 (Guild cannot read it)"]],
  );
  assert.equal(problems.filter((p) => p.path.endsWith(`${path.sep}tags`)).length, 0);
});
