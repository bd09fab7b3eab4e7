import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { EventFileWriter } from "@guildts/runner";
import { generateHome, runCommand } from "@guildts/testkit";

/**
 * The filter tier (libs/runstore/src/scalar-tier.ts): `guild runs -F EXPR` over flags and
 * scalars answered from cached per-run data keyed by the run's `.guild` stamp. It must select
 * exactly what reading every run selects, and re-read a run whose scalars change.
 */
describe("filter expressions from the filter tier", () => {
  let home: string;
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ GUILD_HOME: home, GUILDTS_INDEX_RACY_MS: "0", GUILDTS_PARALLEL_MIN: "1", ...extra });
  const guild = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCommand("guild", args, { env: env(extra) });
  const tierFile = () => path.join(home, "cache", "guildts", "filter-tier.json");

  before(() => {
    home = generateHome({ runs: 300, scalars: true, seed: 3 });
  });

  test("the same runs, indexes and rows as reading every run, cold and warm", () => {
    const exprs = [
      "lr > 0.01 and acc > 0.5",
      "loss < 0.5 or flag:epochs >= 5",
      "scalar:acc is undefined",
      "not (optimizer = adam) and scalar:loss <= 0.3",
      "batch in [32, 64] and acc > 0.6",
      // Names the tier does not hold go the full way, with the same answer.
      "status = completed and acc > 0.6",
      "tag = best or acc > 0.7",
    ];
    for (const e of exprs) {
      const args = ["runs", "-n", "1000", "-F", e];
      const uncached = guild(args, { GUILDTS_INDEX: "off" });
      assert.equal(uncached.status, 0, uncached.stderr);
      // Cold: by the full listing (more runs to read than GUILDTS_TIER_READ_MAX), which fills the tier.
      fs.rmSync(tierFile(), { force: true });
      const cold = guild(args, { GUILDTS_TIER_READ_MAX: "10" });
      const warm = guild(args);
      assert.equal(cold.stdout, uncached.stdout, `cold: ${e}`);
      assert.equal(warm.stdout, uncached.stdout, `warm: ${e}`);
      assert.equal(warm.stderr, uncached.stderr, `warm stderr: ${e}`);
      assert.ok(/\[1:[0-9a-f]{8}\]/.test(uncached.stdout) || /acc is undefined|adam/.test(e), `${e} selects runs`);
    }
    assert.ok(fs.existsSync(tierFile()), "the tier is written");
    // Read run by run when the tier lacks a few runs.
    fs.rmSync(tierFile(), { force: true });
    const few = guild(["runs", "-n", "1000", "-F", exprs[0]!]);
    assert.equal(few.stdout, guild(["runs", "-n", "1000", "-F", exprs[0]!], { GUILDTS_INDEX: "off" }).stdout);
    const tier = JSON.parse(fs.readFileSync(tierFile(), "utf8"));
    assert.ok(tier.ids.split("/").length > 200, "it holds the home's runs");
  });

  test("a run that starts, logs and ends is re-read each time its scalars can have changed", () => {
    guild(["runs", "-n", "1000", "-F", "acc > 0.5"]); // the tier holds every run
    const runs = fs.readdirSync(path.join(home, "runs"));
    const id = runs.find((r) => fs.readdirSync(path.join(home, "runs", r, ".guild")).some((f) => f.includes(".tfevents.")))!;
    const g = path.join(home, "runs", id, ".guild");
    const shows = (expr: string) => guild(["runs", "-n", "1000", "-F", expr]).stdout.includes(id.slice(0, 8));
    assert.equal(shows("acc = 0.25"), false);
    // A restart: LOCK (held by a live process) in .guild, then new scalars.
    fs.writeFileSync(path.join(g, "LOCK"), String(process.pid));
    fs.rmSync(path.join(g, "attrs", "exit_status"), { force: true });
    const w = new EventFileWriter(g, { host: "test-host", pid: process.pid });
    w.addScalar("acc", 0.25, 1000);
    w.flush();
    assert.equal(shows("acc = 0.25"), true, "the new scalar of a running run is seen");
    // Appended in place while it runs: .guild's stamp does not change, the run is still re-read.
    w.addScalar("acc", 0.5, 2000);
    w.flush();
    assert.equal(shows("acc = 0.25"), false, "the older value no longer matches");
    assert.equal(shows("acc = 0.5"), true, "the appended value is seen");
    // It ends: LOCK removed, exit status written.
    w.close();
    fs.rmSync(path.join(g, "LOCK"));
    fs.writeFileSync(path.join(g, "attrs", "exit_status"), "0\n");
    assert.equal(shows("acc = 0.5"), true, "seen once it ended");
    assert.equal(shows("acc = 0.5"), true, "and from the tier again");
    assert.equal(shows("acc = 0.25"), false);
  });

  test("a damaged tier file is rebuilt, never trusted", () => {
    const args = ["runs", "-n", "1000", "-F", "lr > 0.01 and acc > 0.5"];
    const want = guild(args, { GUILDTS_INDEX: "off" }).stdout;
    fs.writeFileSync(tierFile(), '{"v":1,"root":');
    assert.equal(guild(args).stdout, want);
    assert.equal(guild(args).stdout, want);
  });
});
