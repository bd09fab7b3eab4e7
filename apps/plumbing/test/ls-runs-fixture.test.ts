import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { placeFixture, runCommand, type PlacedFixture } from "@guildts/testkit";

/** A row of Guild's `runs list` table: `[N:short]  op (dir)  started  status  label`. */
interface GuildRow {
  short: string;
  op: string;
  started: string;
  status: string;
  label: string;
}

function parseGuildTable(text: string): GuildRow[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("["))
    .map((l) => {
      const m = /^\[\d+:([0-9a-f]+)\]\s+(\S+)(?: \([^)]*\))?\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+(\S+)\s*(.*)$/.exec(l);
      assert.ok(m, `unparsed row: ${l}`);
      return { short: m[1]!, op: m[2]!, started: m[3]!, status: m[4]!, label: m[5]! };
    });
}

interface JsonRecord {
  id: string;
  operation: string | null;
  status: string;
  started: number | null;
  stopped: number | null;
  exit_status: number | null;
  label: string | null;
  tags: string[];
  marked: boolean;
  flags: Record<string, unknown>;
  deleted: boolean;
  dir: string;
  opref: { type: string; pkg: string; version: string; model: string; op: string } | null;
}

function records(stdout: string): JsonRecord[] {
  assert.ok(stdout === "" || stdout.endsWith("\n"), "NDJSON ends with a newline");
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonRecord);
}

function fmt(us: number | null): string {
  return us === null ? "" : new Date(Math.floor(us / 1000)).toISOString().slice(0, 19).replace("T", " ");
}

/** Our listing agrees with Guild's table on ids, operations, started, statuses, labels and order. */
function assertSameAsGuild(ours: JsonRecord[], guildStdout: string): void {
  const rows = parseGuildTable(guildStdout);
  assert.equal(ours.length, rows.length, "same number of runs");
  rows.forEach((row, i) => {
    const r = ours[i]!;
    assert.ok(r.id.startsWith(row.short), `row ${i + 1}: id ${r.id} vs ${row.short}`);
    assert.equal(r.operation, row.op, `row ${i + 1}: operation`);
    assert.equal(fmt(r.started), row.started, `row ${i + 1}: started`);
    assert.equal(r.status, row.status, `row ${i + 1}: status`);
    assert.equal(r.label ?? "", row.label, `row ${i + 1}: label`);
  });
}

describe("guild-ls-runs on the home written by Guild 0.9.1", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
  });
  const ls = (args: string[], cwd?: string) => runCommand("guild-ls-runs", args, { env: fx.env, cwd: cwd ?? fx.alice });

  test("lists every run in Guild's order with Guild's ids, operations, statuses and labels", () => {
    const r = ls(["--json"]);
    assert.equal(r.status, 0);
    assert.equal(r.stderr, "", "no scope note outside a project, no warnings");
    assertSameAsGuild(records(r.stdout), fx.expected("runs-list-a.stdout"));
  });

  test("filters agree with Guild's recorded filtered listings", () => {
    const cases: [string[], string][] = [
      [["-E"], "runs-list-a-Se"],
      [["-ET"], "runs-list-a-St-Se"],
      [["-T", "-E"], "runs-list-a-St-Se"],
      [["--error", "--terminated"], "runs-list-a-St-Se"],
      [["-o", "train"], "runs-list-a-Fo-train"],
      [["--op", "train"], "runs-list-a-Fo-train"],
      [["-l", "baseline"], "runs-list-a-Fl-baseline"],
      [["-t", "candidate"], "runs-list-a-Ft-candidate"],
      [["--deleted"], "runs-list-a-deleted"],
    ];
    for (const [args, name] of cases) {
      const r = ls(["--json", ...args]);
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(Number(fx.expected(`${name}.exit`)), 0);
      assertSameAsGuild(records(r.stdout), fx.expected(`${name}.stdout`));
    }
  });

  test("--json records carry Guild's raw values (compared with Guild's own --json)", () => {
    const guild = JSON.parse(fx.expected("runs-list-json.stdout")) as Record<string, unknown>[];
    const ours = records(ls(["--json"]).stdout);
    assert.equal(ours.length, guild.length);
    guild.forEach((g, i) => {
      const r = ours[i]!;
      assert.equal(r.id, g.id);
      assert.equal(r.dir, g.run_dir);
      assert.equal(r.status, g.status);
      assert.equal(r.started, g.started);
      assert.equal(r.stopped, g.stopped);
      assert.equal(r.exit_status, g.exit_status);
      assert.equal(r.label, g.label);
      assert.deepEqual(r.tags, g.tags ?? []);
      assert.equal(r.marked, Boolean(g.marked));
      assert.equal(r.deleted, false);
      assert.ok(r.opref, "every fixture run has an opref");
      const o = r.opref;
      const text = `${o.type}:${o.pkg} ${o.version} ${o.model || "''"} ${o.op}`;
      assert.equal(text, g.opref);
    });
  });

  test("flags keep Guild's types: ints, floats (1.0 stays 1.0), booleans, strings", () => {
    const line = ls(["--json", "-T"]).stdout.trim();
    assert.match(line, /"flags":\{"batch":64,"epochs":50,"fail":false,"lr":0\.1,"optimizer":"sgd","sleep":1\.0\}/);
    const iris = records(ls(["--json", "-o", "finetune"]).stdout)[0]!;
    assert.deepEqual(iris.flags, { c: 0.5, kernel: "linear" });
  });

  test("a model definition in the cwd limits the listing to its runs, with the note; -a lifts it", () => {
    const local = ls(["--json"], fx.mnist);
    assert.equal(local.status, 0);
    assert.equal(local.stderr, "Limiting runs to the current directory (use --all to include all)\n");
    const ops = records(local.stdout).map((r) => r.operation);
    assert.deepEqual(ops, ["mnist:test", "mnist:train", "mnist:train", "mnist:train", "mnist:train", "mnist:prepare"]);
    const all = ls(["--json", "-a"], fx.mnist);
    assert.equal(all.stderr, "");
    assertSameAsGuild(records(all.stdout), fx.expected("mnist-runs-list-a.stdout"));
    const iris = records(ls(["--json"], fx.iris).stdout).map((r) => r.operation);
    assert.deepEqual(iris, ["finetune", "train"]);
  });

  test("plain output: one tab-separated line per run; -z: NUL-terminated ids", () => {
    const plain = ls([]).stdout.split("\n");
    assert.equal(plain.length, 9);
    assert.equal(plain[0], "b3ca74ef2b61404097cf2424324d6d46\tfinetune\t2026-11-26 17:42:52\tcompleted\tc=0.5 kernel=linear");
    assert.equal(plain[1], "bdc2a0e617c94ac287472371e1dc27aa\tmnist:test\t2026-11-26 17:42:49\tstaged\t");
    const ids = records(ls(["--json", "-ET"]).stdout).map((r) => r.id);
    assert.equal(ids.length, 2);
    assert.equal(ls(["-z", "-ET"]).stdout, ids.map((id) => id + "\0").join(""));
  });
});
