import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { placeFixture, runCommand, type PlacedFixture } from "@guildts/testkit";

describe("Guild's JSON from the porcelain (runs list --json, runs info --json), runs info -s, runs -s", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture("guild-0.9-batch-home");
  });
  const guild = (args: string[]) => runCommand("guild", args, { env: fx.env, cwd: fx.alice });
  const id = (prefix: string) => guild(["select", prefix]).stdout.trim();

  test("runs list --json: byte for byte what Guild 0.9.1 printed (one array, raw attrs, batch_proto)", () => {
    const r = guild(["runs", "list", "-a", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, fx.expected("runs-list-json.stdout"));
    const limited = guild(["runs", "list", "-a", "--json", "-n", "2"]);
    assert.equal(limited.stdout, r.stdout);
    assert.equal(limited.stderr, "--json option always shows all runs\n");
    // The plumbing keeps its own contract: one record per line.
    const ls = runCommand("guild-ls-runs", ["--json"], { env: fx.env, cwd: fx.alice }).stdout.trim().split("\n");
    assert.equal(ls.length, (JSON.parse(r.stdout) as unknown[]).length);
    const filtered = JSON.parse(guild(["runs", "list", "-a", "--json", "-Ft", "good"]).stdout) as { id: string; tags: string[] }[];
    assert.deepEqual(
      filtered.map((x) => x.tags),
      [["good"], ["good", "review"]],
    );
  });

  test("runs info --json: the text output's fields in order, Guild's values, scalars as [value, step]", () => {
    const r = guild(["runs", "info", "fcc97919", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split("\n").length, 2); // one line
    assert.match(
      r.stdout,
      /^\{"id": "fcc97919[0-9a-f]{24}", "operation": "cls:train", "from": "~\/cls\/guild.yml", "status": "completed", /,
    );
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(info), [
      "id",
      "operation",
      "from",
      "status",
      "started",
      "stopped",
      "marked",
      "label",
      "sourcecode_digest",
      "vcs_commit",
      "run_dir",
      "command",
      "exit_status",
      "pid",
      "tags",
      "flags",
      "scalars",
    ]);
    assert.equal(info.marked, "no");
    assert.equal(info.exit_status, 0);
    assert.equal(info.pid, "");
    assert.equal(info.started, "2026-12-01 21:33:39");
    assert.deepEqual(info.tags, ["good", "review"]);
    assert.deepEqual(info.flags, { epochs: 2, fail: false, lr: 0.1, "operation:prepare": "73dbf46231484e0c9d984c04a09efece" });
    assert.deepEqual((info.scalars as Record<string, unknown>).examples, [5, 0]);
    assert.match(r.stdout, /"examples": \[5\.0, 0\]/); // a float stays a float
    // The text and the JSON say the same.
    const text = guild(["runs", "info", "fcc97919"]).stdout;
    for (const k of ["operation", "from", "status", "started", "label", "run_dir", "command"])
      assert.ok(text.includes(`\n${k}: ${info[k]}\n`), k);
    const batch = JSON.parse(guild(["runs", "info", "71aed6fc", "--json"]).stdout) as Record<string, unknown>;
    assert.deepEqual(batch["proto-flags"], {
      epochs: 2,
      fail: [false, true],
      lr: [0.05, 0.2],
      "operation:prepare": "73dbf46231484e0c9d984c04a09efece",
    });
    assert.equal(
      guild(["runs", "info", "71aed6fc"]).stdout,
      fx.expected("runs-info-batch-error.stdout"), // with its trials' scalars, as Guild shows them
    );
  });

  test("runs info -s/--all-scalars: first, last, min, max, avg, total with Guild's step pairing", () => {
    const text = guild(["runs", "info", "fcc97919", "-s"]).stdout;
    const acc = text.slice(text.indexOf("  acc:\n")).split("\n").slice(0, 7);
    assert.deepEqual(acc, [
      "  acc:",
      "    avg: 0.575000 (step 2)", // avg and total pair with the count
      "    first: 0.450000 (step 1)",
      "    last: 0.700000 (step 2)",
      "    max: 0.700000 (step 1)", // max pairs with min's step (Guild's quirk)
      "    min: 0.450000 (step 1)",
      "    total: 1.150000 (step 2)",
    ]);
    const json = JSON.parse(guild(["runs", "info", "fcc97919", "--all-scalars", "--json"]).stdout) as {
      scalars: Record<string, Record<string, [number, number]>>;
    };
    assert.deepEqual(Object.keys(json.scalars.acc!), ["first", "last", "min", "max", "avg", "total"]);
    assert.deepEqual(json.scalars.acc!.max![1], 1);
    assert.deepEqual(json.scalars.acc!.total![1], 2);
    assert.ok(id("fcc97919").startsWith("fcc97919"));
  });

  test("runs -s: Guild's simplified table", () => {
    const rows = guild(["runs", "list", "-a", "-s", "-Ft", "good"]).stdout.split("\n");
    assert.deepEqual(rows.slice(0, 2), [
      "[1]  cls:train (cls)  completed  best-guess",
      "[2]  cls:train (cls)  completed  epochs=2 fail=no lr=0.1 operation:prepare=73dbf46231484e0c9d984c04a09efece",
    ]);
  });
});
