import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { decodeAttr, encodeAttr, type AttrValue } from "@guildts/runstore";
import { hasTool, placeFixture, runCommand, runShell, tempDir, type PlacedFixture } from "@guildts/testkit";

/**
 * `requires:` end to end (issue 16 items 4-5; spec guild-batch-deps-inspect-remote.md §3): the
 * upstream run chosen (flag, marked, latest), files linked or copied into the run, the `deps`
 * attr and manifest as Guild 0.9.1 writes them (the batch fixture's dependent run), Guild's errors
 * with no run left behind, `runs info --deps/--lineage`, `guild-ls-runs --json` deps, restarts.
 */
type Rec = { id: string; operation: string; status: string; deps: Record<string, { runs: string[]; paths: string[] }> };

const FIXTURE_PREPARE = "73dbf46231484e0c9d984c04a09efece";
const FIXTURE_DEPENDENT = "4d69486c50294121a061d229f4700fdb";

function attrText(runDir: string, name: string): string {
  return fs.readFileSync(path.join(runDir, ".guild", "attrs", name), "utf8");
}

function attrOf(runDir: string, name: string): AttrValue {
  return decodeAttr(attrText(runDir, name));
}

describe("requires: on the batch home written by Guild 0.9.1", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture("guild-0.9-batch-home");
  });
  const guild = (args: string[], cwd?: string) =>
    runCommand("guild", args, { env: { ...fx.env, NO_PIP_FREEZE: "1" }, cwd: cwd ?? fx.alice });

  test("the dependent run read exactly: runs info with and without --deps, ls -d", () => {
    for (const [args, name] of [
      [["runs", "info", "4d69486c"], "runs-info-dep"],
      [["runs", "info", "4d69486c", "--deps"], "runs-info-dep-deps"],
      [["runs", "info", "4d69486c", "-d"], "runs-info-dep-deps"],
    ] as const) {
      const r = guild([...args]);
      assert.equal(r.stdout, fx.expected(`${name}.stdout`), args.join(" "));
      assert.equal(r.status, 0);
    }
  });

  test("guild-ls-runs --json: deps maps each resource to its upstream run ids and paths", () => {
    const recs = runCommand("guild-ls-runs", ["--json"], { env: fx.env })
      .stdout.split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Rec);
    const dep = recs.find((r) => r.id === FIXTURE_DEPENDENT)!;
    assert.deepEqual(dep.deps, {
      "operation:prepare": { runs: [FIXTURE_PREPARE], paths: [`../${FIXTURE_PREPARE}/data.txt`] },
    });
    assert.deepEqual(recs.find((r) => r.id === FIXTURE_PREPARE)!.deps, {});
  });

  test("a run made as the fixture's was (operation:prepare=PREFIX) writes what Guild wrote, byte for byte", () => {
    const r = guild(["run", "cls:train", "operation:prepare=73dbf462", "epochs=1", "lr=0.05", "-y"], fx.cls);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^Resolving operation:prepare\nUsing run 73dbf46231484e0c9d984c04a09efece for operation:prepare\n/);
    assert.equal(r.stdout, "examples: 5\nstep: 1\nloss: 0.65\nacc: 0.35\n");
    const latest = JSON.parse(runCommand("guild-rev-parse-run", ["--json", "1"], { env: fx.env }).stdout) as Rec;
    const ours = path.join(fx.home, "runs", latest.id);
    const guilds = path.join(fx.home, "runs", FIXTURE_DEPENDENT);
    for (const name of ["deps", "flags", "user_flags", "label"]) assert.equal(attrText(ours, name), attrText(guilds, name), name);
    const dLine = (dir: string) =>
      fs
        .readFileSync(path.join(dir, ".guild", "manifest"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("d "));
    assert.deepEqual(dLine(ours), dLine(guilds));
    assert.deepEqual(dLine(ours), ["d data.txt 8f9292e067460d92bf86b4e1be2085d2c863cf4a operation:prepare"]);
    assert.equal(fs.readlinkSync(path.join(ours, "data.txt")), fs.readlinkSync(path.join(guilds, "data.txt")));
    // The op attr's dependency parts: deps (resource data, location, config), flags-extra, cmd-flags.
    const op = (dir: string) => attrOf(dir, "op") as Record<string, AttrValue>;
    const opCmd = (dir: string) => (op(dir)["op-cmd"] as Record<string, Record<string, AttrValue>>)["cmd-flags"]!;
    assert.equal(encodeAttr(op(ours).deps!), encodeAttr(op(guilds).deps!));
    assert.equal(encodeAttr(op(ours)["flags-extra"]!), encodeAttr(op(guilds)["flags-extra"]!));
    assert.equal(encodeAttr(opCmd(ours)), encodeAttr(opCmd(guilds)));
  });

  test("the marked prepare run is the default upstream; runs info --lineage shows the chain", () => {
    const r = guild(["run", "cls:train", "epochs=1", "-y"], fx.cls);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Using run 73dbf46231484e0c9d984c04a09efece for operation:prepare/);
    const info = guild(["runs", "info", "1", "--lineage"]);
    assert.match(
      info.stdout,
      /\nlineage:\n {2}[0-9a-f]{8} cls:train \(completed\)\n {4}operation:prepare: 73dbf462 cls:prepare \(completed\)\n$/,
    );
  });
});

const GUILD_YML = `- model: cls
  operations:
    prepare:
      main: prepare
    train:
      main: train
      requires:
        - operation: prepare
      flags:
        lr: 0.1
    evaluate:
      main: evaluate
      requires:
        - operation: train
          select: model\\.txt
          target-path: trained
        - local
    picky:
      main: evaluate
      requires:
        - operation: prepare
          select: nothing\\.bin
    loop-a:
      main: prepare
      requires: [{operation: loop-b}]
    loop-b:
      main: prepare
      requires: [{operation: loop-a}]
    undefined-res:
      main: prepare
      requires: data
    web:
      main: prepare
      requires:
        - url: https://example.com/data.csv
  resources:
    local:
      sources:
        - file: local.txt
          rename: local.txt renamed.txt
`;

describe("requires: a prepare → train → evaluate chain with real files", () => {
  let root: string;
  let proj: string;
  let home: string;
  before(() => {
    root = tempDir("guildts-deps-");
    proj = path.join(root, "proj");
    home = path.join(root, "home");
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, "guild.yml"), GUILD_YML);
    fs.writeFileSync(path.join(proj, "prepare.py"), 'import os\nopen("data.txt", "w").write(os.environ["RUN_ID"] + "\\n")\n');
    fs.writeFileSync(
      path.join(proj, "train.py"),
      'lr = 0.1\nprint("data from", open("data.txt").read().strip())\nopen("model.txt", "w").write("model lr=%s\\n" % lr)\n',
    );
    fs.writeFileSync(
      path.join(proj, "evaluate.py"),
      'print(open("trained/model.txt").read().strip(), open("renamed.txt").read().strip())\n',
    );
    fs.writeFileSync(path.join(proj, "local.txt"), "local data\n");
  });
  const env = () => ({ GUILD_HOME: home, NO_PIP_FREEZE: "1" });
  const guild = (args: string[]) => runCommand("guild", args, { cwd: proj, env: env() });
  const runIds = () => (fs.existsSync(path.join(home, "runs")) ? fs.readdirSync(path.join(home, "runs")).sort() : []);
  const latest = () => JSON.parse(runCommand("guild-rev-parse-run", ["--json", "1"], { env: env() }).stdout) as Rec;
  const runDir = (id: string) => path.join(home, "runs", id);
  const prepares: string[] = [];

  test("no upstream run: Guild's error on one line, exit 1, no run directory left behind", () => {
    const r = guild(["run", "train", "-y"]);
    assert.deepEqual(
      [r.status, r.stderr.split("\n").filter((l) => l.startsWith("guild:"))],
      [
        1,
        [
          "guild: run failed because a dependency was not met: could not resolve 'operation:prepare' in operation:prepare resource: no suitable run for prepare",
        ],
      ],
    );
    assert.deepEqual(runIds(), []);
  });

  test("prepare → train → evaluate: the latest prepare, then the marked one, then an explicit one", () => {
    for (let i = 0; i < 2; i++) {
      assert.equal(guild(["run", "prepare", "-y"]).status, 0);
      prepares.push(latest().id);
    }
    // The latest usable run.
    let r = guild(["run", "train", "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `data from ${prepares[1]}\n`);
    let train = latest();
    assert.equal(fs.readlinkSync(path.join(runDir(train.id), "data.txt")), `../${prepares[1]}/data.txt`);
    assert.equal(
      attrText(runDir(train.id), "deps"),
      `operation:prepare:\n  operation:prepare:\n    config: ${prepares[1]}\n    paths:\n    - ../${prepares[1]}/data.txt\n    uri: operation:prepare\n`,
    );
    assert.equal(attrText(runDir(train.id), "label"), `lr=0.1 operation:prepare=${prepares[1]}\n`);
    // The marked run wins over the latest.
    assert.equal(guild(["runs", "mark", prepares[0]!.slice(0, 8), "-y"]).status, 0);
    r = guild(["run", "train", "lr=0.2", "-y"]);
    assert.equal(r.stdout, `data from ${prepares[0]}\n`, r.stderr);
    // An explicit run: an id prefix, or an index among the operation's runs (1: the newest).
    r = guild(["run", "train", `operation:prepare=${prepares[1]!.slice(0, 6)}`, "-y"]);
    assert.equal(r.stdout, `data from ${prepares[1]}\n`, r.stderr);
    assert.equal((attrOf(runDir(latest().id), "user_flags") as Record<string, AttrValue>)["operation:prepare"], prepares[1]!.slice(0, 6));
    r = guild(["run", "train", "operation:prepare=1", "-y"]);
    assert.equal(r.stdout, `data from ${prepares[1]}\n`, r.stderr);
    train = latest();
    // evaluate: the train run's selected model under trained/, the project file copied and renamed.
    r = guild(["run", "evaluate", "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "model lr=0.1 local data\n");
    const ev = latest();
    assert.equal(fs.readlinkSync(path.join(runDir(ev.id), "trained", "model.txt")), `../../${train.id}/model.txt`);
    assert.equal(fs.lstatSync(path.join(runDir(ev.id), "renamed.txt")).isFile(), true);
    const manifest = fs.readFileSync(path.join(runDir(ev.id), ".guild", "manifest"), "utf8");
    assert.match(manifest, /\nd trained\/model\.txt [0-9a-f]{40} operation:train\nd renamed\.txt [0-9a-f]{40} file:local\.txt\n$/);
    assert.deepEqual(Object.keys(attrOf(runDir(ev.id), "deps") as object), ["local", "operation:train"]);
  });

  test("guild-ls-runs --json | jq walks the lineage; runs info --lineage prints it", { skip: !hasTool("jq") && "no jq" }, () => {
    const ev = latest();
    const r = runShell(
      `guild-ls-runs --json > all.json && id=${ev.id} && while [ -n "$id" ]; do jq -r --arg id "$id" 'select(.id == $id) | .operation' all.json; id=$(jq -r --arg id "$id" 'select(.id == $id) | [.deps[].runs[]] | first // empty' all.json); done`,
      { cwd: root, env: env() },
    );
    assert.equal(r.stdout, "cls:evaluate\ncls:train\ncls:prepare\n", r.stderr);
    const info = guild(["runs", "info", ev.id.slice(0, 8), "--lineage"]);
    const lines = info.stdout.slice(info.stdout.indexOf("lineage:\n")).split("\n");
    assert.equal(lines[1], `  ${ev.id.slice(0, 8)} cls:evaluate (completed)`);
    assert.equal(lines[2], "    local: ../proj/local.txt".replace("../proj", path.relative(runDir(ev.id), proj)));
    assert.match(lines[3]!, /^ {4}operation:train: [0-9a-f]{8} cls:train \(completed\)$/);
    assert.equal(lines[4], `      operation:prepare: ${prepares[1]!.slice(0, 8)} cls:prepare (completed)`);
  });

  test("each error is Guild's one line and leaves no run: ambiguous, unknown, missing file, empty select, cycle", () => {
    // Two prepare runs sharing a prefix (copies of a real one).
    for (const id of ["abcd1111111111111111111111111111", "abcd2222222222222222222222222222"]) {
      fs.cpSync(runDir(prepares[0]!), runDir(id), { recursive: true });
      fs.writeFileSync(path.join(runDir(id), ".guild", "attrs", "id"), `${id}\n`);
    }
    const before = runIds();
    const err = (args: string[]) => {
      const r = guild([...args, "-y"]);
      const lines = r.stderr.split("\n").filter((l) => l.startsWith("guild:"));
      return [r.status, lines];
    };
    const notMet = "guild: run failed because a dependency was not met: ";
    const [status, lines] = err(["run", "train", "operation:prepare=abcd"]) as [number, string[]];
    assert.equal(status, 1);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /^guild: run failed because a dependency was not met: could not resolve 'operation:prepare' in operation:prepare resource: 'abcd' matches more than one prepare run \((abcd1111, abcd2222|abcd2222, abcd1111)\): use a longer id prefix$/,
    );
    assert.deepEqual(err(["run", "train", "operation:prepare=ffff0000"]), [
      1,
      [`${notMet}could not resolve 'operation:prepare' in operation:prepare resource: no suitable run for prepare matching 'ffff0000'`],
    ]);
    assert.deepEqual(err(["run", "picky"]), [
      1,
      [`${notMet}could not resolve 'operation:prepare' in operation:prepare resource: nothing resolved for operation:prepare`],
    ]);
    assert.deepEqual(err(["run", "loop-a"]), [1, [`${notMet}dependency cycle in the guild file: cls:loop-a -> cls:loop-b -> cls:loop-a`]]);
    assert.deepEqual(err(["run", "undefined-res"]), [
      1,
      [`${notMet}resource 'data' required by operation 'cls:undefined-res' is not defined`],
    ]);
    assert.equal(
      (err(["run", "web"])[1] as string[])[0],
      `${notMet}'url:' sources are not supported by guildts ('https://example.com/data.csv' in https://example.com/data.csv resource required by operation 'cls:web')`,
    );
    fs.renameSync(path.join(proj, "local.txt"), path.join(proj, "local.txt.away"));
    try {
      assert.deepEqual(err(["run", "evaluate"]), [
        1,
        [`${notMet}could not resolve 'file:local.txt' in local resource: cannot find source file 'local.txt'`],
      ]);
    } finally {
      fs.renameSync(path.join(proj, "local.txt.away"), path.join(proj, "local.txt"));
    }
    assert.deepEqual(runIds(), before);
    for (const id of ["abcd1111111111111111111111111111", "abcd2222222222222222222222222222"]) fs.rmSync(runDir(id), { recursive: true });
  });

  test("--restart resolves again: a new operation:prepare=RUN relinks; the same one is skipped as Guild does", () => {
    assert.equal(guild(["run", "train", `operation:prepare=${prepares[1]}`, "-y"]).status, 0);
    const train = latest();
    let r = guild(["run", "--restart", train.id, `operation:prepare=${prepares[0]!.slice(0, 8)}`, "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `data from ${prepares[0]}\n`);
    assert.equal(fs.readlinkSync(path.join(runDir(train.id), "data.txt")), `../${prepares[0]}/data.txt`);
    const deps = attrOf(runDir(train.id), "deps") as Record<string, Record<string, Record<string, AttrValue>>>;
    assert.equal(deps["operation:prepare"]!["operation:prepare"]!.config, prepares[0]);
    r = guild(["run", "--restart", train.id, "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Skipping resolution of operation:prepare because it's already resolved\n/);
    assert.equal(r.stdout, `data from ${prepares[0]}\n`);
  });

  test("--stage resolves the upstream run's id but places nothing; --start places it", () => {
    const r = guild(["run", "train", "--stage", "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Skipping resolution of operation:prepare because it's being staged/);
    const staged = latest();
    assert.equal(fs.existsSync(path.join(runDir(staged.id), "data.txt")), false);
    assert.equal(attrText(runDir(staged.id), "deps"), "operation:prepare: {}\n");
    const s = guild(["run", "--start", staged.id, "-y"]);
    assert.equal(s.status, 0, s.stderr);
    assert.equal(s.stdout, `data from ${prepares[0]}\n`);
    assert.equal(fs.readlinkSync(path.join(runDir(staged.id), "data.txt")), `../${prepares[0]}/data.txt`);
  });
});

describe("requires: in a batch", () => {
  test("each trial gets the upstream run (resolved once, as the proto's flag) linked and recorded", () => {
    const root = tempDir("guildts-deps-batch-");
    const proj = path.join(root, "proj");
    const home = path.join(root, "home");
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, "guild.yml"), GUILD_YML);
    fs.writeFileSync(path.join(proj, "prepare.py"), 'import os\nopen("data.txt", "w").write(os.environ["RUN_ID"] + "\\n")\n');
    fs.writeFileSync(path.join(proj, "train.py"), 'lr = 0.1\nprint("data from", open("data.txt").read().strip(), lr)\n');
    const env = { GUILD_HOME: home, NO_PIP_FREEZE: "1" };
    const guild = (args: string[]) => runCommand("guild", args, { cwd: proj, env });
    assert.equal(guild(["run", "prepare", "-y"]).status, 0);
    const prep = (JSON.parse(runCommand("guild-rev-parse-run", ["--json", "1"], { env }).stdout) as Rec).id;
    const r = guild(["run", "train", "lr=[0.3,0.4]", "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `data from ${prep} 0.3\ndata from ${prep} 0.4\n`);
    assert.equal(r.stderr.split("\n").filter((l) => l === "Resolving operation:prepare").length, 1);
    const trials = runCommand("guild-ls-runs", ["--json"], { env })
      .stdout.split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Rec)
      .filter((t) => t.operation === "cls:train");
    assert.equal(trials.length, 2);
    for (const t of trials) {
      assert.deepEqual(t.deps, { "operation:prepare": { runs: [prep], paths: [`../${prep}/data.txt`] } });
      assert.equal(fs.readlinkSync(path.join(home, "runs", t.id, "data.txt")), `../${prep}/data.txt`);
    }
  });
});

describe("guild-file keys this project does not implement are never dropped silently", () => {
  test("a key that changes what runs is an error naming it and the operation (no run); any other a warning", () => {
    const root = tempDir("guildts-keys-");
    const proj = path.join(root, "proj");
    const home = path.join(root, "home");
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, "guild.yml"), "piped:\n  steps: [calm]\ncalm:\n  main: calm\n  stoppable: yes\n  tags: [x]\n");
    fs.writeFileSync(path.join(proj, "calm.py"), 'print("calm")\n');
    const guild = (args: string[]) => runCommand("guild", [...args, "-y"], { cwd: proj, env: { GUILD_HOME: home, NO_PIP_FREEZE: "1" } });
    for (const [op, key] of [["piped", "steps"]]) {
      const r = guild(["run", op!]);
      assert.deepEqual(
        [r.status, r.stderr],
        [1, `guild: operation '${op}' uses '${key}', which guildts does not implement (it changes what runs)\n`],
      );
    }
    assert.equal(fs.existsSync(path.join(home, "runs")) && fs.readdirSync(path.join(home, "runs")).length > 0, false);
    const r = guild(["run", "calm"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "calm\n");
    assert.equal(
      r.stderr,
      "WARNING: operation 'calm': 'stoppable' is not implemented by guildts - ignoring\nWARNING: operation 'calm': 'tags' is not implemented by guildts - ignoring\n",
    );
  });
});
