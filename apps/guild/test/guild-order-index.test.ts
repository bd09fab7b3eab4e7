import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { generateHome, runCommand } from "@guildts/testkit";

/**
 * `guild runs` (the newest 20 of many) checks the runs it does not show with one stat of their
 * `.guild/` through the order index, and reads the rows it shows. Each test changes the store
 * behind the index and compares with a listing that uses no index at all.
 */
const env = (home: string) => ({ GUILD_HOME: home, GUILDTS_INDEX_RACY_MS: "0", GUILDTS_PARALLEL_MIN: "1" });
const guildRuns = (home: string, args: string[] = []) => runCommand("guild", ["runs", ...args], { env: env(home) });
const truth = (home: string, args: string[] = []) =>
  runCommand("guild", ["runs", ...args], { env: { ...env(home), GUILDTS_INDEX: "off" } });

function warm(runs = 40): { home: string; ids: string[] } {
  const home = generateHome({ runs, seed: 31 });
  guildRuns(home);
  const again = guildRuns(home);
  assert.equal(again.status, 0, again.stderr);
  assert.ok(fs.existsSync(path.join(home, "cache", "guildts", "runs-order.json")), "the order index was written");
  assert.equal(again.stdout, truth(home).stdout);
  const ids = runCommand("guild-ls-runs", ["-z"], { env: { GUILD_HOME: home, GUILDTS_INDEX: "off" } })
    .stdout.split("\0")
    .filter(Boolean);
  return { home, ids };
}

describe("guild runs through the order index", () => {
  test("a restarted run (new started, LOCK come and gone) moves to the top", () => {
    const { home, ids } = warm();
    const oldest = ids[ids.length - 1]!;
    const g = path.join(home, "runs", oldest, ".guild");
    fs.writeFileSync(path.join(g, "LOCK"), "999999999");
    // Guild rewrites `started` in place on a restart.
    const fd = fs.openSync(path.join(g, "attrs", "started"), "r+");
    fs.writeSync(fd, "1999999999000000\n", 0);
    fs.closeSync(fd);
    fs.rmSync(path.join(g, "LOCK"));
    const r = guildRuns(home);
    assert.match(r.stdout.split("\n")[0]!, new RegExp(`^\\[1:${oldest.slice(0, 8)}\\]`));
    assert.equal(r.stdout, truth(home).stdout);
  });

  test("runs added and deleted behind it; a shown run relabelled in place", () => {
    const { home, ids } = warm();
    fs.renameSync(path.join(home, "runs", ids[0]!), path.join(home, "trash-" + ids[0]));
    const label = path.join(home, "runs", ids[1]!, ".guild", "attrs", "label");
    fs.writeFileSync(label, "relabelled\n");
    const other = generateHome({ runs: 3, seed: 77 });
    for (const id of fs.readdirSync(path.join(other, "runs"))) fs.renameSync(path.join(other, "runs", id), path.join(home, "runs", id));
    const r = guildRuns(home);
    assert.equal(r.stdout, truth(home).stdout);
    assert.equal(r.stderr, truth(home).stderr);
    assert.match(r.stderr, /\(42 total\)/);
  });

  test("a damaged order index is rebuilt; filters, -m and local scope agree with no index", () => {
    const { home } = warm();
    fs.writeFileSync(path.join(home, "cache", "guildts", "runs-order.json"), "[oops");
    assert.equal(guildRuns(home).stdout, truth(home).stdout);
    for (const args of [["-m"], ["-E"], ["-n", "3"], ["-o", "train"], ["-L"]]) {
      assert.equal(guildRuns(home, args).stdout, truth(home, args).stdout, args.join(" "));
    }
    const project = path.join(path.dirname(home), "projects", "mnist");
    const local = runCommand("guild", ["runs"], { env: env(home), cwd: project });
    const localTruth = runCommand("guild", ["runs"], { env: { ...env(home), GUILDTS_INDEX: "off" }, cwd: project });
    assert.equal(local.stdout, localTruth.stdout);
    assert.equal(local.stderr, localTruth.stderr);
  });
});
