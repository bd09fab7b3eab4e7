import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fixtureDir, tempDir } from "@guildts/testkit";
import { loadGuildfile, opFullname, OpResolveError, parseOpspec, resolveOperation, trainAlias, type Guildfile } from "../src/index.js";

function gfOf(text: string): Guildfile {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "guild.yml"), text);
  return loadGuildfile(path.join(dir, "guild.yml"));
}

function err(gf: Guildfile, spec: string | null, train?: string): string {
  try {
    const op = train === undefined ? resolveOperation(gf, spec) : trainAlias(gf, train);
    assert.fail(`${spec} resolved to ${opFullname(op)}`);
  } catch (e) {
    assert.ok(e instanceof OpResolveError, String(e));
    assert.equal(e.exitCode, 1);
    return e.message;
  }
}

const HINT = "Try 'guild operations' for a list of available operations.";

// The spec's example project (§2.3, §1.7): models iris-cnn, mnist-cnn and cnn.
const CNN = `
- model: iris-cnn
  operations:
    train: {description: Train CNN, main: train}
- model: mnist-cnn
  operations:
    train: {main: train}
    test: {main: test}
- model: cnn
  operations:
    prep: {main: prep}
`;

describe("opspec grammar (spec §2.2)", () => {
  test("forms and their (model_ref, op)", () => {
    const table: [string | null, [string | null, string | null]][] = [
      ["", [null, null]],
      [null, [null, null]],
      ["train", [null, "train"]],
      ["mnist:train", ["mnist", "train"]],
      [":train", ["", "train"]],
      ["pkg/model:op", ["pkg/model", "op"]],
      ["/model:op", ["/model", "op"]],
      ["pkg/op", ["pkg/", "op"]],
      ["pkg/:op", ["pkg/", "op"]],
    ];
    for (const [spec, want] of table) assert.deepEqual(parseOpspec(spec), want, String(spec));
  });

  test("anything else is invalid, with Guild's message", () => {
    const gf = gfOf(CNN);
    for (const spec of ["a:b:c", "a/b/c", "/op", "a/b:c:d"]) {
      assert.throws(() => parseOpspec(spec), OpResolveError);
      assert.equal(err(gf, spec), `invalid operation '${spec}'\n${HINT}`);
    }
  });
});

describe("model matching and Guild's messages (spec §2.3, §2.5)", () => {
  const gf = gfOf(CNN);

  test("a model ref matches by substring; an exact name wins among several", () => {
    assert.equal(opFullname(resolveOperation(gf, "iris:train")), "iris-cnn:train");
    assert.equal(opFullname(resolveOperation(gf, "mnist:train")), "mnist-cnn:train");
    assert.equal(opFullname(resolveOperation(gf, "mnist-cnn:test")), "mnist-cnn:test");
    assert.equal(opFullname(resolveOperation(gf, "cnn:prep")), "cnn:prep");
  });

  test("cnn:train is the exact model cnn, which has no train", () => {
    assert.equal(
      err(gf, "cnn:train"),
      "operation 'train' is not defined for model 'cnn'\nTry 'guild operations cnn' for a list of available operations.",
    );
  });

  test("several matches and none exact: the candidates, sorted and indented", () => {
    assert.equal(
      err(gf, "cn:prep"),
      "there are multiple models that match 'cn'\nTry specifying one of the following:\n  cnn\n  iris-cnn\n  mnist-cnn",
    );
    assert.equal(
      err(gf, "-cnn:train"),
      "there are multiple models that match '-cnn'\nTry specifying one of the following:\n  iris-cnn\n  mnist-cnn",
    );
  });

  test("no model: the message depends on a ':' in the spec", () => {
    assert.equal(err(gf, "nosuch:train"), `cannot find operation nosuch:train\n${HINT}`);
    assert.equal(err(gf, "train"), `cannot find operation train\nYou may need to include a model in the form MODEL:OPERATION. ${HINT}`);
    assert.equal(err(gf, ":train"), `cannot find operation :train\n${HINT}`);
    assert.equal(err(gf, "pkg/m:train"), `cannot find operation pkg/m:train\n${HINT}`);
    assert.equal(err(gf, null), "cannot find a default operation\nTry 'guild operations' for a list.");
    assert.equal(err(gf, ""), "cannot find a default operation\nTry 'guild operations' for a list.");
  });

  test("model found but no such op; no default op", () => {
    assert.equal(
      err(gf, "mnist-cnn:nope"),
      "operation 'nope' is not defined for model 'mnist-cnn'\nTry 'guild operations mnist-cnn' for a list of available operations.",
    );
    assert.equal(err(gf, "mnist-cnn:"), `invalid operation 'mnist-cnn:'\n${HINT}`);
    const two = gfOf("- model: m\n  operations: {a: {}, b: {}}\n");
    assert.equal(
      err(two, null),
      "a default operation is not defined for model 'm'\nTry 'guild operations m' for a list of available operations.",
    );
    const anon = gfOf("a: {}\nb: {}\n");
    assert.equal(err(anon, "x"), `operation 'x' is not defined for this project\n${HINT}`);
    assert.equal(err(anon, null), `a default operation is not defined for this project\n${HINT}`);
  });

  test("the guide: an op name alone resolves when exactly one model has it", () => {
    assert.equal(opFullname(resolveOperation(gf, "test")), "mnist-cnn:test");
    assert.equal(opFullname(resolveOperation(gf, "prep")), "cnn:prep");
    // `train` is in two models: Guild's message.
    assert.match(err(gf, "train"), /^cannot find operation train\nYou may need/);
  });
});

describe("default model and default operation (spec §1.5)", () => {
  test("the only model; else default: yes; anonymous models match without a model ref", () => {
    const one = gfOf("- model: solo\n  operations: {train: {}, _hidden: {}}\n");
    assert.equal(opFullname(resolveOperation(one, "train")), "solo:train");
    assert.equal(opFullname(resolveOperation(one, null)), "solo:train", "the only public op is the default");
    assert.equal(opFullname(resolveOperation(one, ":train")), "solo:train", "':op' matches like no model ref");
    const dflt = gfOf(
      "- model: a\n  operations: {train: {}}\n- model: b\n  default: yes\n  operations: {train: {}, eval: {default: yes}}\n",
    );
    assert.equal(opFullname(resolveOperation(dflt, "train")), "b:train");
    assert.equal(opFullname(resolveOperation(dflt, null)), "b:eval");
    assert.equal(opFullname(resolveOperation(dflt, "a:train")), "a:train");
    const anon = gfOf("- operations: {train: {}}\n- model: x\n  operations: {train: {}}\n");
    assert.equal(opFullname(resolveOperation(anon, "train")), "train");
  });
});

describe("the guide's examples (Start a run, Operation aliases)", () => {
  // The guide's project: model iris-cnn with train, finetune and test.
  const gf = gfOf("- model: iris-cnn\n  operations:\n    train: {}\n    finetune: {}\n    test: {}\n");

  test("guild run finetune / iris-cnn:finetune / cnn:train", () => {
    assert.equal(opFullname(resolveOperation(gf, "finetune")), "iris-cnn:finetune");
    assert.equal(opFullname(resolveOperation(gf, "iris-cnn:finetune")), "iris-cnn:finetune");
    assert.equal(opFullname(resolveOperation(gf, "cnn:train")), "iris-cnn:train");
  });

  test("guild train, guild train iris-cnn, guild train cnn", () => {
    assert.equal(opFullname(trainAlias(gf)), "iris-cnn:train");
    assert.equal(opFullname(trainAlias(gf, "iris-cnn")), "iris-cnn:train");
    assert.equal(opFullname(trainAlias(gf, "cnn")), "iris-cnn:train");
  });

  test("guild train with an ambiguous or unknown model, or no train op", () => {
    const cnn = gfOf(CNN);
    assert.equal(
      err(cnn, null, "-cnn"),
      "there are multiple models that match '-cnn'\nTry specifying one of the following:\n  iris-cnn\n  mnist-cnn",
    );
    assert.equal(
      err(cnn, null, "cnn"),
      "operation 'train' is not defined for model 'cnn'\nTry 'guild operations cnn' for a list of available operations.",
    );
    assert.equal(err(cnn, null, "nosuch"), `cannot find operation nosuch:train\n${HINT}`);
    assert.equal(opFullname(trainAlias(cnn, "iris")), "iris-cnn:train");
  });
});

describe("the fixture's projects", () => {
  test("mnist: train, mnist:train, the default op needs a name; iris: train and finetune", () => {
    const mnist = loadGuildfile(path.join(fixtureDir(), "projects", "mnist", "guild.yml"));
    assert.equal(opFullname(resolveOperation(mnist, "train")), "mnist:train");
    assert.equal(opFullname(resolveOperation(mnist, "mnist:train")), "mnist:train");
    assert.equal(opFullname(resolveOperation(mnist, "m:prepare")), "mnist:prepare");
    assert.equal(opFullname(trainAlias(mnist)), "mnist:train");
    assert.equal(
      err(mnist, null),
      "a default operation is not defined for model 'mnist'\nTry 'guild operations mnist' for a list of available operations.",
    );
    const iris = loadGuildfile(path.join(fixtureDir(), "projects", "iris", "guild.yml"));
    assert.equal(opFullname(resolveOperation(iris, "finetune")), "finetune");
    assert.equal(opFullname(trainAlias(iris)), "train");
    assert.equal(err(iris, "iris:train"), `cannot find operation iris:train\n${HINT}`);
  });
});
