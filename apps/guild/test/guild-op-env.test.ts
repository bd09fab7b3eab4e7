import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { decodeAttr } from "@guildts/runstore";
import { runCommand, tempDir } from "@guildts/testkit";

/**
 * An operation's `env:` (spec §1.3, §4.5), end to end: a real run whose script prints the
 * variables it sees, and the `env` attr Guild writes.
 */
const GUILD_YML = `train:
  main: show
  flags:
    lr: 0.1
    name: bob
    big: no
  env:
    PLAIN: hello
    NUM: 1.0
    B_ON: yes
    B_OFF: no
    NOTHING: null
    LIST: [a, 'b c']
    LR: \${lr}
    MIXED: lr=\${lr} big=\${big} name=\${name}
    ESCAPED: \\\${lr}
    PROJECT_DIR: not-this
    FLAG_LR: not-this-either
    PYTHONPATH: /opt/extra
    RUN_ID: never
badref:
  main: show
  env:
    X: \${nope}
badenv:
  main: show
  env: [X]
secret:
  main: secret
  env:
    API_KEY: k-\${lr}
    MY_PASSWORD: p
  env-secrets: [API_KEY, FROM_SHELL]
  flags:
    lr: 2
badsecrets:
  main: show
  env-secrets: {X: 1}
pp:
  main: pp
  python-path: src
`;

const SHOW_PY = `import json, os
names = ["PLAIN", "NUM", "B_ON", "B_OFF", "NOTHING", "LIST", "LR", "MIXED", "ESCAPED", "PROJECT_DIR", "FLAG_LR", "RUN_ID"]
print(json.dumps({n: os.environ.get(n) for n in names}))
print(os.environ["PYTHONPATH"].split(os.pathsep)[0:2])
`;

const SECRET_PY = `import os
print(os.environ["API_KEY"], os.environ["FROM_SHELL"], os.environ["MY_PASSWORD"])
`;

const PP_PY = `import os
print(os.environ["PYTHONPATH"].split(os.pathsep)[0])
`;

describe("guild run with an operation env", () => {
  let proj: string;
  let home: string;
  const guild = (args: string[], env: Record<string, string> = {}) =>
    runCommand("guild", [...args, "-y"], { cwd: proj, env: { GUILD_HOME: home, NO_PIP_FREEZE: "1", PYTHONPATH: "", ...env } });
  const onlyRun = () => {
    const ids = fs.readdirSync(path.join(home, "runs")).filter((n) => /^[0-9a-f]{32}$/.test(n));
    assert.equal(ids.length, 1);
    return path.join(home, "runs", ids[0]!);
  };
  before(() => {
    const root = tempDir("guildts-openv-");
    proj = path.join(root, "proj");
    home = path.join(root, "home");
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, "guild.yml"), GUILD_YML);
    fs.writeFileSync(path.join(proj, "show.py"), SHOW_PY);
    fs.writeFileSync(path.join(proj, "secret.py"), SECRET_PY);
    fs.writeFileSync(path.join(proj, "pp.py"), PP_PY);
  });

  test("values are encoded like flags, ${flag} resolved; PROJECT_DIR, FLAG_* and RUN_* win", () => {
    const r = guild(["run", "train", "lr=0.01"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    const dir = onlyRun();
    const [json, pythonPath] = r.stdout.trimEnd().split("\n");
    assert.deepEqual(JSON.parse(json!), {
      PLAIN: "hello",
      NUM: "1.0",
      B_ON: "1",
      B_OFF: "",
      NOTHING: "",
      LIST: "a 'b c'",
      LR: "0.01",
      MIXED: "lr=0.01 big=false name=bob",
      ESCAPED: "${lr}",
      PROJECT_DIR: proj,
      FLAG_LR: "0.01",
      RUN_ID: path.basename(dir),
    });
    // Guild's python plugin puts an op env PYTHONPATH first, then the source code dir.
    assert.equal(pythonPath, "['/opt/extra', '.']");
    const env = decodeAttr(fs.readFileSync(path.join(dir, ".guild", "attrs", "env"), "utf8")) as Record<string, string>;
    assert.equal(env.PLAIN, "hello");
    assert.equal(env.MIXED, "lr=0.01 big=false name=bob");
    assert.equal(env.RUN_ID, path.basename(dir));
    // The raw values are recorded in the op's command env, as Guild does.
    const op = decodeAttr(fs.readFileSync(path.join(dir, ".guild", "attrs", "op"), "utf8")) as {
      "op-cmd": { "cmd-env": Record<string, unknown> };
    };
    assert.equal(op["op-cmd"]["cmd-env"].LR, "${lr}");
    assert.equal(op["op-cmd"]["cmd-env"].PROJECT_DIR, proj);
  });

  test("a reference to no flag, or an env that is not a mapping, is a one-line error and no run", () => {
    fs.rmSync(path.join(home, "runs"), { recursive: true, force: true });
    const bad = guild(["run", "badref"]);
    assert.deepEqual(
      [bad.status, bad.stdout, bad.stderr],
      [1, "", "guild: invalid setting for operation: env X contains invalid reference 'nope'\n"],
    );
    const list = guild(["run", "badenv"]);
    assert.deepEqual([list.status, list.stderr], [1, "guild: operation 'badenv': invalid env value: expected a mapping of NAME: VALUE\n"]);
    assert.equal(fs.existsSync(path.join(home, "runs")) && fs.readdirSync(path.join(home, "runs")).length > 0, false);
  });

  test("env-secrets are in the process env but never saved (env attr, staged ENV)", () => {
    fs.rmSync(path.join(home, "runs"), { recursive: true, force: true });
    const r = guild(["run", "secret"], { FROM_SHELL: "s3" });
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, "k-2 s3 p\n", ""]);
    const env = decodeAttr(fs.readFileSync(path.join(onlyRun(), ".guild", "attrs", "env"), "utf8")) as Record<string, string>;
    assert.equal(env.RUN_ID, path.basename(onlyRun()));
    assert.deepEqual([env.API_KEY, env.FROM_SHELL, env.MY_PASSWORD], [undefined, undefined, undefined]);
    fs.rmSync(path.join(home, "runs"), { recursive: true, force: true });
    const staged = guild(["run", "secret", "--stage"], { FROM_SHELL: "s3" });
    assert.equal(staged.status, 0, staged.stderr);
    const envFile = fs.readFileSync(path.join(onlyRun(), ".guild", "ENV"), "utf8");
    assert.match(envFile, /^export PROJECT_DIR=/m);
    assert.doesNotMatch(envFile, /API_KEY|FROM_SHELL|MY_PASSWORD/);
    const bad = guild(["run", "badsecrets"]);
    assert.deepEqual(
      [bad.status, bad.stderr],
      [1, "guild: operation 'badsecrets': invalid env-secrets value: expected a name or a list of names\n"],
    );
  });

  test("python-path runs, as in Guild 0.9, with the run's PYTHONPATH unchanged (a warning says so)", () => {
    const r = guild(["run", "pp"]);
    assert.deepEqual(
      [r.status, r.stdout, r.stderr],
      [0, ".\n", "WARNING: operation 'pp': 'python-path' is not implemented by guildts - ignoring\n"],
    );
  });

  test("--print-env prints the op env sorted, shell-quoted, and creates nothing", () => {
    fs.rmSync(path.join(home, "runs"), { recursive: true, force: true });
    const r = runCommand("guild", ["run", "secret", "lr=3", "--print-env"], {
      cwd: proj,
      env: { GUILD_HOME: home, PYTHONPATH: "" },
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 5), ["API_KEY=k-3", "FLAGS_DEST=globals", "FLAG_LR=3", "MY_PASSWORD=p", `PROJECT_DIR=${proj}`]);
    assert.match(lines[5]!, /^PYTHONPATH=\.:\//);
    assert.equal(lines.length, 6);
    assert.equal(fs.existsSync(path.join(home, "runs")), false);
    const spaced = runCommand("guild", ["run", "train", "name=a b", "--print-env"], { cwd: proj, env: { GUILD_HOME: home } });
    assert.ok(spaced.stdout.includes("\nMIXED='lr=0.1 big=false name=a b'\n"), spaced.stdout);
    assert.ok(spaced.stdout.includes("\nNOTHING=\n"), spaced.stdout);
  });
});
