import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeUtf8Ignore, isBlank, parsePyFloat, parsePyInt, PyRegex, pyLen, pyRstrip, pyStrip } from "../src/index.js";

/** Python's text rules, pinned to what Python 3.11 gives. */

describe("str.isspace(), strip(), len() and bytes.decode(errors='ignore')", () => {
  test("whitespace is Python's, not JavaScript's", () => {
    assert.equal(pyRstrip("a \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2000\u200a\u2028\u2029\u202f\u205f\u3000"), "a");
    assert.equal(pyRstrip("a\ufeff"), "a\ufeff", "U+FEFF is not Python whitespace");
    assert.equal(pyStrip("\x1c\u3000 a b \x85"), "a b");
    assert.equal(pyStrip("\ufeffa\ufeff"), "\ufeffa\ufeff");
    assert.equal(pyStrip(" ".repeat(100_000) + "x" + " ".repeat(100_000)), "x");
    assert.ok(isBlank(" \t\x1f"));
    assert.ok(!isBlank("\ufeff"));
    assert.equal(pyLen("a😀é"), 3);
  });

  test("invalid UTF-8 bytes vanish, they are not replaced; a BOM is kept", () => {
    assert.equal(decodeUtf8Ignore(Buffer.from([0x61, 0xe2, 0x82, 0x41, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0xc3, 0xa9])), "aA😀é");
    assert.equal(decodeUtf8Ignore(Buffer.from([0xef, 0xbb, 0xbf, 0x61])), "\ufeffa");
  });

  test("int() as Python has it", () => {
    const cases: [string, number | bigint | null][] = [
      ["1", 1],
      [" -12\t", -12],
      ["+1_000", 1000],
      ["١٢", 12],
      ["12345678901234567890", 12345678901234567890n],
      ["1.0", null],
      ["1__0", null],
      ["_1", null],
      ["0x10", null],
      ["", null],
      ["\ufeff1", null],
    ];
    for (const [s, want] of cases) assert.equal(parsePyInt(s), want, JSON.stringify(s));
  });
});

describe("Python regular expressions and float()", () => {
  const all = (p: string, s: string) => [...new PyRegex(p).finditer(s)].map((m) => m.group(0));

  test("finditer's empty matches follow Python 3.7+", () => {
    assert.deepEqual(all("x*", "axb"), ["", "x", "", ""]);
    assert.deepEqual(all("(?:)|b", "b"), ["", "b", ""]);
    assert.deepEqual(all("a{,2}", "aaa"), ["aa", "a", ""]);
  });

  test("Unicode \\w, \\d, \\s and \\b as in Python 3 str patterns", () => {
    assert.deepEqual(all("\\w+", "précision=0.5"), ["précision", "0", "5"]);
    assert.deepEqual(all("\\d+", "12٣4"), ["12٣4"]);
    assert.deepEqual(all("\\bfoo\\b", "foo éfoo foo"), ["foo", "foo"]);
    assert.deepEqual(all("(?a)\\w+", "précision"), ["pr", "cision"]);
    assert.deepEqual(all("a\\sb", "a\x1cb a\ufeffb"), ["a\x1cb"]);
  });

  test("Python syntax: literal braces, escaped punctuation, octal, inline flags, verbose, possessive, atomic", () => {
    assert.deepEqual(all("a{", "a{"), ["a{"]);
    assert.deepEqual(all("x{}", "x{}"), ["x{}"]);
    assert.deepEqual(all("loss\\: (\\d)", "loss: 3"), ["loss: 3"]);
    assert.deepEqual(all("\\101\\0", "A\0"), ["A\0"]);
    assert.deepEqual(all("(?i)LOSS", "loss"), ["loss"]);
    assert.deepEqual(all("(?x) a  b # comment\n c", "abc"), ["abc"]);
    assert.deepEqual(all("(?s)a.c", "a\nc"), ["a\nc"]);
    assert.deepEqual(all("a.c", "a\nc a\rc"), ["a\rc"]);
    assert.deepEqual(all("^a$", "a\n"), ["a"]);
    assert.deepEqual(all("(?m)^a$", "b\na\nc"), ["a"]);
    assert.deepEqual(all("[]a]+", "]a]"), ["]a]"]);
    assert.deepEqual(all("[\\W\\d]+", "a1-2b"), ["1-2"]);
    assert.deepEqual(all("a*+a", "aaa"), []);
    assert.deepEqual(all("(?>a*)b", "aab"), ["aab"]);
    assert.deepEqual(all("(?P<x>a)(?P=x)|(b)\\2", "aa bb"), ["aa", "bb"]);
  });

  test("patterns Python's re.compile rejects are rejected", () => {
    for (const p of ["\\e", "(a\\1)", "*a", "a**", "a(?i)", "(", "[a", "(?P<1>a)", "a{3,2}", "(?L)a"]) {
      assert.throws(() => new PyRegex(p), Error, p);
    }
  });

  test("groups, named groups and None for groups that did not take part", () => {
    const [m] = [...new PyRegex("(?P<k>a)|(b)").finditer("b")];
    assert.equal(m!.re.groups, 2);
    assert.deepEqual(m!.groups(), [undefined, "b"]);
    assert.deepEqual(m!.groupdict(), [["k", undefined]]);
  });

  test("float() as Python has it", () => {
    const cases: [string, number | null][] = [
      ["1", 1],
      [" 1.5\t", 1.5],
      ["1_000.000_1", 1000.0001],
      ["١٢", 12],
      ["-.5e-1", -0.05],
      ["5.", 5],
      ["inf", Infinity],
      ["-Infinity", -Infinity],
      ["1e400", Infinity],
      ["", null],
      ["e6", null],
      [".", null],
      ["-", null],
      ["0x10", null],
      ["1__0", null],
      ["_1", null],
      ["1 2", null],
    ];
    for (const [s, want] of cases) assert.equal(parsePyFloat(s), want, JSON.stringify(s));
    assert.ok(Number.isNaN(parsePyFloat("NaN")));
    assert.ok(Number.isNaN(parsePyFloat("+nan")));
    assert.equal(parsePyFloat(undefined), null);
  });
});
