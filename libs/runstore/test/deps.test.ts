import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeAttr, depsSummary, depsSummaryFast } from "../src/index.js";

const UP = "73dbf46231484e0c9d984c04a09efece";

/** The listing's fast reading of a `deps` attr agrees with the full YAML decoder, or defers to it. */
describe("depsSummaryFast", () => {
  const texts = [
    "{}\n",
    `operation:prepare:\n  operation:prepare:\n    config: ${UP}\n    paths:\n    - ../${UP}/data.txt\n    uri: operation:prepare\n`,
    `file:local.txt:\n  file:local.txt:\n    paths:\n    - ../../../proj/local.txt\n    uri: file:local.txt\noperation:train:\n  operation:train:\n    config: ${UP}\n    paths:\n    - ../${UP}/model.txt\n    - ../${UP}/sub\n    uri: operation:train\n`,
    "operation:prepare: {}\n",
    `prep2:\n  prep2:\n    config: ${UP}\n    paths: []\n    uri: operation:prepare\n`,
  ];
  test("the shapes Guild and guildts write: the same summary as the decoder's", () => {
    for (const t of texts) assert.deepEqual(depsSummaryFast(t), depsSummary(decodeAttr(t)), t);
    assert.deepEqual(depsSummaryFast(texts[1]!), { "operation:prepare": { runs: [UP], paths: [`../${UP}/data.txt`] } });
  });
  test("anything else (quoted, flow, implicit types, comments, odd indentation) is left to the decoder", () => {
    for (const t of [
      "a:\n  b:\n    uri: 'operation:x'\n",
      "a: {b: 1}\n",
      "a:\n  b:\n    config: 123\n",
      "a:\n  b:\n    uri: x # c\n",
      "a:\n   b:\n",
      "a:\n  b:\n    paths:\n      - x\n",
      "a:\n  b:\n    paths:\n    - x",
      "a:\na:\n",
    ])
      assert.equal(depsSummaryFast(t), null, t);
  });
});
