import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { decodeAttr, encodeAttr, GuildFloat } from "@guildts/runstore";
import { fixtureDir, hasFixture, tempDir } from "@guildts/testkit";
import {
  decodeFlagValue,
  defaultLabel,
  findGuildfile,
  flagArgs,
  FlagError,
  formatOperations,
  GuildfileError,
  helpOp,
  loadGuildfile,
  OpResolveError,
  parseOpspec,
  resolveFlags,
  resolveOperation,
  trainAlias,
} from "../src/index.js";

function write(text: string, name = "guild.yml"): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
}

const MULTI = `
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

describe("guild files", () => {
  test("both of Guild's forms load; MODELS is found when there is no guild.yml", () => {
    const models = loadGuildfile(write(MULTI));
    assert.deepEqual(models.models.map((m) => m.name), ["iris-cnn", "mnist-cnn", "cnn"]);
    const ops = loadGuildfile(write("train:\n  main: train\nprep: echo prep\n"));
    assert.deepEqual(ops.models.map((m) => [m.name, m.operations.map((o) => [o.name, o.main])]), [["", [["prep", "echo prep"], ["train", "train"]]]]);
    const dir = path.dirname(write("train: {}\n", "MODELS"));
    assert.equal(findGuildfile(dir), path.join(dir, "MODELS"));
    assert.equal(findGuildfile(tempDir()), null);
  });

  test("errors name the file, the place and the problem", () => {
    const bad = (text: string, re: RegExp) => {
      const f = write(text);
      assert.throws(() => loadGuildfile(f), (e: unknown) => e instanceof GuildfileError && (e as Error).message.includes(f) && re.test((e as Error).message));
    };
    bad("train: [unclosed\n", /invalid YAML/);
    bad("- description: no type\n", /item 1: missing required type/);
    bad("- model: a\n  config: b\n", /multiple types \(model, config\)/);
    bad("- model: a\n- model: a\n", /duplicate model 'a'/);
    bad("train:\n  flags: [a, b]\n", /operation 'train': 'flags' must be a mapping/);
    bad("train:\n  flags:\n    x:\n      choices: {a: 1}\n", /operation 'train', flag 'x': invalid flag choice data/);
    bad("42\n", /expected a mapping or a list/);
  });

  test("opspecs and model matching, with Guild's messages", () => {
    const gf = loadGuildfile(write(MULTI));
    assert.deepEqual(parseOpspec("a:b"), ["a", "b"]);
    assert.deepEqual(parseOpspec(":b"), ["", "b"]);
    assert.deepEqual(parseOpspec("pkg/m:b"), ["pkg/m", "b"]);
    assert.equal(resolveOperation(gf, "iris:train").model.name, "iris-cnn");
    assert.equal(resolveOperation(gf, "mnist:train").model.name, "mnist-cnn");
    const err = (spec: string) => {
      try {
        resolveOperation(gf, spec);
      } catch (e) {
        assert.ok(e instanceof OpResolveError);
        return (e as Error).message;
      }
      assert.fail(`${spec} resolved`);
    };
    assert.equal(err("cnn:train"), "operation 'train' is not defined for model 'cnn'\nTry 'guild operations cnn' for a list of available operations.");
    assert.equal(err("cn:prep"), "there are multiple models that match 'cn'\nTry specifying one of the following:\n  cnn\n  iris-cnn\n  mnist-cnn");
    assert.equal(err("-cnn:train"), "there are multiple models that match '-cnn'\nTry specifying one of the following:\n  iris-cnn\n  mnist-cnn");
    assert.equal(err("nosuch:train"), "cannot find operation nosuch:train\nTry 'guild operations' for a list of available operations.");
    assert.equal(err("train"), "cannot find operation train\nYou may need to include a model in the form MODEL:OPERATION. Try 'guild operations' for a list of available operations.");
    assert.equal(err("a:b:c"), "invalid operation 'a:b:c'\nTry 'guild operations' for a list of available operations.");
    assert.equal(resolveOperation(gf, "test").name, "test", "an op name unique across models resolves");
    const anon = loadGuildfile(write("train: {}\nfinetune: {}\n"));
    assert.equal(resolveOperation(anon, "train").name, "train");
    assert.throws(() => resolveOperation(anon, "x"), /operation 'x' is not defined for this project/);
    assert.equal(trainAlias(gf, "iris").model.name, "iris-cnn");
  });

  test("guild operations: fullname and description, first column padded", () => {
    assert.equal(formatOperations([loadGuildfile(write(MULTI))]), "cnn:prep         \niris-cnn:train   Train CNN\nmnist-cnn:test   \nmnist-cnn:train  \n");
  });
});

describe("flag values", () => {
  test("Guild's decoding table (no type)", () => {
    const cases: [string, unknown][] = [
      ["1", 1],
      ["1.", new GuildFloat(1)],
      [".1", 0.1],
      ["1e-06", 1e-6],
      ["1e3", new GuildFloat(1000)],
      ["True", true],
      ["yes", true],
      ["no", false],
      ["null", null],
      ["", ""],
      ["'1'", "1"],
      ['"2"', "2"],
      ["[1,2,a]", [1, 2, "a"]],
      ["hello", "hello"],
      ["1_2_3", "1_2_3"],
      ["1:2", "1:2"],
      ["uniform[0:1]", "uniform[0:1]"],
    ];
    for (const [text, want] of cases) assert.deepEqual(decodeFlagValue(text), want, text);
  });

  test("typed decoding and coercion", () => {
    assert.equal(decodeFlagValue("null", "string"), "null");
    assert.equal(decodeFlagValue("010", "string"), "010");
    assert.deepEqual(decodeFlagValue("1", "float"), new GuildFloat(1));
    assert.equal(decodeFlagValue("maybe", "boolean"), "maybe");
  });

  const GF = `
train:
  flags:
    lr: {type: float, default: 0.1}
    epochs: {type: int, default: 3}
    optimizer: {default: sgd, choices: [sgd, adam]}
    name: {required: yes, description: Model name}
    fail: {type: boolean, default: no}
`;
  test("defaults, coercion, unknown flags, choices and required flags, with Guild's messages", () => {
    const op = resolveOperation(loadGuildfile(write(GF)), "train");
    const r = resolveFlags(op, ["name=foo", "lr=1", "epochs=5"]);
    assert.equal(encodeAttr(r.flags), "epochs: 5\nfail: false\nlr: 1.0\nname: foo\noptimizer: sgd\n");
    assert.equal(encodeAttr(r.userFlags), "epochs: 5\nlr: 1.0\nname: foo\n");
    const msg = (assigns: string[]) => {
      try {
        resolveFlags(op, assigns);
      } catch (e) {
        assert.ok(e instanceof FlagError);
        return (e as Error).message;
      }
      assert.fail("resolved");
    };
    assert.equal(msg(["name=a", "bogus=1"]), "unsupported flag 'bogus'\nTry 'guild run train --help-op' for a list of flags or use --force-flags to skip this check.");
    assert.equal(msg(["name=a", "epochs=2.5"]), "invalid value 2.5 for epochs: invalid value for type 'int'");
    assert.equal(msg(["name=a", "optimizer=rmsprop"]), "Unsupported value for 'optimizer' - supported values are:\n\n  sgd  \n  adam  \n\nRun the command again using one of these options.");
    assert.equal(msg([]), "Operation requires the following missing flags:\n\n  name  Model name\n\nRun the command again with these flags or try 'guild run train --help-op' for help.");
    assert.match(helpOp(op), /^Usage: guild run \[OPTIONS\] train \[FLAG\]\.\.\./);
    assert.match(helpOp(op), /\n  name       Model name \(required\)\n  optimizer  \(default is sgd\)\n\n +Choices:  sgd, adam\n/);
  });

  test("the fixture's runs: the same cmd flag args and default label from the same flags", { skip: !hasFixture() && "no fixture" }, () => {
    const gf = loadGuildfile(path.join(fixtureDir(), "projects", "mnist", "guild.yml"));
    assert.equal(gf.md5, "7d11b1c1c0c60d8ddf75cc4fb676237c", "Guild's opref version is the md5 of guild.yml");
    const op = resolveOperation(gf, "train");
    const runs = path.join(fixtureDir(), "home", "runs");
    let checked = 0;
    for (const id of fs.readdirSync(runs)) {
      const attrs = path.join(runs, id, ".guild", "attrs");
      if (!fs.readFileSync(path.join(runs, id, ".guild", "opref"), "utf8").endsWith(" mnist train")) continue;
      const userFlags = decodeAttr(fs.readFileSync(path.join(attrs, "user_flags"), "utf8")) as Record<string, unknown>;
      const assigns = Object.entries(userFlags).map(([k, v]) => `${k}=${encodeAttr(v as never).trim().replace(/^'(.*)'$/, "$1")}`);
      const { flags } = resolveFlags(op, assigns);
      assert.equal(encodeAttr(flags), fs.readFileSync(path.join(attrs, "flags"), "utf8"), id);
      const cmd = decodeAttr(fs.readFileSync(path.join(attrs, "cmd"), "utf8")) as string[];
      assert.deepEqual(flagArgs(op, flags), cmd.slice(cmd.indexOf("--") + 1), id);
      const label = fs.readFileSync(path.join(attrs, "label"), "utf8").trim();
      if (label.includes("=")) assert.equal(defaultLabel(op, flags), label, id);
      checked++;
    }
    assert.ok(checked >= 4, `${checked} fixture runs checked`);
  });
});
