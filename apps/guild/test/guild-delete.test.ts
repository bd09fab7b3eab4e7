import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { generateHome, repoRoot, runCommand, runShell } from "@guildts/testkit";

const guild = (home: string, args: string[]) => runCommand("guild", args, { env: { GUILD_HOME: home } });
const ids = (home: string, args: string[] = []) =>
  runCommand("guild-ls-runs", ["-z", ...args], { env: { GUILD_HOME: home } })
    .stdout.split("\0")
    .filter(Boolean);

describe("guild runs delete / rm / restore / purge", () => {
  test("rm -ET -y deletes exactly the failed runs; again: nothing to delete (exit 0)", () => {
    const home = generateHome({ runs: 30, seed: 41 });
    const failed = ids(home, ["-ET"]);
    const others = ids(home).filter((id) => !failed.includes(id));
    const r = guild(home, ["runs", "rm", "-ET", "-y"]);
    assert.deepEqual([r.status, r.stderr], [0, `Deleted ${failed.length} run(s)\n`]);
    assert.deepEqual(ids(home).sort(), others.sort());
    assert.deepEqual(ids(home, ["--deleted"]).sort(), failed.sort());
    const again = guild(home, ["runs", "delete", "-ET", "-y"]);
    assert.deepEqual([again.status, again.stderr], [0, "Nothing to delete.\n"]);
  });

  test("no runs and no filter is an error, not 'every run' (Guild's foot-gun); ':' asks for all", () => {
    const home = generateHome({ runs: 5, seed: 42 });
    const r = guild(home, ["runs", "rm", "-y"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no runs given: name them \(1, 2:5, an id\), use a filter \(-E, -o OP\.\.\.\), or ':' for every run/);
    assert.equal(ids(home).length, 5);
    assert.deepEqual([guild(home, ["runs", "rm", ":", "-y"]).stderr], ["Deleted 5 run(s)\n"]);
  });

  test("without a terminal and without -y nothing is deleted; --dry-run only lists", () => {
    const home = generateHome({ runs: 6, seed: 43 });
    const r = guild(home, ["runs", "rm", "1:2"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not deleting 2 run\(s\): no terminal to confirm on/);
    const dry = guild(home, ["runs", "rm", "1:2", "--dry-run"]);
    assert.equal(dry.status, 0);
    assert.equal(dry.stdout.split("\n").filter((l) => l.startsWith("[")).length, 2);
    assert.equal(dry.stderr, "Dry run: 2 run(s) would be deleted\n");
    assert.equal(ids(home).length, 6);
  });

  test("restore and purge select among deleted runs, as `guild runs --deleted` lists them", () => {
    const home = generateHome({ runs: 8, seed: 44 });
    guild(home, ["runs", "rm", "1:4", "-y"]);
    const deleted = runCommand("guild-rev-parse-run", ["--deleted", ":"], { env: { GUILD_HOME: home } })
      .stdout.trim()
      .split("\n");
    assert.equal(deleted.length, 4);
    const restore = guild(home, ["runs", "restore", "2", "-y"]);
    assert.deepEqual([restore.status, restore.stderr], [0, "Restored 1 run(s)\n"]);
    assert.ok(ids(home).includes(deleted[1]!));
    const purge = guild(home, ["runs", "purge", "-y"]);
    assert.deepEqual([purge.status, purge.stderr], [0, "Permanently deleted 3 run(s)\n"]);
    assert.deepEqual(ids(home, ["--deleted"]), []);
    assert.deepEqual([guild(home, ["runs", "purge", "-y"]).stderr], ["Nothing to purge.\n"]);
    assert.deepEqual([guild(home, ["runs", "restore", "-y"]).stderr], ["Nothing to restore.\n"]);
    const perm = guild(home, ["runs", "rm", "-p", "1", "-y"]);
    assert.deepEqual([perm.status, perm.stderr], [0, "Permanently deleted 1 run(s)\n"]);
    assert.equal(ids(home).length, 4);
    assert.deepEqual(ids(home, ["--deleted"]), []);
  });

  test("the porcelain and the plumbing pipeline delete the same runs", () => {
    const a = generateHome({ runs: 25, seed: 45 });
    const b = generateHome({ runs: 25, seed: 45 });
    guild(a, ["runs", "rm", "-E", "-o", "train", "-y"]);
    const p = runShell("guild-ls-runs -E -o train --json | guild-rev-parse-run --stdin | guild-mark-deleted --stdin", {
      env: { GUILD_HOME: b },
    });
    assert.equal(p.status, 0, p.stderr);
    assert.deepEqual(ids(a).sort(), ids(b).sort());
    assert.deepEqual(ids(a, ["--deleted"]).sort(), ids(b, ["--deleted"]).sort());
    assert.ok(ids(a, ["--deleted"]).length > 0);
  });

  test("scripts/prune-runs.mjs: deletes failed runs, purges deleted runs older than the age; exit 0 when nothing", () => {
    const home = generateHome({ runs: 30, deleted: 4, seed: 46 });
    const failed = ids(home, ["-ET"]);
    const script = path.join(repoRoot(), "scripts", "prune-runs.mjs");
    const r = runShell(`node '${script}' --home '${home}' --purge-older-than 30d`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`deleted ${failed.length} failed run\\(s\\)`));
    // The generated runs date from January 2026: all deleted runs are older than 30 days.
    assert.deepEqual(ids(home, ["--deleted"]), []);
    assert.deepEqual(ids(home, ["-ET"]), []);
    const again = runShell(`node '${script}' --home '${home}' --purge-older-than 30d`);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /deleted 0 failed run\(s\), purged 0/);
    void fs;
  });
});
