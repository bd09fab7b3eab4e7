import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { placeFixture, runCommand, runShell, type PlacedFixture } from "@guildts/testkit";

describe("guild on the home written by Guild 0.9.1: output compared with Guild's own", {}, () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
  });
  const guild = (args: string[], cwd?: string) => runCommand("guild", args, { env: fx.env, cwd: cwd ?? fx.alice });

  /** Same stdout bytes and exit status as the recorded Guild command. */
  function sameAsGuild(args: string[], name: string, cwd?: string): void {
    const r = guild(args, cwd);
    assert.equal(r.stdout, fx.expected(`${name}.stdout`), `guild ${args.join(" ")} vs ${name}`);
    assert.equal(r.status, Number(fx.expected(`${name}.exit`)), `exit status of guild ${args.join(" ")}`);
  }

  test("runs list: the same table, byte for byte (from the home and from a project)", () => {
    sameAsGuild(["runs", "list"], "runs-list");
    sameAsGuild(["runs"], "runs-list");
    sameAsGuild(["runs", "list", "-a"], "runs-list-a");
    sameAsGuild(["runs", "list", "-a"], "mnist-runs-list-a", fx.mnist);
  });

  test("filtered lists match Guild's -Se, -St -Se, -Fo, -Fl, -Ft and --deleted outputs", () => {
    sameAsGuild(["runs", "list", "-E"], "runs-list-a-Se");
    sameAsGuild(["runs", "list", "-ET"], "runs-list-a-St-Se");
    sameAsGuild(["runs", "list", "-o", "train"], "runs-list-a-Fo-train");
    sameAsGuild(["runs", "list", "-l", "baseline"], "runs-list-a-Fl-baseline");
    sameAsGuild(["runs", "list", "baseline"], "runs-list-a-Fl-baseline");
    sameAsGuild(["runs", "list", "-t", "candidate"], "runs-list-a-Ft-candidate");
    sameAsGuild(["runs", "list", "--deleted"], "runs-list-a-deleted");
  });

  test("runs info: the same fields, flags and scalars, byte for byte", () => {
    sameAsGuild(["runs", "info"], "runs-info-1");
    sameAsGuild(["runs", "info", "1"], "runs-info-1");
    sameAsGuild(["runs", "info", "449af2"], "runs-info-prefix");
    sameAsGuild(["runs", "info", "3"], "runs-info-3");
    // Guild 0.9 has no scope: the guide's local scope needs -a to show the same run from a project.
    sameAsGuild(["runs", "info", "-a", "1"], "mnist-runs-info-1", fx.mnist);
  });

  test("runs info errors: the same exit statuses as Guild, with messages that say more", () => {
    const flags = guild(["runs", "info", "3", "--flags"]);
    assert.equal(flags.status, Number(fx.expected("runs-info-3-flags.exit")));
    assert.equal(flags.stderr, "guild: unknown option '--flags'\nTry 'guild runs info --help' for more information.\n");
    const zzzz = guild(["runs", "info", "zzzz"]);
    assert.deepEqual([zzzz.status, zzzz.stdout], [Number(fx.expected("err-runs-info-zzzz.exit")), ""]);
    assert.equal(zzzz.stderr, "guild: no run matches 'zzzz'\n");
    const n99 = guild(["runs", "info", "99"]);
    assert.equal(n99.status, Number(fx.expected("err-runs-info-99.exit")));
    assert.match(n99.stderr, /^guild: index 99 is out of range: there are 8 runs in this list/);
    const range = guild(["runs", "info", "1:3"]);
    assert.equal(range.status, Number(fx.expected("err-runs-info-range.exit")));
    assert.equal(range.stderr, "guild: '1:3' selects 3 runs: this command takes one run\n");
    const amb = guild(["runs", "info", "e"]);
    assert.equal(amb.status, Number(fx.expected("err-runs-info-ambiguous.exit")));
    // Guild lists the short ids; the candidates here add operation and start time.
    const guildIds = fx
      .expected("err-runs-info-ambiguous.stderr")
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((l) => l.trim());
    const ours = amb.stderr
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/)[0]);
    assert.deepEqual(ours, guildIds);
  });

  test("local scope from a project directory: its runs only, with the guide's note", () => {
    const r = guild(["runs"], fx.mnist);
    assert.equal(r.stderr, "Limiting runs to the current directory (use --all to include all)\n");
    const rows = r.stdout.trim().split("\n");
    assert.equal(rows.length, 6);
    assert.match(rows[0]!, /^\[1:bdc2a0e6\]  mnist:test     2026-11-26 17:42:49  staged      $/);
    assert.equal(guild(["runs", "info"], fx.mnist).stdout.split("\n")[0], "id: bdc2a0e617c94ac287472371e1dc27aa");
  });

  test("--json: Guild's JSON from the porcelain, the plumbing's records from guild-ls-runs", () => {
    const plumbing = runCommand("guild-ls-runs", ["--json"], { env: fx.env, cwd: fx.alice }).stdout.trim().split("\n");
    const porcelain = JSON.parse(guild(["runs", "list", "--json"]).stdout) as { id: string; run_dir: string }[];
    assert.deepEqual(
      porcelain.map((r) => [r.id, r.run_dir]),
      plumbing.map((l) => JSON.parse(l) as { id: string; dir: string }).map((r) => [r.id, r.dir]),
    );
    const info = JSON.parse(guild(["runs", "info", "--json", "3"]).stdout) as Record<string, unknown>;
    assert.equal(info.id, "3d5e4116f7724ef0bf0790850c33478c");
    assert.equal(info.status, "terminated");
    const [last, step] = (info.scalars as Record<string, [number, number]>).acc!;
    assert.equal(step, 3);
    assert.ok(Math.abs(last - 0.892) < 1e-6);
  });

  test("porcelain and plumbing pipeline select the same runs", () => {
    const table = guild(["runs", "list", "-ET"]).stdout;
    const porcelainIds = [...table.matchAll(/^\[\d+:([0-9a-f]{8})\]/gm)].map((m) => m[1]);
    const pipe = runShell("guild-ls-runs -ET --json | guild-rev-parse-run --stdin --short", { env: fx.env, cwd: fx.alice });
    assert.equal(pipe.status, 0, pipe.stderr);
    assert.deepEqual(porcelainIds, pipe.stdout.trim().split("\n"));
    for (const sel of ["1", "2:3", "449af2"]) {
      const info = guild(["runs", "info", sel]).stdout.split("\n")[0]!.slice(4);
      const rp = runCommand("guild-rev-parse-run", ["--verify", sel], { env: fx.env, cwd: fx.alice });
      if (rp.status === 0) assert.equal(info, rp.stdout.trim(), sel);
      else assert.equal(guild(["runs", "info", sel]).status, 1, sel);
    }
    assert.equal(
      guild(["ls-runs", "-ET", "--json"]).stdout,
      runCommand("guild-ls-runs", ["-ET", "--json"], { env: fx.env, cwd: fx.alice }).stdout,
    );
  });
});
