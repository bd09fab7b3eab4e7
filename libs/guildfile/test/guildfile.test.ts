import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { GuildFloat } from "@guildts/runstore";
import { fixtureDir, tempDir } from "@guildts/testkit";
import { findGuildfile, guildfileErrorSummary, GuildfileError, loadGuildfile, opFullname, type Guildfile } from "../src/index.js";

export function write(text: string, name = "guild.yml", dir = tempDir()): string {
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
}

function loadErr(text: string): GuildfileError {
  const file = write(text);
  try {
    loadGuildfile(file);
  } catch (e) {
    assert.ok(e instanceof GuildfileError, `not a GuildfileError: ${e}`);
    assert.equal(e.file, file);
    assert.ok(e.message.startsWith(`error in ${file}: `), e.message);
    assert.equal(e.guildMessage, `error in ${file}: ${e.problem}`);
    return e;
  }
  assert.fail(`loaded:\n${text}`);
}

describe("the fixture's guild files", () => {
  const project = (name: string) => path.join(fixtureDir(), "projects", name, "guild.yml");

  test("mnist: the model form, ops and flags sorted by name, Guild's md5 version", () => {
    const gf = loadGuildfile(project("mnist"));
    assert.equal(gf.path, project("mnist"));
    assert.equal(gf.dir, path.dirname(project("mnist")));
    assert.equal(gf.md5, "7d11b1c1c0c60d8ddf75cc4fb676237c");
    assert.deepEqual(
      gf.models.map((m) => [m.name, m.description]),
      [["mnist", "Tiny MNIST-style example (no ML libraries)"]],
    );
    const m = gf.models[0]!;
    assert.equal(m.guildfile, gf);
    assert.deepEqual(
      m.operations.map((o) => [opFullname(o), o.main, o.exec, o.description, o.flagsDest]),
      [
        ["mnist:prepare", "prepare", null, "Prepare the dataset", "globals"],
        ["mnist:test", "test", null, "Evaluate the classifier", "globals"],
        ["mnist:train", "train", null, "Train the classifier", "globals"],
      ],
    );
    const train = m.operations[2]!;
    assert.equal(train.model, m);
    assert.deepEqual(
      train.flags.map((f) => [f.name, f.type, f.default, f.description, f.choices, f.required]),
      [
        ["batch", "int", 64, "Batch size", null, false],
        ["epochs", "int", 3, "Number of epochs", null, false],
        ["fail", "boolean", false, "Exit with status 3 after the first step", null, false],
        ["lr", "float", 0.1, "Learning rate", null, false],
        ["optimizer", null, "sgd", "Optimizer", ["sgd", "adam"], false],
        ["sleep", "float", new GuildFloat(0), "Seconds to sleep before each step", null, false],
      ],
    );
    assert.deepEqual(train.flags[4]!.choiceDefs, [
      { value: "sgd", description: "", alias: null, flags: {} },
      { value: "adam", description: "", alias: null, flags: {} },
    ]);
    assert.equal(train.outputScalars, null);
    assert.equal(train.outputScalarsList, null);
    assert.equal(train.sourcecode, null);
    assert.equal(train.labelTemplate, null);
  });

  test("iris: operations at the top level form the anonymous model; scalar flags are defaults", () => {
    const gf = loadGuildfile(project("iris"));
    assert.equal(gf.md5, "30a2c59e0d2684dd0d04affa68857791");
    assert.deepEqual(
      gf.models.map((m) => m.name),
      [""],
    );
    const ops = gf.models[0]!.operations;
    assert.deepEqual(
      ops.map((o) => [opFullname(o), o.main, o.flags.map((f) => [f.name, f.default, f.description])]),
      [
        [
          "finetune",
          "train",
          [
            ["c", 0.5, ""],
            ["kernel", "linear", ""],
          ],
        ],
        [
          "train",
          "train",
          [
            ["c", new GuildFloat(1), "Regularization strength"],
            ["kernel", "rbf", ""],
          ],
        ],
      ],
    );
  });

  test("the md5 is the one the fixture runs recorded in their opref", () => {
    for (const name of ["mnist", "iris"]) {
      const gf = loadGuildfile(project(name));
      const runs = path.join(fixtureDir(), "home", "runs");
      const versions = fs
        .readdirSync(runs)
        .map((id) => fs.readFileSync(path.join(runs, id, ".guild", "opref"), "utf8"))
        .filter((o) => o.startsWith(`guildfile:/home/alice/${name}/guild.yml `))
        .map((o) => o.split(" ")[1]);
      assert.ok(versions.length >= 2, name);
      for (const v of versions) assert.equal(v, gf.md5);
    }
  });
});

describe("finding the model definition", () => {
  test("guild.yml, else a file named MODELS (the runs guide's name), else none", () => {
    const dir = tempDir();
    assert.equal(findGuildfile(dir), null);
    write("train: {}\n", "MODELS", dir);
    assert.equal(findGuildfile(dir), path.join(dir, "MODELS"));
    write("prep: {}\n", "guild.yml", dir);
    assert.equal(findGuildfile(dir), path.join(dir, "guild.yml"));
    fs.mkdirSync(path.join(dir, "sub", "guild.yml"), { recursive: true });
    assert.equal(findGuildfile(path.join(dir, "sub")), null, "a directory named guild.yml is not a guild file");
    const models = loadGuildfile(path.join(dir, "MODELS"));
    assert.deepEqual(
      models.models[0]!.operations.map((o) => o.name),
      ["train"],
    );
    assert.equal(models.path, path.join(dir, "MODELS"));
  });

  test("guild.yml and MODELS are not the only names Guild never reads: guild.yaml is ignored", () => {
    const dir = tempDir();
    write("train: {}\n", "guild.yaml", dir);
    assert.equal(findGuildfile(dir), null);
  });
});

describe("guild file forms (spec §1.2, §1.3)", () => {
  const load = (text: string): Guildfile => loadGuildfile(write(text));

  test("an empty file has no models; a list item with operations but no type is anonymous", () => {
    assert.deepEqual(load("").models, []);
    assert.deepEqual(load("# nothing\n").models, []);
    const gf = load("- operations:\n    a: {}\n- model: m\n  operations:\n    b: {}\n- config: c\n  operations:\n    x: {}\n");
    assert.deepEqual(
      gf.models.map((m) => [m.name, m.operations.map((o) => o.name)]),
      [
        ["", ["a"]],
        ["m", ["b"]],
      ],
      "config items define no model",
    );
  });

  test("operation attributes: bare string is main, exec wins, default main is the op name", () => {
    const gf = load(`
prep: echo prep
train: {}
my-op: {}
both: {exec: "run \${flag_args}", main: mod}
nb: {notebook: a.ipynb}
steps-op: {steps: [train]}
`);
    const op = (n: string) => gf.models[0]!.operations.find((o) => o.name === n)!;
    assert.deepEqual([op("prep").main, op("prep").exec], ["echo prep", null]);
    assert.equal(op("train").main, "train");
    assert.equal(op("my-op").main, "my_op");
    assert.deepEqual([op("both").exec, op("both").main, op("both").flagsDest], ["run ${flag_args}", "mod", undefined]);
    assert.equal(op("nb").main, "guild.plugins.nbexec a.ipynb");
    assert.deepEqual([op("steps-op").main, op("steps-op").steps], [null, ["train"]]);
    assert.deepEqual(
      gf.models[0]!.operations.map((o) => o.name),
      ["both", "my-op", "nb", "prep", "steps-op", "train"],
    );
  });

  test("operation attributes that matter for running", () => {
    const gf = load(`
train:
  description: |
    Train it

    More text
  default: yes
  label: lr=\${lr}
  tags: fast
  flags-dest: args
  output-scalars: no
  sourcecode: ["*.py"]
  env: {A: 1}
  requires: prepared
  delete-on-success: yes
  default-flag-arg-skip: yes
  flags:
    lr: {default: 0.1, arg-name: learning-rate, arg-switch: 2, env-name: LR, null-label: auto, foo: bar}
    x: null
    l: [1, 2]
`);
    const op = gf.models[0]!.operations[0]!;
    assert.equal(op.description, "Train it\n\nMore text");
    assert.equal(op.isDefault, true);
    assert.equal(op.labelTemplate, "lr=${lr}");
    assert.deepEqual(op.tags, ["fast"]);
    assert.equal(op.flagsDest, "args");
    assert.equal(op.outputScalars, false);
    assert.deepEqual(op.outputScalarsList, []);
    assert.deepEqual(op.sourcecode, ["*.py"]);
    assert.deepEqual(op.env, { A: 1 });
    assert.deepEqual(op.requires, ["prepared"]);
    assert.equal(op.deleteOnSuccess, true);
    assert.equal(op.defaultFlagArgSkip, true);
    const [l, lr, x] = op.flags;
    assert.deepEqual([l!.name, l!.default], ["l", [1, 2]]);
    assert.deepEqual([x!.name, x!.default], ["x", null]);
    assert.deepEqual(
      [lr!.argName, lr!.argSwitch, lr!.envName, lr!.nullLabel, lr!.extra, lr!.argSkip],
      ["learning-rate", 2, "LR", "auto", { foo: "bar" }, null],
    );
  });

  test("flags-dest for main ops comes from the script: argparse, click, else globals", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "a.py"), "import os\nimport argparse\n");
    fs.mkdirSync(path.join(dir, "pkg"));
    fs.writeFileSync(path.join(dir, "pkg", "b.py"), "from click import command\n");
    fs.writeFileSync(path.join(dir, "c.py"), "x = 1\n# import argparse\n");
    const gf = loadGuildfile(
      write("a: a\nb: pkg.b --x\nc: {main: c, flags-dest: 'global:params'}\nd: c\ne: missing\nf: {exec: echo}\n", "guild.yml", dir),
    );
    assert.deepEqual(
      gf.models[0]!.operations.map((o) => [o.name, o.flagsDest]),
      [
        ["a", "args"],
        ["b", "args:click"],
        ["c", "global:params"],
        ["d", "globals"],
        ["e", "globals"],
        ["f", undefined],
      ],
    );
  });

  test("default models and operations", () => {
    const gf = load("- model: a\n  operations: {x: {}}\n- model: b\n  default: yes\n  description: '  B  '\n  operations: {y: {}}\n");
    assert.deepEqual(
      gf.models.map((m) => [m.name, m.isDefault, m.description]),
      [
        ["a", false, ""],
        ["b", true, "B"],
      ],
    );
  });

  test("extends, params, operation-defaults and $include", () => {
    const gf = load(`
- config: base
  description: Base
  params:
    lr: 0.1
    name: base-{{size}}
  operation-defaults:
    output-scalars: no
  operations:
    train:
      main: "{{module}}"
      flags:
        lr: "{{lr}}"
        size: {default: 1}
- config: more-flags
  flags:
    extra: 7
- model: small
  extends: base
  params:
    size: 8
    module: train_small
  operations:
    train:
      flags:
        $include: more-flags
        size: 8
    eval:
      output-scalars: "acc: (\\\\S+)"
      flags:
        $include: small:train
`);
    const m = gf.models[0]!;
    assert.equal(m.name, "small");
    assert.equal(m.description, "Base");
    assert.deepEqual(
      m.operations.map((o) => o.name),
      ["eval", "train"],
    );
    const train = m.operations[1]!;
    assert.equal(train.main, "train_small");
    assert.deepEqual(
      train.flags.map((f) => [f.name, f.default]),
      [
        ["extra", 7],
        ["lr", 0.1],
        ["size", 8],
      ],
    );
    assert.equal(train.outputScalars, false);
    const ev = m.operations[0]!;
    assert.equal(ev.outputScalars, "acc: (\\S+)");
    assert.deepEqual(ev.outputScalarsList, ["acc: (\\S+)"]);
    assert.deepEqual(
      ev.flags.map((f) => f.name),
      ["extra", "size"],
      "$include of small:train takes its own flags data",
    );
  });

  test("include items splice another file's items in", () => {
    const dir = tempDir();
    write("- model: inc\n  operations: {a: {}}\n", "other.yml", dir);
    const gf = loadGuildfile(write("- include: other.yml\n- model: main\n  operations: {b: {}}\n", "guild.yml", dir));
    assert.deepEqual(
      gf.models.map((m) => m.name),
      ["inc", "main"],
    );
  });
});

describe("broken guild files: the message names the file, the place and Guild's problem", () => {
  const cases: [string, string, string][] = [
    ["train: [unclosed\n", "line 1", "invalid YAML: "],
    ["a: 1\nb: 2\nc: [\n  d\n", "line 3", "invalid YAML: "],
    ["42\n", "top level", "invalid guildfile data 42: expected a mapping"],
    ["- description: no type\n", "item 1", "missing required type (one of: config, include, model, package) in {'description': 'no type'}"],
    ["- model: a\n  config: b\n", "model 'a'", "multiple types (config, model) in {'model': 'a', 'config': 'b'}"],
    ["- model: a\n- model: a\n", "model 'a'", "duplicate model 'a'"],
    ["- model: 12\n", "item 1", "invalid model name $12: expected a string"],
    ["- package: a\n- package: b\n", "package 'b'", "mutiple package definitions"],
    ["- model: m\n  operations: [a]\n", "model 'm'", "invalid operations value ['a']: expected a mapping"],
    ["train: 42\n", "operation 'train'", "invalid value for operation '42' 'train': expected a string or a mapping"],
    ["train:\n", "operation 'train'", "invalid value for operation 'None' 'train': expected a string or a mapping"],
    ["train:\n  flags:\n", "operation 'train'", "invalid flags value None: expected a mapping"],
    ["- model: m\n  operations: {t: {tags: 3}}\n", "model 'm', operation 't'", "invalid tags value 3: expected a string or list"],
    [
      "- model: m\n  operations:\n    train:\n      flags: [a, b]\n",
      "model 'm', operation 'train'",
      "invalid flags value ['a', 'b']: expected a mapping",
    ],
    [
      "- model: mnist\n  operations:\n    train:\n      flags:\n        lr:\n          choices: {a: 1}\n",
      "model 'mnist', operation 'train', flag 'lr'",
      "invalid flag choice data {'a': 1}: expected a list of values or mappings",
    ],
    [
      "train:\n  flags:\n    lr:\n      choices:\n        - description: no value\n",
      "operation 'train', flag 'lr', choice 1",
      "missing required 'value' attribute in {'description': 'no value'}",
    ],
    [
      "train:\n  flags-import: maybe\n",
      "operation 'train'",
      "invalid flags-import value 'maybe': expected yes/all, no, or a list of flag names",
    ],
    ["train:\n  output-scalars: 3\n", "operation 'train'", "invalid output-scalars 3: expected a mapping, list, string, or false"],
    ["train:\n  sourcecode: 123\n", "operation 'train', sourcecode", "invalid select files spec 123: expected a string, list, or mapping"],
    [
      "train:\n  sourcecode:\n    - {include: a, exclude: b}\n",
      "operation 'train', sourcecode",
      "invalid file select spec {'include': 'a', 'exclude': 'b'}: cannot include both include and exclude",
    ],
    ["train:\n  steps: go\n", "operation 'train'", "invalid steps data 'go': expected a list"],
    [
      "train:\n  optimizer: gp\n  optimizers: [gp]\n",
      "operation 'train'",
      "conflicting optimizer configuration in operation 'train' - cannot define both 'optimizer' and 'optimizers'",
    ],
    ["- model: a\n  extends: b\n", "model 'a'", "undefined model or config 'b'"],
    ["- model: a\n  extends: b\n- model: b\n  extends: a\n", "model 'a'", "cycle in 'extends' (b -> a -> b)"],
    ["- model: a\n  extends: pkg/m\n", "model 'a'", "cannot find Guild file for package 'pkg'"],
    [
      "- model: a\n  operations:\n    t:\n      flags:\n        $include: nowhere\n",
      "model 'a', operation 't'",
      "invalid include reference 'nowhere': cannot find target",
    ],
    [
      "- include: nope.yml\n",
      "item 1",
      "cannot find include 'nope.yml' (includes must be local to including Guild file or a Guild package on the system path)",
    ],
  ];
  for (const [text, place, problem] of cases) {
    test(`${place}: ${problem.slice(0, 50)}`, () => {
      const e = loadErr(text);
      assert.equal(e.place, place);
      assert.ok(e.problem.startsWith(problem), `${e.problem}\n!= ${problem}`);
      assert.equal(e.message, `error in ${e.file}: ${place}: ${e.problem}`);
    });
  }

  test("Guild's summary line for a broken guild file in the project directory", () => {
    const e = loadErr("42\n");
    assert.equal(
      guildfileErrorSummary(e, path.dirname(e.file)),
      "guildfile in the current directory contains an error (see above for details)",
    );
    assert.equal(
      guildfileErrorSummary(e, path.dirname(path.dirname(e.file))),
      `guildfile in './${path.basename(path.dirname(e.file))}' contains an error (see above for details)`,
    );
  });

  test("an unreadable path is a GuildfileError naming it", () => {
    const missing = path.join(tempDir(), "guild.yml");
    assert.throws(
      () => loadGuildfile(missing),
      (e: unknown) => e instanceof GuildfileError && e.message.includes(missing) && /no such file/.test(e.message),
    );
  });
});
