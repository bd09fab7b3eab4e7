import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { placeFixture, runCommand, tempDir, type PlacedFixture } from "@guildts/testkit";

describe("guild compare (table, CSV, JSON) against Guild 0.9.1's recorded output", {}, () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
  });
  const guild = (args: string[], cwd?: string) => runCommand("guild", args, { env: fx.env, cwd: cwd ?? fx.alice });

  test("--csv - and --table: the same bytes as Guild (flags union, last scalars, Python floats, truncation)", () => {
    assert.equal(guild(["compare", "--csv", "-"]).stdout, fx.expected("compare-csv.stdout"));
    assert.equal(guild(["compare", "--csv"]).stdout, fx.expected("compare-csv.stdout"));
    assert.equal(guild(["compare", "--table"]).stdout, fx.expected("compare-table.stdout"));
    assert.equal(guild(["compare", "-a", "--csv", "-"], fx.mnist).stdout, fx.expected("mnist-compare-csv.stdout"));
  });

  test("--csv FILE writes the file and counts its data rows exactly (Guild issue #174)", () => {
    const file = path.join(tempDir(), "runs.csv");
    const r = guild(["compare", "-ET", "--csv", file]);
    assert.deepEqual([r.status, r.stderr], [0, `Wrote 2 row(s) to ${file}\n`]);
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /^3d5e4116,mnist:train,/);
    const none = guild(["compare", "-R", "--csv", file]);
    assert.deepEqual([none.status, none.stderr, fs.readFileSync(file, "utf8")], [0, `Wrote 0 row(s) to ${file}\n`, ""]);
  });

  test("--csv FILE in a missing directory: one line naming it, exit 5, no directory made (issue 12)", () => {
    const dir = path.join(tempDir(), "missing");
    const file = path.join(dir, "runs.csv");
    const r = guild(["compare", "--csv", file]);
    assert.deepEqual([r.status, r.stderr], [5, `guild: cannot write ${JSON.stringify(file)}: its directory does not exist\n`]);
    assert.equal(fs.existsSync(dir), false);
  });

  test("--json: one object per run with flags and scalars; selectors and filters apply", () => {
    const lines = guild(["compare", "--json", "1:3"])
      .stdout.trim()
      .split("\n")
      .map(
        (l) => JSON.parse(l) as { run: string; flags: Record<string, unknown>; scalars: Record<string, { last: number; step: number }> },
      );
    assert.deepEqual(
      lines.map((l) => l.run),
      ["b3ca74ef", "bdc2a0e6", "3d5e4116"],
    );
    assert.deepEqual(lines[0]!.flags, { c: 0.5, kernel: "linear" });
    assert.equal(lines[2]!.scalars.acc!.step, 3);
    assert.match(guild(["compare", "--json", "3"]).stdout, /"sleep":1\.0/);
  });

  test("two output options at once is a usage error naming them", () => {
    const r = guild(["compare", "--table", "--csv", "-"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^guild: --table and --csv cannot both be specified\nTry 'guild compare --help'/);
  });

  test("a label with commas and quotes is quoted as RFC 4180 asks", () => {
    const r = runCommand("guild", ["runs", "label", "1", 'a, "b"', "-y"], { env: fx.env, cwd: fx.alice });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      guild(["compare", "--csv", "-", "1"]).stdout.split("\n")[1]!,
      /^b3ca74ef,finetune,2026-11-26 17:42:52,0:00:00,completed,"a, ""b""",0\.5,/,
    );
  });
});

describe("guild compare columns and sorting", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
  });
  const csv = (args: string[]) => {
    const r = runCommand("guild", ["compare", "--csv", "-", ...args], { env: fx.env, cwd: fx.alice });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(","));
  };

  test("--cols adds flag, attr and qualified scalar columns; 'as' renames", () => {
    const rows = csv(["-o", "mnist:train", "--cols", "max acc as best, acc step, =lr as rate, .exit_status"]);
    const h = rows[0]!;
    for (const name of ["best", "acc step", "rate", "exit_status"]) assert.ok(h.includes(name), name);
    const row = (id: string) => rows.find((r) => r[0] === id)!;
    assert.equal(row("2f4b9d7b")[h.indexOf("exit_status")], "3");
    assert.equal(row("3d5e4116")[h.indexOf("acc step")], "3");
    assert.equal(row("3d5e4116")[h.indexOf("rate")], "0.1");
  });

  test("an unknown column is an error naming it, not an empty column (Guild issue #206)", () => {
    const r = runCommand("guild", ["compare", "--table", "--cols", "acurracy"], { env: fx.env, cwd: fx.alice });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^guild: unknown column 'acurracy': no selected run has a scalar 'acurracy'\n/);
    const f = runCommand("guild", ["compare", "--table", "--cols", "=nope"], { env: fx.env, cwd: fx.alice });
    assert.match(f.stderr, /unknown column 'nope': no selected run has a flag 'nope'/);
  });

  test("--min/--max sort with missing values last; --top keeps the first N", () => {
    const sorted = csv(["--min", "loss"]);
    const col = sorted[0]!.indexOf("loss");
    const losses = sorted.slice(1).map((r) => r[col]!);
    const present = losses.filter((v) => v !== "").map(Number);
    assert.deepEqual(
      present,
      [...present].sort((a, b) => a - b),
    );
    assert.ok(present.length >= 5 && present.length < losses.length);
    assert.ok(
      losses.slice(present.length).every((v) => v === ""),
      "runs without loss come last",
    );
    const top = csv(["--max", "acc", "--top", "2"]);
    assert.equal(top.length, 3);
    const accs = top.slice(1).map((r) => Number(r[top[0]!.indexOf("acc")]));
    assert.ok(accs[0]! >= accs[1]!);
    const bad = runCommand("guild", ["compare", "--table", "--min", "zzz"], { env: fx.env, cwd: fx.alice });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown column 'zzz' for sorting/);
  });
});

describe("guild compare on a generated home with scalars", () => {
  test("one row per run, the scalars' last values and steps, JSON and CSV agree", async () => {
    const { generateHome } = await import("@guildts/testkit");
    const home = generateHome({ runs: 25, seed: 3, scalars: true });
    const env = { GUILD_HOME: home };
    const csv = runCommand("guild", ["compare", "--csv", "-"], { env }).stdout.trim().split("\n");
    assert.equal(csv.length, 26);
    const header = csv[0]!.split(",");
    assert.ok(
      ["step", "acc", "loss"].every((h) => header.includes(h)),
      header.join(","),
    );
    const json = runCommand("guild", ["compare", "--json"], { env })
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { run: string; scalars: Record<string, { last: number; step: number }> });
    const withLoss = json.filter((r) => r.scalars.loss);
    assert.ok(withLoss.length > 5);
    for (const r of withLoss) {
      const row = csv.find((l) => l.startsWith(r.run))!.split(",");
      assert.equal(Number(row[header.indexOf("loss")]), r.scalars.loss!.last);
      assert.equal(Number(row[header.indexOf("step")]), r.scalars.loss!.step);
    }
  });
});

describe("guild compare --csv through a CSV parser", () => {
  test("parses back to the same values as --json: quotes, commas and newlines survive", async () => {
    const { parse } = await import("csv-parse/sync");
    const fx = placeFixture();
    const env = fx.env;
    const label = 'tricky, "quoted"\nsecond line';
    assert.equal(runCommand("guild", ["runs", "label", "449af2", label, "-y"], { env, cwd: fx.alice }).status, 0);
    const text = runCommand("guild", ["compare", "--csv", "-"], { env, cwd: fx.alice }).stdout;
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const json = runCommand("guild", ["compare", "--json"], { env, cwd: fx.alice })
      .stdout.trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as { run: string; label: string | null; flags: Record<string, unknown>; scalars: Record<string, { last: number }> },
      );
    assert.equal(rows.length, json.length);
    rows.forEach((row, i) => {
      const j = json[i]!;
      assert.equal(row.run, j.run);
      assert.equal(row.label, j.label ?? "");
      if (j.scalars.loss) assert.equal(Number(row.loss), j.scalars.loss.last);
      for (const [k, v] of Object.entries(j.flags)) {
        if (typeof v === "number") assert.equal(Number(row[k]), v, `${j.run} ${k}`);
        else assert.equal(row[k], typeof v === "boolean" ? (v ? "True" : "False") : String(v), `${j.run} ${k}`);
      }
    });
    assert.equal(rows.find((r) => r.run === "449af203")!.label, label);
  });
});
