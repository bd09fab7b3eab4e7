import assert from "node:assert/strict";
import { test } from "node:test";
import { GuildFloat, pyJsonDumps } from "../src/index.js";

test("pyJsonDumps is Python's json.dumps: ', ' and ': ', ensure_ascii, Python float repr, NaN/Infinity", () => {
  assert.equal(
    pyJsonDumps({ a: 1, b: new GuildFloat(1), c: 0.1, d: 1e-5, e: [true, false, null], f: {}, g: [] }),
    '{"a": 1, "b": 1.0, "c": 0.1, "d": 1e-05, "e": [true, false, null], "f": {}, "g": []}',
  );
  assert.equal(
    pyJsonDumps([new GuildFloat(Number.NaN), new GuildFloat(Infinity), -Infinity, new GuildFloat(1e16), 12345678901234567890n]),
    "[NaN, Infinity, -Infinity, 1e+16, 12345678901234567890]",
  );
  // json.dumps("é\u2028😀\x7f\x01\"\\\n\t"): every char outside ' '..'~' escaped, astral as a surrogate pair
  assert.equal(pyJsonDumps('é\u2028😀\x7f\x01"\\\n\t\b\f\r'), '"\\u00e9\\u2028\\ud83d\\ude00\\u007f\\u0001\\"\\\\\\n\\t\\b\\f\\r"');
  assert.equal(pyJsonDumps({ "k\u00e9": undefined }), '{"k\\u00e9": null}');
});
