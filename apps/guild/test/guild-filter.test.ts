import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { fixtureDir, placeFixture, runCommand, type PlacedFixture } from "@guildts/testkit";

/** NAME, CWD, COMMAND of the batch fixture's recorded Guild commands. */
function recorded(): { name: string; command: string }[] {
  const tsv = fs.readFileSync(path.join(fixtureDir("guild-0.9-batch-home"), "expected", "COMMANDS.tsv"), "utf8");
  return tsv
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"))
    .map(([name, , command]) => ({ name: name!, command: command! }));
}

/** A recorded command line as argv (single quotes as the shell reads them). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(1);
}

/** The `[INDEX:ID]` column of a runs table. */
const rows = (table: string) => [...table.matchAll(/^\[(\d+):([0-9a-f]{8})\]/gm)].map((m) => `${m[1]}:${m[2]}`);

describe("filters on the batch home written by Guild 0.9.1: what Guild's own -F, -Fs, -Fo, -Ft, -Fm, -Fn, -Fc, -Fl, -S select", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture("guild-0.9-batch-home");
  });
  const guild = (args: string[]) => runCommand("guild", args, { env: fx.env, cwd: fx.alice });
  const filterCommands = recorded().filter((c) => /^(F-|Fs-|Ft-|Fm|Fn-|Fc-|Fl-|Sp-Ss|Se$|runs-list-a-Fo)/.test(c.name));

  test("every recorded filter listing selects the same runs at the same indexes (same bytes where the rows are plain)", () => {
    assert.ok(filterCommands.length >= 30, `${filterCommands.length} commands`);
    for (const { name, command } of filterCommands) {
      const r = guild(words(command));
      const expected = fx.expected(`${name}.stdout`);
      assert.equal(r.status, Number(fx.expected(`${name}.exit`)), `${command}: ${r.stderr}`);
      assert.deepEqual(rows(r.stdout), rows(expected), command);
      // Batch (`train+`) and marked rows are another issue's table work; plain rows are byte-identical.
      if (!/\+ \(cls\)|\[marked\]/.test(expected)) assert.equal(r.stdout, expected, command);
    }
  });

  test("bad filters and ranges: Guild's message first (then what was expected), a usage error", () => {
    for (const { name, command } of recorded().filter((c) => /^err-Fs?-/.test(c.name))) {
      const r = guild(words(command));
      const guildLines = fx.expected(`${name}.stderr`).split("\n");
      assert.equal(r.stdout, "", command);
      assert.equal(r.status, 2, command); // Guild exits 1; a bad option value is a usage error here
      assert.ok(r.stderr.startsWith(guildLines[0]!), `${command}: ${r.stderr}`);
      if (guildLines[1]?.startsWith("Try ")) assert.ok(r.stderr.includes(guildLines[1]), r.stderr);
      assert.ok(!r.stderr.includes("    at "), r.stderr);
    }
  });

  test("the plumbing takes the same filters: guild-ls-runs and guild-rev-parse-run agree with the table", () => {
    const expr = "acc > 0.5 and epochs = 2";
    const table = rows(guild(["runs", "list", "-a", "-F", expr]).stdout).map((r) => r.split(":")[1]);
    const ls = runCommand("guild-ls-runs", ["-F", expr, "--json"], { env: fx.env, cwd: fx.alice });
    assert.equal(ls.status, 0, ls.stderr);
    const lsIds = ls.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { id: string }).id.slice(0, 8));
    assert.deepEqual(lsIds, table);
    const rp = runCommand("guild-rev-parse-run", ["--short", "-F", expr, ":"], { env: fx.env, cwd: fx.alice });
    assert.equal(rp.status, 0, rp.stderr);
    assert.deepEqual(rp.stdout.trim().split("\n"), table);
    const bad = runCommand("guild-ls-runs", ["-F", "lr ="], { env: fx.env, cwd: fx.alice });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^guild-ls-runs: syntax error in filter - unexpected end of expresion; expected a value/);
  });

  test("Guild's spellings: -Fo=VAL, -Sec, -S ec, last of --error/--not-error wins, a letter beats --not-*, -Fx is -F x", () => {
    const ids = (args: string[]) => rows(guild(["runs", "list", "-a", ...args]).stdout).map((r) => r.split(":")[1]);
    assert.deepEqual(ids(["-Fo=prepare"]), ["73dbf462"]);
    assert.deepEqual(ids(["--operation", "prepare"]), ["73dbf462"]);
    const errOrStaged = ["e85c5ae5", "8aa8ecf1", "27fa170b", "71aed6fc"];
    assert.deepEqual(ids(["-Ses"]), errOrStaged);
    assert.deepEqual(ids(["-S", "es"]), errOrStaged);
    assert.deepEqual(ids(["-Se", "-Ss"]), errOrStaged);
    assert.deepEqual(ids(["-E", "--staged"]), errOrStaged);
    assert.deepEqual(ids(["--not-error", "--error"]), ["27fa170b", "71aed6fc"]);
    assert.deepEqual(ids(["--error", "--not-error"]).length, 13);
    assert.deepEqual(ids(["--not-error", "-Se"]), ["27fa170b", "71aed6fc"]);
    assert.deepEqual(ids(["--not-error", "-E"]), ["27fa170b", "71aed6fc"]);
    assert.deepEqual(ids(["--not-completed", "--not-staged", "--not-error"]), ["8d698590"]);
    // click reads -Flr=0.1 as -F 'lr=0.1'
    assert.deepEqual(ids(["-Flr=0.1"]), ids(["-F", "lr = 0.1"]));
    assert.equal(ids(["-Flr=0.1"]).length, 2);
    // An option's value is never read as a Guild spelling.
    assert.deepEqual(ids(["--label=-Se"]), []);
    assert.deepEqual(ids(["-Fl", "-Se"]), []);
    assert.deepEqual(ids(["-Fo", "-Fo"]), []);
    const dash = guild(["runs", "list", "-F", "-Se"]); // the expression '-Se', not the option
    assert.match(dash.stderr, /^guild: syntax error in filter at position 0: unexpected character '-'/);
    const badChar = guild(["runs", "list", "-Sx"]);
    assert.equal(badChar.status, 2);
    assert.match(badChar.stderr, /^guild: unrecognized status char 'x' in option '-S'\n/);
    // -Fd: the source code digest's prefix
    const digest = fs
      .readFileSync(
        path.join(
          fx.home,
          "runs",
          fs.readdirSync(path.join(fx.home, "runs")).find((n) => n.startsWith("fcc97919"))!,
          ".guild",
          "attrs",
          "sourcecode_digest",
        ),
        "utf8",
      )
      .trim();
    const same = ids(["-Fd", digest.slice(0, 6)]);
    assert.ok(same.includes("fcc97919"), same.join(" "));
    assert.deepEqual(ids(["-Fd", "zzzz"]), []);
    // Tags in expressions (beyond Guild) agree with -Ft.
    assert.deepEqual(ids(["-F", "tag = good"]), ids(["-Ft", "good"]));
    assert.deepEqual(ids(["-F", "tag = good and not tag = review"]), ["c0aab7cb"]);
    // Comments: -Fc '-' is runs without comments.
    assert.ok(!ids(["-Fc", "-"]).includes("fcc97919"));
  });

  test("the filter options are on every command that selects runs, with --help naming them", () => {
    for (const words of [["runs", "list"], ["runs", "info"], ["runs", "delete"], ["runs", "label"], ["compare"], ["ls-runs"]]) {
      const help = guild([...words, "--help"]).stdout;
      for (const opt of ["-F, --filter", "--operation", "--started", "--not-error"])
        assert.ok(help.includes(opt), `${words.join(" ")} --help: ${opt}`);
    }
    const info = guild(["runs", "info", "-F", "lr = 0.2", "-Fo", "train"]);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /^id: c0aab7cb/); // the newest of the two lr=0.2 runs
  });

  test("guild-ls-runs --json --scalars adds {key: {last, step, min, max, count}}; compare --json is that record plus run, time, columns", () => {
    const ls = runCommand("guild-ls-runs", ["--json", "--scalars", "-F", "run = fcc97919"], { env: fx.env, cwd: fx.alice });
    assert.equal(ls.status, 0, ls.stderr);
    const rec = JSON.parse(ls.stdout) as Record<string, unknown> & {
      scalars: Record<string, { last: number; step: number; min: number; max: number; count: number }>;
    };
    const plain = JSON.parse(
      runCommand("guild-ls-runs", ["--json", "-F", "run = fcc97919"], { env: fx.env, cwd: fx.alice }).stdout,
    ) as Record<string, unknown>;
    assert.deepEqual(Object.keys(rec), [...Object.keys(plain), "scalars"]);
    assert.deepEqual(Object.keys(rec.scalars).sort(), ["acc", "examples", "loss"]);
    const acc = rec.scalars.acc!;
    assert.deepEqual(Object.keys(acc), ["last", "step", "min", "max", "count"]);
    assert.equal(acc.count, 2);
    assert.equal(acc.step, 2);
    assert.ok(acc.min <= acc.last && acc.last <= acc.max);
    const bad = runCommand("guild-ls-runs", ["--scalars"], { env: fx.env, cwd: fx.alice });
    assert.deepEqual([bad.status, bad.stderr.split("\n")[0]], [2, "guild-ls-runs: --scalars needs --json"]);

    const cmp = guild(["compare", "--json", "-c", "max acc", "--max", "acc", "--top", "2", "-Fo", "train"]);
    assert.equal(cmp.status, 0, cmp.stderr);
    const lines = cmp.stdout
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as Record<string, unknown> & {
            id: string;
            columns: Record<string, unknown>;
            scalars: Record<string, { max: number }>;
          },
      );
    assert.equal(lines.length, 2);
    const first = lines[0]!;
    for (const k of ["id", "dir", "tags", "marked", "exit_status", "flags", "scalars", "run", "time", "columns"]) assert.ok(k in first, k);
    assert.equal(first.columns.acc, first.scalars.acc!.max);
    assert.ok((first.columns.acc as number) >= (lines[1]!.columns.acc as number));
    const same = runCommand("guild-ls-runs", ["--json", "--scalars", "-F", `id = ${first.id}`], { env: fx.env, cwd: fx.alice });
    const { run, time, columns, ...rest } = first;
    assert.deepEqual(rest, JSON.parse(same.stdout));
    assert.equal(run, first.id.slice(0, 8));
    assert.equal(typeof time, "string");
    assert.ok(columns);
  });
});
