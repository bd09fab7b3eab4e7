import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { decodeAttr, encodeAttr, GuildFloat, shlexSplit, type AttrValue } from "@guildts/runstore";
import { fixtureDir, tempDir } from "@guildts/testkit";
import {
  defaultLabel,
  flagArgs,
  flagEnv,
  FlagError,
  loadGuildfile,
  renderLabel,
  resolveFlags,
  resolveOperation,
  type OpDef,
} from "../src/index.js";

function opOf(text: string, spec: string | null = null): OpDef {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "guild.yml"), text);
  return resolveOperation(loadGuildfile(path.join(dir, "guild.yml")), spec);
}

function flagErr(op: OpDef, assigns: string[], opts = {}): FlagError {
  try {
    resolveFlags(op, assigns, opts);
  } catch (e) {
    assert.ok(e instanceof FlagError, String(e));
    assert.equal(e.exitCode, 1);
    return e;
  }
  assert.fail(`resolved ${assigns.join(" ")}`);
}

const attrs = (flags: Record<string, AttrValue>) => encodeAttr(flags);

const MNIST = `
- model: mnist
  operations:
    train:
      main: train
      flags:
        lr: {type: float, default: 0.1}
        batch: {type: int, default: 64}
        fail: {type: boolean, default: no}
        optimizer: {default: sgd, choices: [sgd, adam]}
        name: {description: Model name, required: yes}
`;

describe("resolving flag values (spec §3.3)", () => {
  const op = opOf(MNIST);

  test("defaults, decoding by type, coercion; user flags as decoded", () => {
    const r = resolveFlags(op, ["name=foo", "lr=1", "batch=128", "fail=yes"]);
    assert.equal(attrs(r.flags), "batch: 128\nfail: true\nlr: 1.0\nname: foo\noptimizer: sgd\n");
    assert.equal(attrs(r.userFlags), "batch: 128\nfail: true\nlr: 1.0\nname: foo\n");
    assert.deepEqual(Object.keys(r.userFlags), ["name", "lr", "batch", "fail"]);
  });

  test("the spec's quirks: boolean 'maybe' is True, string 'null' stays text, float 1 is 1.0, int 2.5 fails", () => {
    const q = opOf(
      "op:\n  flags:\n    b: {type: boolean}\n    s: {type: string}\n    f: {type: float}\n    i: {type: int}\n    n: {type: number}\n",
    );
    const r = resolveFlags(q, ["b=maybe", "s=null", "f=1", "i=7", "n=1.5"]);
    assert.deepEqual(r.userFlags, { b: "maybe", s: "null", f: new GuildFloat(1), i: 7, n: 1.5 });
    assert.deepEqual(r.flags, { b: true, s: "null", f: new GuildFloat(1), i: 7, n: 1.5 });
    assert.equal(flagErr(q, ["i=2.5"]).message, "invalid value 2.5 for i: invalid value for type 'int'");
    assert.equal(flagErr(q, ["i=one"]).message, "invalid value one for i: invalid value for type 'int'");
    assert.equal(flagErr(q, ["f=abc"]).message, "invalid value abc for f: invalid value for type 'float'");
    assert.equal(flagErr(q, ["n=x"]).message, "invalid value x for n: invalid value for type 'number'");
    assert.equal(flagErr(q, ["i=[1,2.5]"]).message, "invalid value [1, 2.5] for i: invalid value for type 'int'");
    assert.deepEqual(resolveFlags(q, ["s=010", "i=True", "f=1e5"]).flags, { s: "010", i: 1, f: new GuildFloat(100000), b: null, n: null });
  });

  test("string flags coerce other values with Python's str()", () => {
    const q = opOf("op:\n  flags:\n    s: {type: string, default: 1.0}\n    t: {type: string, default: yes}\n");
    assert.deepEqual(resolveFlags(q, []).flags, { s: "1.0", t: "True" });
    assert.deepEqual(resolveFlags(q, ["s=[1,2]"]).flags, { s: ["1", "2"], t: "True" }, "lists are coerced item by item");
  });

  test("unknown flags, with the op's full name", () => {
    assert.equal(
      flagErr(op, ["name=a", "bogus=1"]).message,
      "unsupported flag 'bogus'\nTry 'guild run mnist:train --help-op' for a list of flags or use --force-flags to skip this check.",
    );
    assert.equal(flagErr(op, ["name=a", "bogus=1"]).plain, false);
    assert.deepEqual(resolveFlags(op, ["name=a", "bogus=1"], { force: true }).flags.bogus, 1);
  });

  test("arguments without '=' are listed, each on its own line", () => {
    assert.equal(flagErr(op, ["lr", "name=x", "other"]).message, "invalid argument(s):\nlr\nother\nexpected NAME=VAL");
  });

  test("missing required flags: Guild's table and the op name (not model:op)", () => {
    const e = flagErr(op, []);
    assert.equal(e.plain, true);
    assert.equal(
      e.message,
      "Operation requires the following missing flags:\n\n  name  Model name\n\nRun the command again with these flags or try 'guild run train --help-op' for help.",
    );
    assert.equal(flagErr(op, ["name="]).message, e.message, "an empty string is missing too");
    const two = opOf(
      "train:\n  flags:\n    name: {description: 'Model name\n\n      more', required: yes}\n    data-dir: {required: yes}\n",
    );
    assert.equal(
      flagErr(two, []).message,
      "Operation requires the following missing flags:\n\n  data-dir  \n  name      Model name\n\nRun the command again with these flags or try 'guild run train --help-op' for help.",
    );
  });

  test("choices: Guild's table (values padded), skipped for falsy values, alias and allow-other", () => {
    const e = flagErr(op, ["name=a", "optimizer=rmsprop"]);
    assert.equal(e.plain, true);
    assert.equal(
      e.message,
      "Unsupported value for 'optimizer' - supported values are:\n\n  sgd   \n  adam  \n\nRun the command again using one of these options.",
    );
    const act = opOf("train:\n  flags:\n    act: {choices: [relu, tanh]}\n");
    assert.equal(
      flagErr(act, ["act=x"]).message,
      "Unsupported value for 'act' - supported values are:\n\n  relu  \n  tanh  \n\nRun the command again using one of these options.",
    );
    assert.deepEqual(resolveFlags(act, ["act="]).flags, { act: "" });
    assert.deepEqual(resolveFlags(act, ["act=no"]).flags, { act: false });
    const rich = opOf(`
train:
  flags:
    c:
      choices:
        - {value: 1, description: one}
        - {value: 2.5, description: two and a half}
        - {value: big-value, alias: b, flags: {size: 100, lr: 0.5}}
    size: 10
    lr: 0.1
    o: {choices: [a], allow-other: yes}
`);
    assert.equal(
      flagErr(rich, ["c=3"]).message,
      "Unsupported value for 'c' - supported values are:\n\n  1          one\n  2.5        two and a half\n  big-value  \n\nRun the command again using one of these options.",
    );
    assert.deepEqual(resolveFlags(rich, ["c=1.0"]).flags.c, new GuildFloat(1), "1.0 == 1 in Python");
    assert.deepEqual(resolveFlags(rich, ["c=b", "lr=0.2"]).flags, { c: "big-value", lr: 0.2, size: 100, o: null });
    assert.deepEqual(
      resolveFlags(rich, ["c=big-value"]).flags,
      { c: "big-value", lr: 0.1, size: 10, o: null },
      "only a choice named by its alias applies its flags",
    );
    assert.deepEqual(resolveFlags(rich, ["o=z"]).flags.o, "z");
  });

  test("aliases: renamed to the flag; both given is an error (names swapped, as in Guild)", () => {
    const q = opOf("train:\n  flags:\n    learning-rate: {alias: lr, type: float, default: 0.1}\n");
    const r = resolveFlags(q, ["lr=1"]);
    assert.deepEqual(r.flags, { "learning-rate": new GuildFloat(1) });
    assert.deepEqual(r.userFlags, { lr: 1 }, "user flags keep the alias, decoded without the type");
    assert.equal(
      flagErr(q, ["lr=1", "learning-rate=2"]).message,
      "cannot specify both alias 'learning-rate' and name for flag 'lr'\nUse --force-flags to skip this check.",
    );
  });

  test("paths are made absolute; existing-path must exist; min and max", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "data.csv"), "");
    const q = opOf("train:\n  flags:\n    p: {type: path}\n    e: {type: existing-path}\n    n: {type: int, min: 1, max: 10}\n");
    assert.deepEqual(resolveFlags(q, ["p=out", "e=data.csv"], { cwd: dir }).flags, {
      p: path.join(dir, "out"),
      e: path.join(dir, "data.csv"),
      n: null,
    });
    const missing = path.join(dir, "nope");
    assert.equal(flagErr(q, ["e=nope"], { cwd: dir }).message, `invalid value ${missing} for e: ${missing} does not exist`);
    assert.equal(flagErr(q, ["n=20"]).message, "invalid value 20 for n: out of range (greater than max 10)");
    assert.equal(flagErr(q, ["n=0"]).message, "invalid value 0 for n: out of range (less than min 1)");
    assert.deepEqual(resolveFlags(q, ["n=[1,5]"]).flags.n, [1, 5]);
    assert.equal(flagErr(q, ["n=[1,50]"]).message, "invalid value 50 for n: out of range (greater than max 10)");
  });

  test("flag functions are not coerced or checked", () => {
    const q = opOf("train:\n  flags:\n    lr: {type: float, choices: [0.1, 0.2]}\n");
    assert.deepEqual(resolveFlags(q, ["lr=loguniform[1e-5:1e-1]"]).flags, { lr: "loguniform[1e-5:1e-1]" });
  });
});

describe("command arguments and environment (spec §3.4)", () => {
  test("flags-dest args: True → 1, False/'' → '', None left out, numbers as Python prints them", () => {
    const op = opOf("op:\n  exec: prog ${flag_args}\n  flags:\n    b: yes\n    c: x\n    d: 1\n    f: 0.1\n    g: 1.0e-7\n    n: null\n");
    assert.equal(op.flagsDest, undefined);
    const { flags } = resolveFlags(op, ["b=no", "c=''", "d=3"]);
    assert.deepEqual(flagArgs(op, flags), ["--b", "", "--c", "", "--d", "3", "--f", "0.1", "--g", "1e-07"]);
    assert.deepEqual(flagArgs(op, { ...flags, b: true, d: [1, "a b"], m: { z: 1, a: "x" } }), [
      "--b",
      "1",
      "--c",
      "",
      "--d",
      "1 'a b'",
      "--f",
      "0.1",
      "--g",
      "1e-07",
      "--m",
      "{'a': 'x', 'z': 1}",
    ]);
  });

  test("flags-dest globals: YAML flow encoding", () => {
    const op = opOf(
      "op:\n  main: mod\n  flags-dest: globals\n  flags:\n    b: yes\n    s: '1'\n    f: 1.1\n    n: null\n    l: {default: [1, a]}\n",
    );
    assert.deepEqual(flagArgs(op, resolveFlags(op, []).flags), ["--b", "true", "--f", "1.1", "--l", "[1, a]", "--s", "'1'"]);
    assert.deepEqual(flagArgs(op, { b: false, s: "yes", f: new GuildFloat(2) }), ["--b", "false", "--f", "2.0", "--s", "'yes'"]);
  });

  test("arg-name, arg-skip, arg-switch, default-flag-arg-skip, shadowed flags", () => {
    const op = opOf(`
op:
  exec: prog --a 2 \${flag_args}
  flags:
    a: 1
    lr: {default: 0.1, arg-name: learning-rate}
    skip: {default: 1, arg-skip: yes}
    sw: {default: yes, arg-switch: yes}
    off: {default: no, arg-switch: yes}
`);
    const warnings: string[] = [];
    const { flags } = resolveFlags(op, []);
    assert.deepEqual(flagArgs(op, flags, { cmdArgs: ["prog", "--a", "2"], warn: (m) => warnings.push(m) }), [
      "--learning-rate",
      "0.1",
      "--sw",
    ]);
    assert.deepEqual(warnings, ["ignoring flag 'a=1' because it's shadowed in the operation cmd as --a"]);
    const skipAll = opOf("op:\n  exec: x\n  default-flag-arg-skip: yes\n  flags:\n    a: 1\n    b: {default: 2, arg-skip: no}\n");
    assert.deepEqual(flagArgs(skipAll, { a: 1, b: 2 }), ["--b", "2"]);
  });

  test("arg-split", () => {
    const op = opOf(
      "op:\n  exec: x\n  flags:\n    l: {default: 'a b c', arg-split: yes}\n    m: {default: '1,2', arg-split: ',', type: int}\n",
    );
    const { flags } = resolveFlags(op, []);
    assert.deepEqual(flags, { l: "a b c", m: "1,2" });
    assert.deepEqual(flagArgs(op, flags), ["--l", "a", "b", "c", "--m", "1", "2"]);
  });

  test("FLAG_* variables with the args encoding, env-name", () => {
    const op = opOf(
      "op:\n  exec: x\n  flags:\n    x: '1'\n    b: no\n    my-lr: 0.1\n    n: null\n    e: {default: 3, env-name: EPOCHS}\n",
    );
    assert.deepEqual(flagEnv(op, resolveFlags(op, []).flags), { FLAG_X: "1", FLAG_B: "", FLAG_MY_LR: "0.1", FLAG_N: "", EPOCHS: "3" });
  });
});

describe("labels (spec §4.6)", () => {
  test("the default label: non-null flags by name, label-formatted", () => {
    assert.equal(defaultLabel(null, { s: "hello", i: 1, f: new GuildFloat(2), b: true, n: null }), "b=yes f=2.0 i=1 s=hello");
    assert.equal(defaultLabel(null, { s: "hello there" }), "s='hello there'");
    assert.equal(defaultLabel(null, { f: 1 / 3 }), "f=0.33333");
    assert.equal(defaultLabel(null, {}), "");
  });

  test("templates: flags, default_label, filters", () => {
    const flags = { lr: 0.123456, name: "a b", path: "/data/set/x.csv", q: "'quoted'", n: null, i: 3 };
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    assert.equal(renderLabel(null, flags), "i=3 lr=0.12345 name='a b' path=/data/set/x.csv q='''quoted'''");
    assert.equal(renderLabel("lr=${lr} ${name} [${missing}] [${n}]", flags), "lr=0.12345 'a b' [] []");
    assert.equal(renderLabel("tag ${default_label}", { i: 3 }), "tag i=3");
    assert.equal(renderLabel("${n|default:none} ${i|default:x}", flags), "none 3");
    assert.equal(renderLabel("${path|basename} ${q|unquote} ${lr|%.2f} ${i|%03d} ${name|%d}", flags, warn), "x.csv quoted 0.12 003 a b");
    assert.equal(renderLabel("${i|nope}", flags, warn), "#error#");
    assert.deepEqual(warnings, ["unsupported template transform: 'nope'"]);
  });
});

describe("the fixture's runs: the recorded flags, user flags, cmd and label from the recorded args", () => {
  const home = path.join(fixtureDir(), "home");
  const runDirs = [
    ...fs.readdirSync(path.join(home, "runs")).map((id) => path.join(home, "runs", id)),
    ...fs.readdirSync(path.join(home, "trash", "runs")).map((id) => path.join(home, "trash", "runs", id)),
  ];
  const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, ".guild", "attrs", name), "utf8");
  const readOpt = (dir: string, name: string) => (fs.existsSync(path.join(dir, ".guild", "attrs", name)) ? read(dir, name) : null);

  test(`all ${runDirs.length} runs`, () => {
    let checked = 0;
    for (const dir of runDirs) {
      const id = path.basename(dir);
      const [pkg, version, model, opName] = shlexSplit(fs.readFileSync(path.join(dir, ".guild", "opref"), "utf8"));
      assert.ok(pkg!.startsWith("guildfile:/home/alice/"), pkg);
      const project = pkg!.slice("guildfile:/home/alice/".length).split("/")[0]!;
      const gf = loadGuildfile(path.join(fixtureDir(), "projects", project, "guild.yml"));
      assert.equal(gf.md5, version, id);
      const op = resolveOperation(gf, model ? `${model}:${opName}` : opName);
      const runParams = decodeAttr(read(dir, "run_params")) as Record<string, AttrValue>;
      const { flags, userFlags } = resolveFlags(op, runParams.flags as string[]);
      assert.equal(encodeAttr(flags), read(dir, "flags"), `${id} flags`);
      assert.equal(encodeAttr(userFlags), read(dir, "user_flags"), `${id} user_flags`);
      const cmd = decodeAttr(read(dir, "cmd")) as string[];
      assert.equal(cmd[3], op.main, `${id} module`);
      assert.deepEqual(flagArgs(op, flags), cmd.slice(cmd.indexOf("--") + 1), `${id} cmd`);
      const opAttr = decodeAttr(read(dir, "op")) as Record<string, Record<string, AttrValue>>;
      assert.equal(opAttr["op-cmd"]!["flags-dest"], op.flagsDest, `${id} flags-dest`);
      const template = (runParams.label as string | null) ?? op.labelTemplate;
      assert.equal(opAttr["label-template"], template, `${id} label-template`);
      const label = readOpt(dir, "label");
      const rendered = renderLabel(template, flags);
      if (template === null) assert.equal(rendered, defaultLabel(op, flags));
      if (id.startsWith("e8cf6838")) {
        // Relabeled after the run with `guild runs label` (fixture README); Guild wrote the default.
        assert.equal(label, "first try\n");
        assert.equal(rendered, "c=1.0 kernel=rbf");
      } else if (rendered === "") assert.equal(label, null, `${id}: an empty label is not written`);
      else assert.equal(label, `${rendered}\n`, `${id} label`);
      checked++;
    }
    assert.equal(checked, 9);
  });
});
