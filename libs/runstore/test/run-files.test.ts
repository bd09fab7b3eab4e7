import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fnmatchRegex, natCompare, natsortKey } from "../src/index.js";

describe("run files: Guild's natural sort and fnmatch", () => {
  test("natsort: digit runs compare as numbers, a leading number sorts before any text", () => {
    assert.deepEqual(natsortKey("9a5c"), ["", 9, "a", 5, "c"]);
    assert.deepEqual(natsortKey("file10.txt"), ["file", 10, ".txt"]);
    const names = ["file10", "file9", ".guild/", "9a5c/", "d97e/", "data.txt", "file1"];
    assert.deepEqual([...names].sort(natCompare), ["9a5c/", ".guild/", "d97e/", "data.txt", "file1", "file9", "file10"]);
  });

  test("fnmatch: * ? [seq] [!seq], case-sensitive, anything else literal", () => {
    const m = (p: string, s: string) => fnmatchRegex(p).test(s);
    assert.ok(m("*", ".guild"));
    assert.ok(m("*.py", "train.py"));
    assert.ok(!m("*.py", "train.pyc"));
    assert.ok(m("?ata.txt", "data.txt"));
    assert.ok(m("[dx]ata.txt", "data.txt"));
    assert.ok(!m("[!d]ata.txt", "data.txt"));
    assert.ok(!m("Data.txt", "data.txt"));
    assert.ok(m("a+b(c).txt", "a+b(c).txt"));
    assert.ok(m("[", "["));
    assert.ok(m("[]]", "]"));
  });
});
