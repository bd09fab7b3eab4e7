import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fixtureDir, tempDir } from "@guildts/testkit";
import {
  flagsPrompt,
  formatOperations,
  helpGuildfile,
  helpModel,
  helpOp,
  loadGuildfile,
  resolveFlags,
  resolveOperation,
  wrapText,
  type Guildfile,
} from "../src/index.js";

function gfOf(text: string): Guildfile {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "guild.yml"), text);
  return loadGuildfile(path.join(dir, "guild.yml"));
}

const stripLineEnds = (s: string) => s.replace(/[ ]+$/gm, "");

describe("guild operations (spec §1.7)", () => {
  const CNN = `
- model: iris-cnn
  operations:
    train: {description: "Train CNN\\nMore details", main: train}
- model: mnist-cnn
  operations:
    train: {main: train}
    test: {main: test}
    _private: {main: x}
- model: cnn
  operations:
    prep: {main: prep}
`;

  test("the spec's example, byte for byte: the first column padded, so short rows end in spaces", () => {
    assert.equal(formatOperations([gfOf(CNN)]), "cnn:prep         \niris-cnn:train   Train CNN\nmnist-cnn:test   \nmnist-cnn:train  \n");
  });

  test("-a, filters, the anonymous model first, several guild files", () => {
    const gf = gfOf(CNN);
    assert.equal(
      formatOperations([gf], { all: true }),
      "cnn:prep            \niris-cnn:train      Train CNN\nmnist-cnn:_private  \nmnist-cnn:test      \nmnist-cnn:train     \n",
    );
    assert.equal(formatOperations([gf], { filters: ["MNIST", "te"] }), "mnist-cnn:test  \n");
    assert.equal(formatOperations([gf], { filters: ["cnn train"] }), "");
    assert.equal(formatOperations([gf], { filters: ["train cnn"] }), "iris-cnn:train  Train CNN\n", "filters match the description too");
    assert.equal(
      formatOperations([gfOf("b: {description: B}\na: {}\n"), gfOf("- model: z\n  operations: {x: {}}\n")]),
      "a    \nb    B\nz:x  \n",
    );
    assert.equal(formatOperations([]), "");
  });

  test("-v adds main, flags and details lines", () => {
    const gf = gfOf(
      "train:\n  description: |-\n    Train\n    Second line\n  main: train --x\n  flags:\n    lr: {description: Rate, default: 0.1}\n    n: {}\n",
    );
    assert.equal(
      formatOperations([gf], { verbose: true }),
      "train  Train\n  main: train --x\n  flags:\n    lr: Rate (default is 0.1)\n    n:\n  details:\n    Second line\n",
    );
  });
});

// The spec's --help-op example (§3.5, Guild's op-help sample project).
const OP_HELP = `
op:
  description: >
    Sample operation

    Another line of op description.

  main: guild.pass
  flags:
    s:
      description:
        a string

        This is some more description...
      required: yes
    i:
      description: an int
      default: 123
      type: int
    c1:
      description: color choices
      default: blue
      choices:
        - red
        - blue
        - green
`;

const SPEC_HELP_OP = `Usage: guild run [OPTIONS] op [FLAG]...

Sample operation

Another line of op description.

Use 'guild run --help' for a list of options.

Flags:
  c1  color choices (default is blue)

      Choices:  red, blue, green

  i   an int (default is 123)
  s   a string (required)

      This is some more description...
`;

describe("--help-op (spec §3.5)", () => {
  test("the spec's example, byte for byte but for click's indentation on blank lines inside an entry", () => {
    const help = helpOp(resolveOperation(gfOf(OP_HELP), "op"));
    // click's write_dl indents every continuation line, blank ones too, and Guild's write_dl adds
    // a blank line after a multi-line entry; the spec's rendering drops both.
    assert.equal(stripLineEnds(help), SPEC_HELP_OP + "\n");
    assert.equal(
      help,
      "Usage: guild run [OPTIONS] op [FLAG]...\n\nSample operation\n\nAnother line of op description.\n\nUse 'guild run --help' for a list of options.\n\nFlags:\n" +
        "  c1  color choices (default is blue)\n      \n      Choices:  red, blue, green\n\n" +
        "  i   an int (default is 123)\n" +
        "  s   a string (required)\n      \n      This is some more description...\n\n",
    );
  });

  test("choices with descriptions (aliases shown), null-label, no description, model:op usage", () => {
    const gf = gfOf(`
- model: m
  operations:
    op:
      flags:
        c2:
          description: number choices
          choices:
            - {value: 1, description: 2 minus 1}
            - {value: 2, description: 1 plus 1}
        c3:
          description: aliases choices
          choices:
            - {value: aaa, alias: a, description: option a}
            - {value: bbb, alias: b, description: option b}
        d: {null-label: auto}
        e: {default: a b}
`);
    assert.equal(
      helpOp(resolveOperation(gf, "m:op")),
      "Usage: guild run [OPTIONS] m:op [FLAG]...\n\nUse 'guild run --help' for a list of options.\n\nFlags:\n" +
        "  c2  number choices\n      \n      Choices:\n        1  2 minus 1\n        2  1 plus 1\n\n" +
        "  c3  aliases choices\n      \n      Choices:\n        a  option a\n        b  option b\n\n" +
        "  d   (default is auto)\n" +
        "  e   (default is 'a b')\n",
    );
  });

  test("long descriptions wrap at 78 columns under the description column", () => {
    const gf = gfOf(`op:\n  description: ${"word ".repeat(20).trim()}\n  flags:\n    flag: {description: ${"text ".repeat(20).trim()}}\n`);
    const help = helpOp(resolveOperation(gf, "op"));
    for (const line of help.split("\n")) assert.ok(line.length <= 78, line);
    assert.ok(help.includes("\n  flag  text text"), help);
    assert.match(help, /\n {8}text text/);
  });

  test("no flags, no Flags section", () => {
    assert.equal(
      helpOp(resolveOperation(gfOf("op: {}\n"), "op")),
      "Usage: guild run [OPTIONS] op [FLAG]...\n\nUse 'guild run --help' for a list of options.\n",
    );
  });

  test("dependencies with descriptions are listed", () => {
    const gf = gfOf(
      "- model: m\n  resources:\n    data: {description: The data, sources: [{file: x}]}\n  operations:\n    op:\n      requires: [data, {resource: other, description: Other thing}, plain]\n",
    );
    assert.equal(
      helpOp(resolveOperation(gf, "m:op")),
      "Usage: guild run [OPTIONS] m:op [FLAG]...\n\nUse 'guild run --help' for a list of options.\n\nDependencies:\n  data   The data\n  other  Other thing\n",
    );
  });
});

describe("--help-model and guild help", () => {
  test("--help-model: usage, description, operations", () => {
    const gf = gfOf("- model: mnist\n  description: A model\n  operations:\n    train: {description: Train it}\n    test: {}\n");
    assert.equal(
      helpModel(gf.models[0]!),
      "Usage: guild run [OPTIONS] mnist:OPERATION [FLAG]...\n\nA model\n\nUse 'guild run mnist:OPERATION --help-op' for help on a particular operation.\n\nOperations:\n  test\n  train  Train it\n",
    );
  });

  test("guild help: overview, base operations, models with their operations and flags", () => {
    const mnist = loadGuildfile(path.join(fixtureDir(), "projects", "mnist", "guild.yml"));
    const help = helpGuildfile(mnist, { cwd: mnist.dir });
    assert.ok(help.startsWith("OVERVIEW\n\n    You are viewing help for operations defined in the current directory.\n\n"), help);
    assert.ok(
      help.includes(
        "\nMODELS\n\n    mnist\n\n      Tiny MNIST-style example (no ML libraries)\n\n      Operations:\n\n        prepare\n          Prepare the dataset\n\n        test\n",
      ),
      help,
    );
    assert.ok(help.includes("          Flags:\n            batch      Batch size (default is 64)\n"), help);
    assert.ok(!help.includes("BASE OPERATIONS"));
    const iris = loadGuildfile(path.join(fixtureDir(), "projects", "iris", "guild.yml"));
    const irisHelp = helpGuildfile(iris, { cwd: path.dirname(iris.dir) });
    assert.ok(irisHelp.includes("defined in './iris'."), irisHelp);
    assert.ok(
      irisHelp.includes(
        "\nBASE OPERATIONS\n\n    finetune\n      Fine-tune the iris classifier\n\n      Flags:\n        c       (default is 0.5)\n",
      ),
      irisHelp,
    );
    assert.ok(!irisHelp.includes("MODELS"));
    for (const line of help.split("\n").concat(irisHelp.split("\n"))) assert.ok(line.length <= 78, line);
  });
});

describe("the run confirmation (spec §3.7)", () => {
  test("the spec's example, byte for byte", () => {
    const op = resolveOperation(gfOf("train:\n  flags:\n    epochs: 3\n    lr: 0.1\n    name: {required: yes}\n"), "train");
    const { flags } = resolveFlags(op, ["lr=0.01", "name=foo"]);
    assert.equal(flagsPrompt(op, flags), "You are about to run train\n  epochs: 3\n  lr: 0.01\n  name: foo\nContinue? (Y/n)");
  });

  test("model:op, no flags, null values (null-label or default), flag functions raw, other actions", () => {
    const gf = gfOf(
      "- model: mnist-cnn\n  operations:\n    train:\n      flags:\n        a: null\n        b: {null-label: auto}\n        c: 'a b'\n        d: '1'\n        e: yes\n    test: {}\n",
    );
    const train = resolveOperation(gf, "mnist-cnn:train");
    assert.equal(
      flagsPrompt(train, { ...resolveFlags(train, []).flags, f: "uniform[0:1]" }),
      "You are about to run mnist-cnn:train\n  a: default\n  b: auto\n  c: a b\n  d: '1'\n  e: yes\n  f: uniform[0:1]\nContinue? (Y/n)",
    );
    assert.equal(
      flagsPrompt(resolveOperation(gf, "test"), {}, { action: "stage" }),
      "You are about to stage mnist-cnn:test\nContinue? (Y/n)",
    );
    assert.equal(
      flagsPrompt(resolveOperation(gf, "test"), {}, { action: "start", subject: "083a665e21c744af93c07676730b606c (fail.py)" }),
      "You are about to start 083a665e21c744af93c07676730b606c (fail.py)\nContinue? (Y/n)",
    );
  });
});

describe("click's text wrapping", () => {
  test("greedy fill, hyphen breaks, long words cut, paragraphs and \\b blocks", () => {
    assert.equal(wrapText("aaa bbb ccc ddd", 8), "aaa bbb\nccc ddd");
    assert.equal(wrapText("well-known-thing here", 12), "well-known-\nthing here");
    assert.equal(wrapText("abcdefghijkl", 5), "abcde\nfghij\nkl");
    assert.equal(wrapText("a\nb\n\n  c d", 78, "", "", true), "a b\n\n  c d");
    assert.equal(wrapText("\b\nkeep  this\n  as is", 10, "> ", "> ", true), "> keep  this\n>   as is");
  });
});
