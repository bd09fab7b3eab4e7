import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { generateHome, placeFixture, runCommand, runShell, tempDir } from "@guildts/testkit";

interface Outcome {
  id: string;
  outcome: string;
  reason?: string;
}
const outcomes = (stdout: string): Outcome[] =>
  stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Outcome);
const ids = (home: string, deleted = false) =>
  runCommand("guild-ls-runs", ["-z", ...(deleted ? ["--deleted"] : [])], { env: { GUILD_HOME: home } })
    .stdout.split("\0")
    .filter(Boolean)
    .sort();

describe("guild-mark-deleted, guild-restore-deleted, guild-purge-deleted", () => {
  test("delete moves runs whole into Guild's trash layout, restore brings them back", () => {
    const home = generateHome({ runs: 6, seed: 12 });
    const env = { GUILD_HOME: home };
    const [a, b] = ids(home);
    const before = fs.readdirSync(path.join(home, "runs", a!, ".guild", "attrs")).sort();
    const r = runCommand("guild-mark-deleted", ["--json", a!, b!], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(outcomes(r.stdout), [
      { id: a, outcome: "deleted" },
      { id: b, outcome: "deleted" },
    ]);
    assert.ok(!fs.existsSync(path.join(home, "runs", a!)));
    assert.deepEqual(fs.readdirSync(path.join(home, "trash", "runs", a!, ".guild", "attrs")).sort(), before);
    assert.deepEqual(ids(home, true), [a, b].sort());
    // Deleting again is no error.
    const again = runCommand("guild-mark-deleted", [a!], { env });
    assert.deepEqual([again.status, again.stdout], [0, `already-deleted\t${a}\n`]);
    const back = runCommand("guild-restore-deleted", ["--json", a!], { env });
    assert.deepEqual(outcomes(back.stdout), [{ id: a, outcome: "restored" }]);
    assert.ok(ids(home).includes(a!));
    assert.equal(runCommand("guild-restore-deleted", [a!], { env }).stdout, `already-restored\t${a}\n`);
  });

  test("unknown ids, running runs and path-like ids fail per run with a reason and exit 1", () => {
    const home = generateHome({ runs: 3, seed: 13 });
    const env = { GUILD_HOME: home };
    const [a, b] = ids(home);
    const child = spawn("sleep", ["30"]);
    try {
      fs.writeFileSync(path.join(home, "runs", b!, ".guild", "LOCK"), String(child.pid));
      fs.rmSync(path.join(home, "runs", b!, ".guild", "attrs", "exit_status"), { force: true });
      fs.rmSync(path.join(home, "runs", b!, ".guild", "STAGED"), { force: true });
      fs.rmSync(path.join(home, "runs", b!, ".guild", "PENDING"), { force: true });
      const r = runCommand("guild-mark-deleted", ["--json", a!, "0123456789abcdef0123456789abcdef", b!, "../etc", "a/b"], { env });
      assert.equal(r.status, 1);
      const o = outcomes(r.stdout);
      assert.deepEqual(
        o.map((x) => x.outcome),
        ["deleted", "not-found", "refused", "failed", "failed"],
      );
      assert.equal(o[2]!.reason, `running (pid ${child.pid})`);
      assert.match(o[3]!.reason!, /invalid run id/);
      assert.ok(fs.existsSync(path.join(home, "runs", b!)), "the running run is left alone");
    } finally {
      child.kill();
    }
  });

  test("restore never overwrites a run of the same id", () => {
    const home = generateHome({ runs: 2, seed: 14 });
    const env = { GUILD_HOME: home };
    const [a] = ids(home);
    runCommand("guild-mark-deleted", [a!], { env });
    fs.cpSync(path.join(home, "trash", "runs", a!), path.join(home, "runs", a!), { recursive: true });
    fs.writeFileSync(path.join(home, "runs", a!, "marker"), "the live copy");
    const r = runCommand("guild-restore-deleted", ["--json", a!], { env });
    assert.equal(r.status, 1);
    assert.deepEqual(outcomes(r.stdout), [{ id: a, outcome: "refused", reason: "runs/ already holds a run with this id" }]);
    assert.equal(fs.readFileSync(path.join(home, "runs", a!, "marker"), "utf8"), "the live copy");
    assert.ok(fs.existsSync(path.join(home, "trash", "runs", a!)));
  });

  test("purge removes deleted runs (and live ones with --live) without following symlinks out", () => {
    const home = generateHome({ runs: 4, seed: 15 });
    const env = { GUILD_HOME: home };
    const [a, b, c] = ids(home);
    const outside = tempDir();
    fs.writeFileSync(path.join(outside, "precious"), "keep me");
    fs.symlinkSync(outside, path.join(home, "runs", a!, "data-link"));
    fs.symlinkSync(path.join(outside, "precious"), path.join(home, "runs", a!, ".guild", "file-link"));
    runCommand("guild-mark-deleted", [a!], { env });
    const notDeleted = runCommand("guild-purge-deleted", ["--json", b!], { env });
    assert.equal(notDeleted.status, 1);
    assert.match(outcomes(notDeleted.stdout)[0]!.reason!, /not deleted/);
    const p = runCommand("guild-purge-deleted", ["--json", a!], { env });
    assert.deepEqual([p.status, outcomes(p.stdout)], [0, [{ id: a, outcome: "purged" }]]);
    assert.ok(!fs.existsSync(path.join(home, "trash", "runs", a!)));
    assert.equal(fs.readFileSync(path.join(outside, "precious"), "utf8"), "keep me");
    assert.deepEqual(fs.readdirSync(path.join(home, "trash", ".purging")), []);
    // A trashed run that is itself a symlink to a directory elsewhere: only the link goes.
    fs.mkdirSync(path.join(home, "trash", "runs"), { recursive: true });
    fs.renameSync(path.join(home, "runs", c!), path.join(outside, c!));
    fs.symlinkSync(path.join(outside, c!), path.join(home, "trash", "runs", c!));
    assert.equal(runCommand("guild-purge-deleted", [c!], { env }).status, 0);
    assert.ok(fs.existsSync(path.join(outside, c!, ".guild", "opref")));
    const live = runCommand("guild-purge-deleted", ["--live", b!], { env });
    assert.deepEqual([live.status, live.stdout], [0, `purged\t${b}\n`]);
    assert.ok(!fs.existsSync(path.join(home, "runs", b!)));
  });

  test("the CI pipeline: guild-ls-runs -ET --json | guild-mark-deleted --stdin --json", () => {
    const home = generateHome({ runs: 40, seed: 16 });
    const env = { GUILD_HOME: home };
    const failed = runCommand("guild-ls-runs", ["-ET", "--json"], { env })
      .stdout.trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { id: string }).id);
    assert.ok(failed.length > 3);
    const r = runShell("guild-ls-runs -ET --json | guild-mark-deleted --stdin --json", { env });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      outcomes(r.stdout).map((o) => [o.id, o.outcome]),
      failed.map((id) => [id, "deleted"]),
    );
    assert.equal(runCommand("guild-ls-runs", ["-ET"], { env }).stdout, "");
    const nothing = runShell("guild-ls-runs -ET --json | guild-mark-deleted --stdin --json", { env });
    assert.deepEqual([nothing.status, nothing.stdout], [0, ""]);
    assert.equal(runCommand("guild-mark-deleted", [], { env }).status, 2);
  });

  test("Guild's deleted run (in the shared fixture) restores, and runs deleted here sit where Guild looks", {}, () => {
    const fx = placeFixture();
    const env = fx.env;
    const guildDeleted = ids(fx.home, true);
    assert.equal(guildDeleted.length, 1);
    assert.ok(guildDeleted[0]!.startsWith("5531f9e7"));
    const r = runCommand("guild-restore-deleted", [guildDeleted[0]!], { env });
    assert.equal(r.status, 0, r.stderr);
    const rec = JSON.parse(runCommand("guild-rev-parse-run", ["--json", "5531f9e7"], { env, cwd: fx.alice }).stdout) as {
      status: string;
      label: string;
    };
    assert.deepEqual([rec.status, rec.label], ["completed", "batch=64 epochs=3 fail=no lr=0.1 optimizer=sgd sleep=0.0"]);
    // Deleting here puts the whole directory where Guild's `runs list --deleted` reads it.
    const id = runCommand("guild-rev-parse-run", ["449af2"], { env, cwd: fx.alice }).stdout.trim();
    const files = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).sort();
    const before = files(path.join(fx.home, "runs", id));
    assert.equal(runCommand("guild-mark-deleted", [id], { env }).status, 0);
    assert.deepEqual(files(path.join(fx.home, "trash", "runs", id)), before);
  });
});
