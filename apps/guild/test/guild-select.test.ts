import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { placeFixture, runCommand, type PlacedFixture } from "@guildts/testkit";

describe("guild select on the batch home written by Guild 0.9.1", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture("guild-0.9-batch-home");
  });
  const guild = (args: string[]) => runCommand("guild", args, { env: fx.env, cwd: fx.alice });
  const sameAsGuild = (args: string[], name: string) => {
    const r = guild(args);
    assert.equal(r.stdout, fx.expected(`${name}.stdout`), `guild ${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.status, Number(fx.expected(`${name}.exit`)));
  };

  test("the latest run, --max/--min of a scalar or a flag, -s, -A with a filter: Guild's output, byte for byte", () => {
    sameAsGuild(["select"], "select-default");
    sameAsGuild(["select", "--max", "acc"], "select-max-acc");
    sameAsGuild(["select", "--max", "acc", "-s"], "select-max-acc-s");
    sameAsGuild(["select", "--min", "=lr", "-Fo", "train"], "select-min-flag-lr"); // a tie: the newest
    sameAsGuild(["select", "-A", "-Ft", "good"], "select-A-Ft-good");
  });

  test("--attr: formatted fields, else the raw attr as YAML (Guild's -a; -a is the guide's --all here)", () => {
    sameAsGuild(["select", "c0aab7cb", "--attr", "label"], "select-attr-label");
    sameAsGuild(["select", "fcc97919", "--attr", "tags"], "select-attr-tags");
    assert.equal(guild(["select", "73dbf462", "--attr", "marked"]).stdout, "yes\n");
    const id = guild(["select", "f43d2ea1"]).stdout.trim();
    assert.equal(guild(["select", "f43d2ea1", "--attr", "run_dir"]).stdout, `~/.guild/runs/${id}\n`);
    assert.equal(guild(["select", "f43d2ea1", "--attr", "exit_status"]).stdout, "0\n");
    assert.equal(guild(["select", "f43d2ea1", "--path"]).stdout, `${fx.home}/runs/${id}\n`);
    const nope = guild(["select", "1", "--attr", "nope"]);
    assert.deepEqual([nope.status, nope.stdout, nope.stderr], [1, "", "guild: no such run attribute 'nope'\n"]);
    const path = guild(["select", "1", "--attr", "../../../etc/passwd"]);
    assert.deepEqual([path.status, path.stdout], [1, ""]);
  });

  test("runs without the value are never the best (Guild can pick a run with no loss at all)", () => {
    // Guild 0.9.1 answers a staged run without any scalar here (select-min-loss-Fo-train).
    const guildPick = fx.expected("select-min-loss-Fo-train.stdout").trim();
    const ours = guild(["select", "--min", "loss", "-Fo", "train"]);
    assert.equal(ours.status, 0, ours.stderr);
    assert.notEqual(ours.stdout.trim(), guildPick);
    const lowest = guild(["select", "-F", "loss < 0", "-s"]).stdout.trim();
    assert.equal(ours.stdout.trim().slice(0, 8), lowest);
    const json = runCommand("guild-ls-runs", ["--json", "--scalars"], { env: fx.env, cwd: fx.alice })
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; scalars: Record<string, { last: number }> })
      .filter((r) => r.scalars.loss);
    const min = Math.min(...json.map((r) => r.scalars.loss!.last));
    assert.equal(json.find((r) => r.scalars.loss!.last === min)!.id, ours.stdout.trim());
  });

  test("several runs imply -A; errors name the column, the attribute or the clash", () => {
    assert.deepEqual(guild(["select", "1", "2", "-s"]).stdout.trim().split("\n"), ["e85c5ae5", "8aa8ecf1"]);
    const multi = guild(["select", "--max", "acc,loss"]);
    assert.equal(multi.stderr.split("\n")[0], fx.expected("err-select-multi-col.stderr").trim());
    assert.equal(multi.status, 2); // Guild exits 1: a bad option value is a usage error here
    const unknown = guild(["select", "--max", "nope"]);
    assert.deepEqual([unknown.status, unknown.stderr], [1, "guild: unknown column 'nope': no selected run has a scalar 'nope'\n"]);
    assert.match(guild(["select", "--min", "acc", "--max", "acc"]).stderr, /^guild: --min and --max cannot both be specified\n/);
    assert.match(guild(["select", "-s", "--attr", "label"]).stderr, /^guild: --short-id and --attr cannot both be specified\n/);
    const none = guild(["select", "-F", "lr > 100"]);
    assert.equal(none.status, 1);
    assert.equal(guild(["select", "-A", "-F", "lr > 100"]).stderr, "guild: no matching runs\n");
    assert.equal(guild(["select", "1:3"]).status, 1); // one run without -A
  });
});
