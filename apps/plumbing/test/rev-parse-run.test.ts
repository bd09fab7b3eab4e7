import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { generateHome, placeFixture, runCommand, runShell, type PlacedFixture } from "@guildts/testkit";

const FIXTURE_ORDER = ["b3ca74ef", "bdc2a0e6", "3d5e4116", "2f4b9d7b", "e372a2f0", "449af203", "485079a0", "e8cf6838"];

describe("guild-rev-parse-run on the Guild 0.9.1 fixture", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
  });
  const rp = (args: string[], opts: { cwd?: string; input?: string } = {}) =>
    runCommand("guild-rev-parse-run", args, {
      env: fx.env,
      cwd: opts.cwd ?? fx.alice,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
  const short = (stdout: string) =>
    stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => l.slice(0, 8));

  test("every selector form of the runs guide", () => {
    const cases: [string[], string[]][] = [
      [["1"], ["b3ca74ef"]],
      [["8"], ["e8cf6838"]],
      [["2:3"], ["bdc2a0e6", "3d5e4116"]],
      [["7:"], ["485079a0", "e8cf6838"]],
      [[":2"], ["b3ca74ef", "bdc2a0e6"]],
      [[":"], FIXTURE_ORDER],
      [["449af2"], ["449af203"]],
      [["e8cf6838"], ["e8cf6838"]],
      [
        ["e372a2f0", "3", "1"],
        ["b3ca74ef", "3d5e4116", "e372a2f0"],
      ],
      [
        ["1:2", "2", "b3ca"],
        ["b3ca74ef", "bdc2a0e6"],
      ],
    ];
    for (const [args, want] of cases) {
      const r = rp(args);
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr, "");
      assert.deepEqual(short(r.stdout), want, args.join(" "));
      for (const line of r.stdout.trim().split("\n")) assert.match(line, /^[0-9a-f]{32}$/);
    }
  });

  test("indexes count within the filters and the scope", () => {
    assert.deepEqual(short(rp(["-E", "1"]).stdout), ["2f4b9d7b"]);
    assert.deepEqual(short(rp(["-ET", ":"]).stdout), ["3d5e4116", "2f4b9d7b"]);
    assert.deepEqual(short(rp(["-o", "train", "1"]).stdout), ["3d5e4116"]);
    const local = rp(["1"], { cwd: fx.mnist });
    assert.deepEqual(short(local.stdout), ["bdc2a0e6"]);
    assert.equal(local.stderr, "Limiting runs to the current directory (use --all to include all)\n");
    assert.deepEqual(short(rp(["-a", "1"], { cwd: fx.mnist }).stdout), ["b3ca74ef"]);
    assert.deepEqual(short(rp(["--deleted", "1"]).stdout), ["5531f9e7"]);
    // A prefix outside the filter does not match, even when read directly.
    assert.equal(rp(["-E", "449af203"]).status, 1);
  });

  test("an ambiguous prefix lists the candidates with operation and start time", () => {
    const r = rp(["e"]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      "guild-rev-parse-run: 'e' matches 2 runs: give more characters of the id\n" +
        "  e372a2f0  mnist:train  2026-11-26 17:42:36\n" +
        "  e8cf6838  train        2026-11-26 17:42:24\n",
    );
  });

  test("errors: out of range (never an id prefix), no match, malformed, no selector", () => {
    const range = rp(["99"]);
    assert.deepEqual([range.status, range.stdout], [1, ""]);
    assert.equal(
      range.stderr,
      "guild-rev-parse-run: index 99 is out of range: there are 8 runs in this list (1 to 8); to select by id prefix, give at least 8 characters\n",
    );
    const none = rp(["zzzz"]);
    assert.deepEqual([none.status, none.stderr], [1, "guild-rev-parse-run: no run matches 'zzzz'\n"]);
    const bad = rp(["a/b"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^guild-rev-parse-run: invalid selector 'a\/b': use an index/);
    assert.match(bad.stderr, /Try 'guild-rev-parse-run --help'/);
    const nothing = rp([]);
    assert.equal(nothing.status, 2);
    assert.match(nothing.stderr, /no selector given/);
    const empty = rp(["3:1"]);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /empty range '3:1'/);
  });

  test("--verify and -q: exit 0 or 1 for `if` in shell scripts", () => {
    assert.deepEqual([rp(["--verify", "-q", "1"]).status, rp(["--verify", "-q", "1"]).stdout], [0, ""]);
    for (const args of [["1:2"], ["zzzz"], ["99"], ["e"]]) {
      const r = rp(["--verify", "-q", ...args]);
      assert.deepEqual([r.status, r.stdout, r.stderr], [1, "", ""], args.join(" "));
    }
    const loud = rp(["--verify", "1:2"]);
    assert.equal(loud.status, 1);
    assert.match(loud.stderr, /--verify needs exactly one run, and the selection has 2 runs/);
    // -q without --verify only silences the scope note (issue 20): the id is printed.
    const noted = rp(["1"]);
    const quiet = rp(["-q", "1"]);
    assert.match(noted.stdout, /^[0-9a-f]{32}\n$/);
    assert.deepEqual([quiet.status, quiet.stdout, quiet.stderr], [0, noted.stdout, ""]);
    const sh = runShell(`if guild-rev-parse-run --verify -q 449af2; then echo yes; else echo no; fi`, { env: fx.env, cwd: fx.alice });
    assert.equal(sh.stdout, "yes\n");
  });

  test("--short, --json and --stdin (selectors, ids and guild-ls-runs records)", () => {
    assert.equal(rp(["--short", "1:2"]).stdout, "b3ca74ef\nbdc2a0e6\n");
    const json = rp(["--json", "449af2"]).stdout.trim();
    const rec = JSON.parse(json) as { id: string; label: string; status: string };
    assert.deepEqual([rec.id.slice(0, 8), rec.label, rec.status], ["449af203", "baseline", "completed"]);
    const lsJson = runCommand("guild-ls-runs", ["--json", "-E"], { env: fx.env, cwd: fx.alice }).stdout;
    const same = rp(["--json", "--stdin"], { input: lsJson });
    assert.equal(same.stdout, lsJson, "records round-trip through --stdin --json");
    assert.deepEqual(short(rp(["--stdin"], { input: "1\n\n449af2\n" + lsJson }).stdout), ["b3ca74ef", "2f4b9d7b", "449af203"]);
    assert.equal(rp(["--stdin"], { input: "" }).status, 0);
    const badJson = rp(["--stdin"], { input: "{nope\n" });
    assert.equal(badJson.status, 2);
    assert.match(badJson.stderr, /invalid JSON record on stdin/);
    // A record's id must match exactly: a prefix-looking id is not a prefix.
    const partial = rp(["--stdin"], { input: '{"id": "449af2"}\n' });
    assert.equal(partial.status, 1);
  });

  test("pipeline: guild-ls-runs --json | guild-rev-parse-run --stdin selects the same runs", () => {
    const r = runShell(`guild-ls-runs -ET --json | guild-rev-parse-run --stdin --short`, { env: fx.env, cwd: fx.alice });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "3d5e4116\n2f4b9d7b\n");
  });
});

describe("guild-rev-parse-run reads only what it needs", () => {
  test("a full id resolves even when other runs of the store are unreadable", () => {
    const home = generateHome({ runs: 20, seed: 5 });
    const runs = path.join(home, "runs");
    const ids = fs.readdirSync(runs).sort();
    // Damage every other run: a direct lookup must not read (or warn about) them.
    for (const id of ids.slice(1)) fs.writeFileSync(path.join(runs, id, ".guild", "attrs", "started"), "{{{\n");
    const r = runCommand("guild-rev-parse-run", ["-H", home, ids[0]!]);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, ids[0] + "\n", ""]);
    const byPrefix = runCommand("guild-rev-parse-run", ["-H", home, ids[0]!.slice(0, 8)]);
    assert.deepEqual([byPrefix.status, byPrefix.stdout, byPrefix.stderr], [0, ids[0] + "\n", ""]);
    // An index needs the whole list, so the damage shows as warnings (and the run still lists).
    const byIndex = runCommand("guild-rev-parse-run", ["-H", home, "1"], { env: { GUILDTS_INDEX: "off" } });
    assert.equal(byIndex.status, 0);
    assert.match(byIndex.stderr, /cannot parse attr 'started'/);
  });
});
