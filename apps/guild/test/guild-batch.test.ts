import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { binPath, commandEnv, hasTool, placeFixture, runCommand, tempDir, Tmux, type PlacedFixture } from "@guildts/testkit";

/**
 * Batch runs end to end: the Guild-written batch home read as Guild reads it, and batches made
 * here laid out as Guild lays them out (batch spec §1). Trials are `/bin/true` or `sh -c` runs.
 */
interface Rec {
  id: string;
  operation: string;
  status: string;
  label: string | null;
  exit_status: number | null;
  flags: Record<string, unknown>;
  batch: string | null;
  batch_proto: { dir: string; opref: { op: string } | null } | null;
}

const GUILD_YML = `ok:
  exec: /bin/true \${flag_args}
  flags:
    lr: 0.1
    epochs: 1
code:
  exec: sh -c 'exit $0' \${code}
  flags:
    code: 0
nap:
  exec: sh -c 'echo start $0; exec sleep $1' \${i} \${secs}
  flags:
    i: 0
    secs: 0.2
stubborn:
  exec: sh -c 'trap "" TERM; echo start $0; exec sleep $1' \${i} \${secs}
  flags:
    i: 0
    secs: 5
py:
  exec: python3 -c pass
listed:
  exec: /bin/true
  flags:
    x: [1, 2, 3]
`;

describe("guild run: batches made here", () => {
  let project: string;
  let home: string;
  before(() => {
    const root = tempDir("guildts-batch-");
    project = path.join(root, "p");
    home = path.join(root, "home");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "guild.yml"), GUILD_YML);
  });
  const guild = (args: string[], h = home) => runCommand("guild", args, { cwd: project, env: { GUILD_HOME: h } });
  const ls = (args: string[] = [], h = home): Rec[] =>
    runCommand("guild-ls-runs", ["--json", ...args], { env: { GUILD_HOME: h } })
      .stdout.split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Rec);
  const freshHome = () => path.join(tempDir("guildts-batch-home-"), "home");
  const attr = (dir: string, name: string) => fs.readFileSync(path.join(dir, ".guild", "attrs", name), "utf8");
  const attrText = (h: string, id: string, name: string) => attr(path.join(h, "runs", id), name);

  test("a grid batch is laid out as Guild lays it out, file by file", () => {
    const h = freshHome();
    const r = guild(["run", "ok", "lr=[0.1,0.01]", "epochs=[1,2]", "--keep-batch", "-y"], h);
    assert.equal(r.status, 0, r.stderr);
    const runs = ls([], h);
    assert.equal(runs.length, 5);
    const batch = runs.find((x) => x.batch_proto !== null)!;
    const trials = runs.filter((x) => x.batch_proto === null);
    assert.equal(batch.operation, "ok+");
    assert.equal(batch.status, "completed");
    assert.equal(batch.label, null);
    const bdir = path.join(h, "runs", batch.id);
    assert.equal(fs.readFileSync(path.join(bdir, ".guild", "opref"), "utf8"), "builtin:guildai 0.9.1 '' +");
    assert.deepEqual(fs.readdirSync(path.join(bdir, ".guild", "attrs")).sort(), [
      "cmd",
      "deps",
      "env",
      "exit_status",
      "flags",
      "host",
      "id",
      "initialized",
      "objective",
      "op",
      "platform",
      "plugins",
      "random_seed",
      "run_params",
      "sourcecode_digest",
      "started",
      "stopped",
      "user",
      "user_flags",
    ]);
    assert.equal(attr(bdir, "flags"), "{}\n");
    assert.equal(attr(bdir, "user_flags"), "{}\n");
    assert.equal(attr(bdir, "deps"), "{}\n");
    assert.equal(attr(bdir, "objective"), "loss\n");
    assert.equal(attr(bdir, "sourcecode_digest"), "null\n");
    assert.match(attr(bdir, "cmd"), /^- .*\n- -um\n- guild\.batch_main\n$/);
    assert.match(attr(bdir, "env"), /^GUILD_OP: \+$/m);
    assert.match(attr(bdir, "run_params"), /^keep_batch: true$/m);
    // The proto: a run skeleton with id `proto`, PENDING kept, the list values as flags.
    const proto = path.join(bdir, ".guild", "proto");
    assert.ok(fs.existsSync(path.join(proto, ".guild", "PENDING")));
    assert.equal(attr(proto, "id"), "proto\n");
    assert.equal(attr(proto, "flags"), "epochs:\n- 1\n- 2\nlr:\n- 0.1\n- 0.01\n");
    assert.match(fs.readFileSync(path.join(proto, ".guild", "opref"), "utf8"), /^guildfile:.*guild\.yml [0-9a-f]{32} '' ok$/);
    assert.ok(fs.existsSync(path.join(proto, "guild.yml")), "the proto holds the source code");
    // One relative symlink per trial; each trial an ordinary run naming its batch.
    const links = fs.readdirSync(bdir).filter((n) => n !== ".guild");
    assert.deepEqual(links.sort(), trials.map((t) => t.id).sort());
    for (const t of trials) {
      assert.equal(fs.readlinkSync(path.join(bdir, t.id)), `../${t.id}`);
      assert.equal(t.batch, batch.id);
      assert.equal(t.status, "completed");
      assert.equal(t.operation, "ok");
      const tdir = path.join(h, "runs", t.id);
      assert.equal(attr(tdir, "id"), `${t.id}\n`);
      assert.equal(attr(tdir, "random_seed"), attr(proto, "random_seed"));
      assert.equal(attr(tdir, "run_params"), attr(proto, "run_params"));
      assert.equal(attr(tdir, "initialized"), attr(proto, "initialized"));
      assert.ok(!fs.existsSync(path.join(tdir, ".guild", "PENDING")));
    }
    // Grid order: flags sorted by name, each list in its order; newest first in the listing.
    assert.deepEqual(
      trials.map((t) => t.label),
      ["epochs=2 lr=0.01", "epochs=2 lr=0.1", "epochs=1 lr=0.01", "epochs=1 lr=0.1"],
    );
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("INFO: [guild] Running trial "));
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /^INFO: \[guild\] Running trial [0-9a-f]{32}: ok \(epochs=1, lr=0\.1\)$/);
    assert.match(r.stderr, /^Batch [0-9a-f]{8}: 4 trials, 4 completed, 0 failed$/m);
    // --batch: the trials of one batch, in every listing.
    assert.equal(ls(["--batch", batch.id.slice(0, 8)], h).length, 4);
    const listed = runCommand("guild", ["runs", "list", "--batch", batch.id.slice(0, 6)], { cwd: project, env: { GUILD_HOME: h } });
    assert.equal(listed.stdout.trim().split("\n").length, 4);
    const bad = runCommand("guild-ls-runs", ["--batch", "fff"], { env: { GUILD_HOME: h } });
    assert.deepEqual([bad.status, bad.stderr], [1, "guild-ls-runs: no batch run matches 'fff'\n"]);
    // The batch is local to its proto's project: listed there, and compare leaves it out.
    // (Twice: the second listing takes order and scope from the order index, which keeps the proto's opref.)
    for (let i = 0; i < 2; i++) {
      const local = runCommand("guild", ["runs"], { cwd: project, env: { GUILD_HOME: h, GUILDTS_INDEX_RACY_MS: "0" } });
      assert.match(local.stdout, /^\[5:[0-9a-f]{8}\]  ok\+  /m);
      assert.equal(local.stdout.trim().split("\n").length, 5);
    }
    assert.ok(fs.existsSync(path.join(h, "cache", "guildts", "runs-order.json")));
    const cmp = runCommand("guild", ["compare", "--csv", "-"], { cwd: project, env: { GUILD_HOME: h } });
    assert.equal(cmp.stdout.trim().split("\n").length, 5);
    const cmpAll = runCommand("guild", ["compare", "--csv", "-", "--include-batch"], { cwd: project, env: { GUILD_HOME: h } });
    assert.equal(cmpAll.stdout.trim().split("\n").length, 6);
  });

  test("without --keep-batch the batch is deleted on success; its trials keep its id", () => {
    const h = freshHome();
    const r = guild(["run", "listed", "-y"], h);
    assert.equal(r.status, 0, r.stderr);
    const runs = ls([], h);
    assert.deepEqual(
      runs.map((x) => x.flags.x),
      [3, 2, 1],
    );
    const deleted = ls(["--deleted"], h);
    assert.equal(deleted.length, 1);
    assert.equal(deleted[0]!.operation, "listed+");
    for (const t of runs) assert.equal(t.batch, deleted[0]!.id);
    assert.equal(ls(["--batch", deleted[0]!.id], h).length, 3);
    // The trial links of a batch in the trash dangle, by Guild's design: the checker accepts them.
    const check = runCommand("guild-fsck-runs", [], { env: { GUILD_HOME: h } });
    assert.deepEqual([check.status, check.stdout], [0, ""], check.stderr);
  });

  test("--print-trials lists the trials in Guild's order and creates nothing", () => {
    const h = freshHome();
    const r = guild(["run", "ok", "lr=[b,a]", "epochs=[no,yes]", "--print-trials", "--force-flags"], h);
    assert.equal(r.stdout, "#  epochs  lr\n1  no      b\n2  no      a\n3  yes     b\n4  yes     a\n");
    assert.equal(r.status, 0);
    assert.ok(!fs.existsSync(path.join(h, "runs")) || fs.readdirSync(path.join(h, "runs")).length === 0);
    const range = guild(["run", "ok", "epochs=range[1:3]", "lr=linspace[0:1:3]", "--print-trials"], h);
    assert.equal(range.stdout.split("\n").filter(Boolean).length, 10);
    const single = guild(["run", "ok", "--print-trials"], h);
    assert.deepEqual([single.status, single.stderr], [1, "guild: cannot print trials for a non-batch operation\n"]);
  });

  test("random search: seeded, values in range, ints for int bounds, -m trials", () => {
    const args = ["run", "ok", "lr=loguniform[1e-4:0.1]", "epochs=[1:10]", "-m", "7", "--random-seed", "42", "--print-trials"];
    const a = guild(args);
    const b = guild(args);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    const rows = a.stdout.trim().split("\n").slice(1);
    assert.equal(rows.length, 7);
    for (const row of rows) {
      const [, epochs, lr] = row.split(/\s+/);
      assert.match(epochs!, /^\d+$/);
      assert.ok(Number(epochs) >= 1 && Number(epochs) <= 10, row);
      assert.ok(Number(lr) >= 1e-4 && Number(lr) <= 0.1, row);
    }
    assert.notEqual(guild([...args.slice(0, -2), "43", "--print-trials"]).stdout, a.stdout);
    // A list mixed with a function (#199): the list is sampled as a choice; INITIAL goes first.
    const mixed = guild(["run", "ok", "lr=uniform[0.0:1.0:0.5]", "epochs=[7,8]", "-m", "5", "--random-seed", "1", "--print-trials"]);
    const mixedRows = mixed.stdout.trim().split("\n").slice(1);
    assert.equal(mixedRows.length, 5);
    assert.match(mixedRows[0]!, /^1\s+[78]\s+0\.5$/);
    for (const row of mixedRows) assert.match(row, /^\d+\s+[78]\s+0\.\d+$/);
    // Int bounds sample ints.
    const ints = guild(["run", "ok", "epochs=[0:3]", "-m", "5", "--print-trials"]).stdout.trim().split("\n").slice(1);
    for (const row of ints) assert.match(row, /^\d+\s+[0-3]\s+0\.1$/);
    // Without -m, random search runs Guild's default of 20.
    assert.equal(guild(["run", "ok", "lr=[0:1]", "--print-trials"]).stdout.trim().split("\n").length, 21);
  });

  test("batch files: CSV, JSON and YAML trials, merged under the command line's flags", () => {
    const dir = tempDir("guildts-batchfile-");
    fs.writeFileSync(path.join(dir, "t.csv"), "lr,epochs\n0.5,3\n0.25,4\n");
    fs.writeFileSync(path.join(dir, "t.json"), JSON.stringify([{ lr: 0.125 }, { lr: [1, 2] }]));
    fs.writeFileSync(path.join(dir, "t.yml"), "lr: 9\n");
    fs.writeFileSync(path.join(dir, "bad.json"), "123");
    fs.writeFileSync(path.join(dir, "item.json"), "[123]");
    fs.writeFileSync(path.join(dir, "t.txt"), "x");
    const run = (args: string[]) => runCommand("guild", args, { cwd: project, env: { GUILD_HOME: home } });
    const csv = run(["run", "ok", `@${dir}/t.csv`, "--print-trials"]);
    assert.equal(csv.stdout, "#  epochs  lr\n1  3       0.5\n2  4       0.25\n");
    const json = run(["run", "ok", `@${dir}/t.json`, "epochs=9", "--print-trials"]);
    assert.equal(json.stdout, "#  epochs  lr\n1  9       0.125\n2  9       1\n3  9       2\n");
    const h = freshHome();
    const one = runCommand("guild", ["run", "ok", `@${dir}/t.yml`, "-y"], { cwd: project, env: { GUILD_HOME: h } });
    assert.equal(one.status, 0, one.stderr);
    assert.deepEqual(
      ls([], h).map((x) => [x.flags.lr, x.batch_proto]),
      [[9, null]],
    );
    const err = (args: string[]) => {
      const r = run(["run", "ok", ...args, "--print-trials"]);
      return [r.status, r.stderr];
    };
    assert.deepEqual(err([`@${dir}/nope.csv`]), [1, `guild: batch file ${dir}/nope.csv does not exist\n`]);
    assert.deepEqual(err([`@${dir}/t.txt`]), [1, `guild: cannot read trials for ${dir}/t.txt: unsupported extension\n`]);
    assert.deepEqual(err([`@${dir}/bad.json`]), [
      1,
      `guild: cannot read trials for ${dir}/bad.json: invalid data type for trials: expected list or dict, got int\n`,
    ]);
    assert.deepEqual(err([`@${dir}/item.json`]), [
      1,
      `guild: cannot read trials for ${dir}/item.json: invalid data type for trial 123: expected dict\n`,
    ]);
  });

  test("bad input: one-line errors with Guild's texts, nothing created", () => {
    const h = freshHome();
    const err = (args: string[]) => {
      const r = guild(["run", "ok", ...args, "-y"], h);
      return [r.status, r.stderr];
    };
    assert.deepEqual(err(["lr=foo[1:2]"]), [1, "guild: unknown function 'foo' used for flag lr\n"]);
    assert.deepEqual(err(["lr=uniform[a:b]"]), [1, "guild: invalid function args in 'lr=uniform[a:b]': the bounds must be numbers\n"]);
    assert.deepEqual(err(["lr=uniform[1]"]), [1, "guild: uniform requires 2 or 3 args, got (1,) for flag lr\n"]);
    assert.deepEqual(err(["lr=[2:1]"]), [
      1,
      "guild: invalid function args in 'lr=uniform[2:1]': the lower bound 2 has to be less than the upper bound 1\n",
    ]);
    assert.deepEqual(err(["lr=[1,2]", "-o", "bogus"]), [1, "guild: cannot find optimizer 'bogus' (guildts runs '+' and 'random')\n"]);
    const m = guild(["run", "ok", "lr=[1,2]", "-m", "zero", "-y"], h);
    assert.equal(m.status, 2);
    assert.match(m.stderr, /^guild: invalid value for -m\/--max-trials: 'zero' is not a valid integer\n/);
    assert.equal(guild(["run", "ok", "lr=[1,2]", "-m", "0", "-y"], h).status, 2);
    const big = guild(["run", "ok", "lr=range[1:200]", "epochs=range[1:200]", "-y"], h);
    assert.deepEqual(
      [big.status, big.stderr],
      [1, "guild: the batch would run 40000 trials, more than 10000: use -m/--max-trials N to sample N of them (or to run more)\n"],
    );
    const both = guild(["run", "ok", "lr=[1,2]", "--print-trials", "--stage-trials"], h);
    assert.equal(
      both.stderr,
      "guild: --print-trials and --stage-trials cannot both be used\nTry 'guild run --help' for more information.\n",
    );
    assert.ok(!fs.existsSync(path.join(h, "runs")) || fs.readdirSync(path.join(h, "runs")).length === 0, "nothing created");
    // -m on a grid samples (seeded) and keeps the grid's order.
    const sampled = guild(["run", "ok", "lr=range[1:100]", "-m", "3", "--random-seed", "5", "--print-trials"], h);
    const lrs = sampled.stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => Number(l.split(/\s+/)[2]));
    assert.equal(lrs.length, 3);
    assert.deepEqual(
      [...lrs].sort((a, b) => a - b),
      lrs,
    );
    // -m on a single run: Guild's warning, one run.
    const single = guild(["run", "ok", "-m", "3", "-y"], h);
    assert.equal(single.status, 0);
    assert.match(single.stderr, /^WARNING: not a batch run - ignoring --max-trials$/m);
  });

  test("a failing trial: the batch goes on and completes; --fail-on-trial-error stops it with the trial's code", () => {
    const h = freshHome();
    const r = guild(["run", "code", "code=[0,3,0]", "-y"], h);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^ERROR: \[guild\] Trial [0-9a-f]{32} exited with an error \(3\) - see log for details$/m);
    assert.deepEqual(
      ls([], h).map((x) => x.status),
      ["completed", "error", "completed"],
    );
    assert.equal(ls(["--deleted"], h).length, 1, "the completed batch is deleted on success");

    const h2 = freshHome();
    const f = guild(["run", "code", "code=[0,3,0]", "--fail-on-trial-error", "-y"], h2);
    assert.equal(f.status, 3);
    assert.match(f.stderr, /^ERROR: \[guild\] Stopping batch because a trial failed \(pending trials can be started as needed\)$/m);
    const runs = ls([], h2);
    assert.deepEqual(
      runs.map((x) => [x.operation, x.status]),
      // Newest first by `started`: a trial's is rewritten when it starts, a pending one keeps its first.
      [
        ["code", "error"],
        ["code", "completed"],
        ["code", "pending"],
        ["code+", "error"],
      ],
    );
    assert.equal(runs[3]!.exit_status, 3);
  });

  test("--stage-trials stages every trial; each starts later with guild run --start", () => {
    const h = freshHome();
    const r = guild(["run", "ok", "lr=[0.5,0.25]", "--stage-trials", "-y"], h);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.split("\n").filter((l) => /^INFO: \[guild\] Staging trial [0-9a-f]{32}: ok \(/.test(l)).length, 2);
    const staged = ls([], h);
    assert.deepEqual(
      staged.map((x) => x.status),
      ["staged", "staged"],
    );
    const start = guild(["run", "--start", staged[0]!.id, "-y"], h);
    assert.equal(start.status, 0, start.stderr);
    assert.deepEqual(
      ls([], h).map((x) => x.status),
      ["completed", "staged"],
    );
  });

  test("--stage stages the batch itself; guild run --start runs its trials then", () => {
    const h = freshHome();
    const r = guild(["run", "ok", "lr=[1,2]", "--stage", "-y"], h);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ok\+ staged as ([0-9a-f]{32})\nTo start the operation, use 'guild run --start \1'\n$/);
    const staged = ls([], h);
    assert.deepEqual(
      staged.map((x) => [x.operation, x.status]),
      [["ok+", "staged"]],
    );
    const start = guild(["run", "--start", staged[0]!.id, "-y"], h);
    assert.equal(start.status, 0, start.stderr);
    assert.deepEqual(
      ls([], h).map((x) => [x.flags.lr, x.status, x.batch]),
      [
        [2, "completed", staged[0]!.id],
        [1, "completed", staged[0]!.id],
      ],
    );
    assert.equal(ls(["--deleted"], h)[0]!.id, staged[0]!.id, "deleted on success once it ran");
  });

  test("--needed skips a batch whose proto flags match a kept batch", () => {
    const h = freshHome();
    assert.equal(guild(["run", "ok", "lr=[1,2]", "--keep-batch", "-y"], h).status, 0);
    const again = guild(["run", "ok", "lr=[1,2]", "--keep-batch", "--needed", "-y"], h);
    assert.equal(again.status, 0);
    assert.match(
      again.stdout,
      /^Skipping because the following runs match this operation \(--needed specified\):\n  \[1:[0-9a-f]{8}\]  ok\+/,
    );
    assert.equal(ls([], h).length, 3);
    assert.equal(guild(["run", "ok", "lr=[1,3]", "--needed", "-y"], h).status, 0);
    assert.equal(ls([], h).length, 5);
  });

  test("-bl/-bt label and tag the batch only; --restart reruns a run in place, a batch with new trials", () => {
    const h = freshHome();
    const r = guild(["run", "ok", "lr=[1,2]", "-bl", "sweep one", "-bt", "b", "-bt", "a", "--keep-batch", "-y"], h);
    assert.equal(r.status, 0, r.stderr);
    const runs = ls([], h);
    const batch = runs.find((x) => x.batch_proto !== null)!;
    assert.deepEqual([batch.label, (batch as unknown as { tags: string[] }).tags], ["sweep one", ["a", "b"]]);
    assert.deepEqual(
      runs.filter((x) => x.batch_proto === null).map((x) => x.label),
      ["epochs=1 lr=2", "epochs=1 lr=1"],
    );
    // A trial restarted with a new flag value: same id and directory, flags and label rewritten.
    const trial = runs[0]!;
    const re = guild(["run", "--restart", trial.id.slice(0, 8), "epochs=5", "-y"], h);
    assert.equal(re.status, 0, re.stderr);
    const after = ls([], h).find((x) => x.id === trial.id)!;
    assert.deepEqual([after.status, after.flags.epochs, after.label], ["completed", 5, "epochs=5 lr=2"]);
    assert.equal(attrText(h, trial.id, "user_flags"), "epochs: 5\n");
    const needed = guild(["run", "--restart", trial.id, "epochs=5", "--needed", "-y"], h);
    assert.deepEqual([needed.status, needed.stdout], [0, "Skipping run because flags have not changed (--needed specified)\n"]);
    const op = guild(["run", "ok", "--restart", trial.id, "-y"], h);
    assert.deepEqual(
      [op.status, op.stderr],
      [1, "guild: OPERATION cannot be used with --restart\nTry 'guild run --help' for more information.\n"],
    );
    // --proto: a new run from the trial's operation, flags (overridden) and source code.
    const proto = guild(["run", "--proto", trial.id, "lr=4", "-y"], h);
    assert.equal(proto.status, 0, proto.stderr);
    const made = ls([], h)[0]!;
    assert.notEqual(made.id, trial.id);
    assert.deepEqual([made.flags, made.batch], [{ epochs: 5, lr: 4 }, null]);
    assert.equal(attrText(h, made.id, "sourcecode_digest"), attrText(h, trial.id, "sourcecode_digest"));
    assert.equal(
      fs.readFileSync(path.join(h, "runs", made.id, ".guild", "manifest"), "utf8"),
      fs.readFileSync(path.join(h, "runs", trial.id, ".guild", "manifest"), "utf8"),
    );
    assert.ok(fs.existsSync(path.join(h, "runs", made.id, "guild.yml")));
    fs.rmSync(path.join(h, "runs", made.id), { recursive: true });
    // Restarting the batch makes new trials from its proto (lr=[3] from the command line); old ones stay.
    const rb = guild(["run", "--restart", batch.id, "lr=[3]", "-y"], h);
    assert.equal(rb.status, 0, rb.stderr);
    const all = ls([], h);
    assert.equal(all.length, 4);
    assert.equal(all[0]!.flags.lr, 3);
    assert.equal(all[0]!.batch, batch.id);
    assert.equal(fs.readdirSync(path.join(h, "runs", batch.id)).filter((n) => n !== ".guild").length, 3);
  });

  test("--jobs 2 runs every trial once: no trial lost or run twice", () => {
    const h = freshHome();
    const r = guild(["run", "nap", "i=[1,2,3,4,5,6]", "--jobs", "2", "--keep-batch", "-y"], h);
    assert.equal(r.status, 0, r.stderr);
    const trials = ls([], h).filter((x) => x.batch_proto === null);
    assert.equal(trials.length, 6);
    assert.deepEqual(trials.map((t) => t.flags.i).sort(), [1, 2, 3, 4, 5, 6]);
    for (const t of trials) {
      assert.equal(t.status, "completed");
      const out = fs.readFileSync(path.join(h, "runs", t.id, ".guild", "output"), "utf8");
      assert.equal(out, `start ${t.flags.i}\n`, "each trial ran once, its own output only");
    }
    assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("start ")).length, 6);
  });

  test("SIGTERM mid-batch stops the running trial and the batch; the rest stay pending and start later", async () => {
    const h = freshHome();
    const child = spawn(process.execPath, [binPath("guild"), "run", "nap", "i=[1,2,3]", "secs=5", "-y"], {
      cwd: project,
      env: commandEnv({ GUILD_HOME: h }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b));
    const started = new Promise<void>((resolve) =>
      child.stdout.on("data", (b: Buffer) => {
        stdout += b;
        if (stdout.includes("start 1")) resolve();
      }),
    );
    await started;
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    assert.equal(code, 241, stderr);
    assert.match(stderr, /^INFO: \[guild\] Stopping trial \(proc \d+\)$/m);
    assert.match(stderr, /^INFO: \[guild\] Trial [0-9a-f]{32} was terminated$/m);
    assert.match(stderr, /^INFO: \[guild\] Stopping batch \(pending trials can be started as needed\)$/m);
    const runs = ls([], h);
    assert.deepEqual(
      runs.map((x) => [x.operation, x.status]),
      [
        ["nap", "terminated"],
        ["nap", "pending"],
        ["nap", "pending"],
        ["nap+", "terminated"],
      ],
    );
    const start = guild(["run", "--start", runs[1]!.id, "secs=0", "-y"], h);
    assert.equal(start.status, 0, start.stderr);
    const after = ls([], h);
    assert.deepEqual([after[0]!.id, after[0]!.status, after[0]!.flags.secs], [runs[1]!.id, "completed", 0]);
  });
  test("a trial that ignores SIGTERM is killed after the wait (Guild: 30 s; here lowered)", async () => {
    const h = freshHome();
    const child = spawn(process.execPath, [binPath("guild"), "run", "stubborn", "i=[1,2]", "-y"], {
      cwd: project,
      env: commandEnv({ GUILD_HOME: h, GUILDTS_BATCH_KILL_AFTER_MS: "300" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b));
    await new Promise<void>((resolve) => child.stdout.on("data", (b: Buffer) => String(b).includes("start 1") && resolve()));
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    assert.equal(code, 241, stderr);
    assert.match(stderr, /^INFO: \[guild\] Forcefully terminating trial \(proc \d+\)$/m);
    assert.deepEqual(
      ls([], h).map((x) => [x.status, x.exit_status]),
      [
        ["terminated", -9],
        ["pending", null],
        ["terminated", -15],
      ],
    );
  });

  test("a Python operation records pip_freeze as Guild's python_script plugin does (not with NO_PIP_FREEZE=1)", () => {
    const hasPip = spawnSync("python3", ["-m", "pip", "--version"]).status === 0;
    const h = freshHome();
    assert.equal(guild(["run", "py", "-y"], h).status, 0);
    assert.equal(guild(["run", "ok", "-y"], h).status, 0);
    const [ok, py] = ls([], h);
    const freeze = (id: string) => path.join(h, "runs", id, ".guild", "attrs", "pip_freeze");
    assert.equal(fs.existsSync(freeze(py!.id)), hasPip, "a python op has it when pip is there");
    if (hasPip) assert.match(fs.readFileSync(freeze(py!.id), "utf8"), /^- \S+==\S+$/m);
    assert.ok(!fs.existsSync(freeze(ok!.id)), "not for a non-Python op");
    const off = runCommand("guild", ["run", "py", "-y"], { cwd: project, env: { GUILD_HOME: h, NO_PIP_FREEZE: "1" } });
    assert.equal(off.status, 0);
    assert.ok(!fs.existsSync(freeze(ls([], h)[0]!.id)));
  });

  test("--needed on a single run: skipped when a completed run has the same operation and flags", () => {
    const h = freshHome();
    assert.equal(guild(["run", "ok", "lr=0.5", "-y"], h).status, 0);
    const again = guild(["run", "ok", "lr=0.5", "--needed", "-y"], h);
    assert.equal(again.status, 0);
    assert.match(
      again.stdout,
      /^Skipping because the following runs match this operation \(--needed specified\):\n  \[1:[0-9a-f]{8}\]  ok  /,
    );
    assert.equal(guild(["run", "ok", "lr=0.25", "--needed", "-y"], h).status, 0);
    assert.equal(ls([], h).length, 2);
  });
});

describe("guild on the batch home written by Guild 0.9.1: output compared with Guild's own", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture("guild-0.9-batch-home");
  });
  const guild = (args: string[], cwd?: string) => runCommand("guild", args, { env: fx.env, cwd: cwd ?? fx.alice });
  function sameAsGuild(args: string[], name: string, cwd?: string): void {
    const r = guild(args, cwd);
    assert.equal(r.stdout, fx.expected(`${name}.stdout`), `guild ${args.join(" ")} vs ${name}`);
    assert.equal(r.status, Number(fx.expected(`${name}.exit`)), `exit status of guild ${args.join(" ")}`);
  }

  test("runs list: batches as cls:train+ (cls), from the home and from the project", () => {
    sameAsGuild(["runs", "list", "-a"], "runs-list-a");
    sameAsGuild(["runs", "list", "--deleted"], "runs-list-deleted");
    sameAsGuild(["runs", "list", "-a"], "cls-runs-list-a", fx.cls);
  });

  test("runs info of a batch: proto-flags and its trials' scalars; of trials: as any run", () => {
    sameAsGuild(["runs", "info", "943210ab"], "runs-info-batch");
    sameAsGuild(["runs", "info", "71aed6fc"], "runs-info-batch-error");
    for (const [id, name] of [
      ["f43d2ea1", "runs-info-trial"],
      ["8d698590", "runs-info-trial-pending"],
      ["e85c5ae5", "runs-info-trial-staged"],
      ["27fa170b", "runs-info-trial-error"],
    ] as const)
      sameAsGuild(["runs", "info", id], name);
  });

  test("compare leaves batches out unless --include-batch", () => {
    sameAsGuild(["compare", "--csv", "-"], "compare-csv");
    sameAsGuild(["compare", "--csv", "-", "--include-batch"], "compare-csv-include-batch");
    sameAsGuild(["compare", "--table"], "compare-table");
    sameAsGuild(["compare", "--table", "--include-batch"], "compare-table-include-batch");
  });

  test("guild-ls-runs --json: batch and batch_proto, and --batch lists one batch's trials", () => {
    const recs = runCommand("guild-ls-runs", ["--json"], { env: fx.env })
      .stdout.split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Rec);
    const by = (p: string) => recs.find((r) => r.id.startsWith(p))!;
    assert.equal(by("f43d2ea1").batch, by("943210ab").id);
    assert.equal(by("8d698590").batch, by("71aed6fc").id);
    assert.equal(by("4d69486c").batch, null);
    // The staged trials' batch is in the trash: a listing of runs/ does not know it.
    assert.equal(by("e85c5ae5").batch, null);
    assert.deepEqual(by("943210ab").batch_proto, {
      dir: path.join(fx.home, "runs", by("943210ab").id, ".guild", "proto"),
      opref: {
        type: "guildfile",
        pkg: path.join(fx.cls, "guild.yml"),
        version: "5fa2d235c5ebbe36e663a1d8ab710df1",
        model: "cls",
        op: "train",
      },
    });
    assert.equal(by("f43d2ea1").batch_proto, null);
    const trials = runCommand("guild-ls-runs", ["--batch", "71aed6fc", "-z"], { env: fx.env }).stdout.split("\0").filter(Boolean);
    assert.deepEqual(trials.map((t) => t.slice(0, 8)).sort(), ["109b77ae", "27fa170b", "8d34c2b1", "8d698590"]);
  });
});

describe("a batch in a terminal (tmux): the prompt and the progress", { skip: !hasTool("tmux") && "needs tmux" }, () => {
  const term = new Tmux("batch");
  let project: string;
  let home: string;
  before(() => {
    const root = tempDir("guildts-batch-tty-");
    project = path.join(root, "p");
    home = path.join(root, "home");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "guild.yml"), GUILD_YML);
    term.start(160, 40, project, `env -i PATH='${process.env.PATH}' GUILD_HOME='${home}' TZ=UTC TERM=xterm-256color PS1='$ ' sh`);
    term.keys(`alias guild='${process.execPath} ${binPath("guild")}'`, "Enter");
  });
  after(() => term.kill());

  test("the preview asks (default no, nothing created); on a terminal stderr shows trial N/M and the counts", async () => {
    term.keys("clear", "Enter");
    term.keys("guild run ok 'lr=[1,2,3]'; echo EXIT=$?", "Enter");
    await term.waitFor(/Continue\?/);
    assert.match(term.screen(), /You are about to run ok as a batch \(3 trials\)\n  epochs: 1\n  lr: \[1, 2, 3\]/);
    term.keys("n", "Enter");
    // Declined: exit 4 and one word, as every prompt of guildts (issue 20).
    await term.waitFor(/\(y\/N\) n\nCancelled\.\nEXIT=4/);
    assert.ok(!fs.existsSync(path.join(home, "runs")) || fs.readdirSync(path.join(home, "runs")).length === 0);
    term.keys("clear", "Enter");
    term.keys("guild run code 'code=[0,3,0]' -y; echo EXIT=$?", "Enter");
    const screen = await term.waitFor(/^Batch .*\n(.*\n)*EXIT=0/m);
    assert.match(screen, /trial 1\/3 \(0 completed, 0 failed\)$/m);
    assert.match(screen, /^trial 3\/3 \(1 completed, 1 failed\)$/m);
    assert.match(screen, /^Batch [0-9a-f]{8}: 3 trials, 2 completed, 1 failed \(batch run deleted on success; --keep-batch keeps it\)$/m);
  });
});
