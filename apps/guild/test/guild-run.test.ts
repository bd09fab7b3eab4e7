import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { binPath, fixtureDir, runCommand, tempDir } from "@guildts/testkit";

/**
 * `guild run` end to end on copies of the fixture's projects (written for Guild 0.9.1): the runs
 * must be what Guild writes (opref, flags, label, cmd layout, status), and the scripts must see
 * their flags.
 */
interface Rec {
  id: string;
  operation: string;
  status: string;
  label: string | null;
  exit_status: number | null;
  flags: Record<string, unknown>;
}

describe("guild run", () => {
  let root: string;
  let home: string;
  let mnist: string;
  let iris: string;
  before(() => {
    root = tempDir("guildts-run-");
    home = path.join(root, "home");
    mnist = path.join(root, "mnist");
    iris = path.join(root, "iris");
    for (const [from, to] of [
      ["mnist", mnist],
      ["iris", iris],
    ] as const) {
      fs.cpSync(path.join(fixtureDir(), "projects", from), to, { recursive: true });
      for (const f of fs.readdirSync(to)) fs.chmodSync(path.join(to, f), 0o644);
    }
  });
  const guild = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
    runCommand("guild", args, { cwd, env: { GUILD_HOME: home, ...env } });
  const latest = (): Rec => JSON.parse(runCommand("guild-rev-parse-run", ["--json", "1"], { env: { GUILD_HOME: home } }).stdout) as Rec;
  const attr = (id: string, name: string) => fs.readFileSync(path.join(home, "runs", id, ".guild", "attrs", name), "utf8");

  test("a run of mnist:train with a flag: Guild's opref, flags, label; the script sees the flag", () => {
    const r = guild(["run", "train", "epochs=2", "-y"], mnist);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "step: 1\nloss: 0.6\nacc: 0.7\nstep: 2\nloss: 0.36\nacc: 0.82\n");
    const rec = latest();
    assert.deepEqual([rec.operation, rec.status, rec.exit_status], ["mnist:train", "completed", 0]);
    // Byte for byte what Guild 0.9.1 wrote for these values (the fixture's runs).
    assert.equal(attr(rec.id, "flags"), "batch: 64\nepochs: 2\nfail: false\nlr: 0.1\noptimizer: sgd\nsleep: 0.0\n");
    assert.equal(attr(rec.id, "label"), "batch=64 epochs=2 fail=no lr=0.1 optimizer=sgd sleep=0.0\n");
    assert.equal(attr(rec.id, "user_flags"), "epochs: 2\n");
    const opref = fs.readFileSync(path.join(home, "runs", rec.id, ".guild", "opref"), "utf8");
    assert.equal(opref, `guildfile:${mnist}/guild.yml 7d11b1c1c0c60d8ddf75cc4fb676237c mnist train`);
    const cmd = attr(rec.id, "cmd");
    assert.match(
      cmd,
      /- train\n- --\n- --batch\n- '64'\n- --epochs\n- '2'\n- --fail\n- 'false'\n- --lr\n- '0\.1'\n- --optimizer\n- sgd\n- --sleep\n- '0\.0'\n$/,
    );
    // output and output.index: one 9-byte entry per line.
    const out = fs.readFileSync(path.join(home, "runs", rec.id, ".guild", "output"), "utf8");
    const index = fs.readFileSync(path.join(home, "runs", rec.id, ".guild", "output.index"));
    assert.equal(index.length, 9 * out.split("\n").filter(Boolean).length);
    assert.equal(index[8], 0);
    assert.ok(!fs.existsSync(path.join(home, "runs", rec.id, ".guild", "LOCK")));
    // The same source files give Guild's manifest and digest.
    assert.equal(attr(rec.id, "sourcecode_digest"), "6d1356c938c9d57ca2a7e309cc7e5825\n");
    const fixtureRun = fs.readdirSync(path.join(fixtureDir(), "home", "runs")).find((d) => d.startsWith("3d5e4116"))!;
    assert.equal(
      fs.readFileSync(path.join(home, "runs", rec.id, ".guild", "manifest"), "utf8"),
      fs.readFileSync(path.join(fixtureDir(), "home", "runs", fixtureRun, ".guild", "manifest"), "utf8"),
    );
    // Scalars reach runs info.
    const info = guild(["runs", "info"], root);
    assert.match(info.stdout, /scalars:\n  acc: 0\.820000 \(step 2\)\n  loss: 0\.360000 \(step 2\)\n/);
    assert.match(info.stdout, /flags:\n  batch: 64\n  epochs: 2\n  fail: no\n/);
  });

  test("the operation's exit status is the run's and guild's; error and terminated statuses", async () => {
    const failed = guild(["run", "mnist:train", "fail=yes", "-y"], mnist);
    assert.equal(failed.status, 3);
    assert.deepEqual([latest().status, latest().exit_status], ["error", 3]);
    // SIGTERM to guild ends the run as terminated (exit_status -15), guild exits 241 as Guild.
    const child = spawn(process.execPath, [binPath("guild"), "run", "train", "epochs=30", "sleep=0.2", "-y"], {
      cwd: mnist,
      env: { ...process.env, GUILD_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => d.includes("step: 1") && resolve()));
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number];
    assert.equal(code, 241);
    assert.deepEqual([latest().status, latest().exit_status], ["terminated", -15]);
    // Ctrl-C: the script's KeyboardInterrupt ends it as killed by SIGINT (-2), guild exits 254.
    const c2 = spawn(process.execPath, [binPath("guild"), "run", "train", "epochs=30", "sleep=0.2", "-y"], {
      cwd: mnist,
      env: { ...process.env, GUILD_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve) => c2.stdout.on("data", (d: Buffer) => d.includes("step: 1") && resolve()));
    c2.kill("SIGINT");
    const [code2] = (await once(c2, "exit")) as [number];
    assert.equal(code2, 254);
    assert.deepEqual([latest().status, latest().exit_status], ["terminated", -2]);
  });

  test("errors stop before anything is created: unknown flag, bad choice, unknown operation", () => {
    const count = () => (fs.existsSync(path.join(home, "runs")) ? fs.readdirSync(path.join(home, "runs")).length : 0);
    const before = count();
    for (const args of [
      ["run", "train", "nope=1", "-y"],
      ["run", "train", "optimizer=rmsprop", "-y"],
      ["run", "bogus", "-y"],
      ["run", "train", "epochs=abc", "-y"],
    ]) {
      const r = guild(args, mnist);
      assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^guild: |^Unsupported value for 'optimizer' - supported values are:/);
    }
    assert.equal(count(), before);
  });

  test("flag values reach the script verbatim, never through a shell", () => {
    const proj = path.join(root, "echo");
    fs.mkdirSync(proj, { recursive: true });
    fs.writeFileSync(path.join(proj, "guild.yml"), "say:\n  exec: python3 say.py ${msg}\n  flags:\n    msg: hello\n");
    fs.writeFileSync(path.join(proj, "say.py"), "import sys\nprint(repr(sys.argv[1]))\n");
    const r = guild(["run", "say", "msg=$(touch pwned); `touch pwned2`", "-y"], proj);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "'$(touch pwned); `touch pwned2`'\n");
    const rundir = path.join(home, "runs", latest().id);
    for (const dir of [proj, rundir])
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.startsWith("pwned")),
        [],
      );
  });

  test("exec: typed flag values reach the process as Guild encodes them (args, ${flag}, FLAG_*, --start)", () => {
    const proj = path.join(root, "typed");
    fs.mkdirSync(proj, { recursive: true });
    fs.writeFileSync(
      path.join(proj, "guild.yml"),
      [
        "echo:",
        "  exec: python3 echo.py ${lr} ${zero} ${f} ${tiny} ${b} ${i} ${n} ${big} --lr=${lr} '\\${lr}' ${project_dir} ${flag_args}",
        "  flags:",
        "    lr: 1.0",
        "    zero: 0.0",
        "    f: {type: float, default: 2}",
        "    tiny: {type: float, default: 0.00001}",
        "    b: yes",
        "    i: 3",
        "    n: null",
        "    big: 1.0e+20",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(proj, "echo.py"),
      "import os, sys\nprint(sys.argv[1:])\nprint(sorted((k, v) for k, v in os.environ.items() if k.startswith('FLAG_')))\n",
    );
    const r = guild(["run", "echo", "-y"], proj);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /object Object/);
    const [argv, env] = r.stdout.split("\n");
    assert.equal(
      argv,
      `['1.0', '0.0', '2.0', '1e-05', '1', '3', '', '1e+20', '--lr=1.0', '\${lr}', '${proj}', ` +
        "'--b', '1', '--big', '1e+20', '--f', '2.0', '--i', '3', '--lr', '1.0', '--tiny', '1e-05', '--zero', '0.0']",
    );
    assert.equal(
      env,
      "[('FLAG_B', '1'), ('FLAG_BIG', '1e+20'), ('FLAG_F', '2.0'), ('FLAG_I', '3'), ('FLAG_LR', '1.0'), ('FLAG_N', ''), " +
        "('FLAG_TINY', '1e-05'), ('FLAG_ZERO', '0.0')]",
    );
    // The label is format_flag (YAML float spelling, as Guild writes it).
    assert.equal(attr(latest().id, "label"), "b=yes big=1.0e+20 f=2.0 i=3 lr=1.0 tiny=1.0e-05 zero=0.0\n");
    // Values given on the command line, coerced to the flag's type; then a staged run started later.
    const staged = guild(["run", "echo", "f=3", "lr=2", "b=no", "--stage", "-y"], proj);
    assert.equal(staged.status, 0, staged.stderr);
    const started = guild(["run", "--start", latest().id, "-y"], proj);
    assert.equal(started.status, 0, started.stderr);
    const [argv2, env2] = started.stdout.split("\n");
    assert.match(argv2!, /^\['2', '0\.0', '3\.0', '1e-05', '', '3', '', '1e\+20', '--lr=2', /);
    assert.match(env2!, /\('FLAG_B', ''\).*\('FLAG_F', '3\.0'\).*\('FLAG_LR', '2'\).*\('FLAG_ZERO', '0\.0'\)/);
    // A reference to no flag is refused before any run is made, as Guild does.
    fs.writeFileSync(path.join(proj, "guild.yml"), "bad:\n  exec: python3 echo.py ${nope}\n  flags:\n    x: 1\n");
    const bad = guild(["run", "bad", "-y"], proj);
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr, "guild: invalid setting for operation: command contains invalid reference 'nope'\n");
  });

  test("--stage, --print-cmd, --help-op, guild operations, guild train", () => {
    const staged = guild(["run", "test", "--stage", "-y"], mnist);
    assert.equal(staged.status, 0, staged.stderr);
    assert.match(staged.stdout, /^mnist:test staged as [0-9a-f]{32}\nTo start the operation, use 'guild run --start [0-9a-f]{32}'\n$/);
    assert.equal(latest().status, "staged");
    assert.ok(fs.existsSync(path.join(home, "runs", latest().id, ".guild", "ENV")));
    const stagedId = latest().id;
    const start = guild(["run", "--start", stagedId.slice(0, 8), "-y"], mnist);
    assert.equal(start.status, 0, start.stderr);
    assert.equal(start.stdout, "step: 1\ntest_acc: 0.91\n");
    const started = JSON.parse(runCommand("guild-rev-parse-run", ["--json", stagedId], { env: { GUILD_HOME: home } }).stdout) as Rec;
    assert.deepEqual([started.status, started.exit_status], ["completed", 0]);
    const pc = guild(["run", "train", "lr=0.5", "--print-cmd"], mnist);
    assert.equal(pc.status, 0);
    assert.match(pc.stdout, /-um guildts_op_main train -- --batch 64 --epochs 3 --fail false --lr 0\.5 --optimizer sgd --sleep 0\.0\n$/);
    const help = guild(["run", "train", "--help-op"], mnist);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /lr/);
    const ops = guild(["operations"], mnist);
    assert.equal(ops.status, 0);
    assert.match(ops.stdout, /mnist:train/);
    const irisRun = guild(["run", "finetune", "-y"], iris);
    assert.equal(irisRun.status, 0, irisRun.stderr);
    assert.deepEqual(latest().flags, { c: 0.5, kernel: "linear" });
    const train = guild(["train", "-y"], mnist);
    assert.equal(train.status, 0, train.stderr);
    assert.equal(latest().operation, "mnist:train");
  });
});
