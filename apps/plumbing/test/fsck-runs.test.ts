import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { generateHome, hasTool, placeFixture, runCommand, runShell, tempDir, treeDigest } from "@guildts/testkit";

interface ProblemLine {
  kind: string;
  severity: string;
  id: string | null;
  path: string;
  message: string;
  repair: string | null;
  repaired?: boolean;
}
const problems = (stdout: string): ProblemLine[] =>
  stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ProblemLine);
const fsck = (home: string, ...args: string[]) => runCommand("guild-fsck-runs", ["-H", home, ...args]);
const DEAD_PID = 4_000_000; // above Linux's pid_max: never alive

/** A home with one problem of each kind; returns the paths at fault by kind. */
function damagedHome(): { home: string; outside: string; at: Record<string, string> } {
  const home = generateHome({ runs: 8, deleted: 2, seed: 31 });
  const outside = tempDir("guildts-outside-");
  fs.writeFileSync(path.join(outside, "precious.txt"), "do not touch\n");
  const live = fs.readdirSync(path.join(home, "runs")).sort();
  const dead = fs.readdirSync(path.join(home, "trash", "runs")).sort();
  const run = (i: number) => path.join(home, "runs", live[i]!);
  const at: Record<string, string> = {};
  at["bad-attr"] = path.join(run(0), ".guild", "attrs", "flags");
  fs.writeFileSync(at["bad-attr"], "lr: [0.1, 0.2\n");
  at["bad-opref"] = path.join(run(1), ".guild", "opref");
  fs.writeFileSync(at["bad-opref"], "garbage\n");
  at["stale-lock"] = path.join(run(2), ".guild", "LOCK");
  fs.rmSync(path.join(run(2), ".guild", "attrs", "exit_status"), { force: true });
  fs.writeFileSync(path.join(run(2), ".guild", "attrs", "host"), `${os.hostname()}\n`); // judged only on its own host
  fs.writeFileSync(at["stale-lock"], String(DEAD_PID));
  at["temp-file"] = path.join(run(3), ".guild", `.label.${DEAD_PID}.1.tmp`);
  fs.writeFileSync(at["temp-file"], "half a lab");
  at["escaping-symlink"] = path.join(run(4), "data");
  fs.symlinkSync(outside, at["escaping-symlink"]);
  at["broken-symlink"] = path.join(run(4), "loop");
  fs.symlinkSync("loop", at["broken-symlink"]);
  at["not-a-run"] = path.join(home, "runs", "0123456789abcdef0123456789abcdef");
  fs.mkdirSync(path.join(at["not-a-run"], ".guild", "attrs"), { recursive: true });
  at["duplicate-run"] = path.join(home, "trash", "runs", dead[0]!);
  fs.cpSync(at["duplicate-run"], path.join(home, "runs", dead[0]!), { recursive: true });
  at["interrupted-purge"] = path.join(home, "trash", ".purging", `${dead[1]}.${DEAD_PID}.deadbeef`);
  fs.mkdirSync(path.join(at["interrupted-purge"], ".guild"), { recursive: true });
  fs.symlinkSync(outside, path.join(at["interrupted-purge"], "out"));
  // Named <id>.<pid>.<host> by the `guild run` that was building it.
  at["interrupted-create"] = path.join(home, "runs", ".guildts-new", `fedcba9876543210fedcba9876543210.${DEAD_PID}.${os.hostname()}`);
  fs.mkdirSync(path.join(at["interrupted-create"], ".guild", "attrs"), { recursive: true });
  at["stale-lock-file"] = path.join(home, "locks", `guildts-run-${live[5]}`);
  fs.mkdirSync(path.dirname(at["stale-lock-file"]), { recursive: true });
  fs.symlinkSync(`${DEAD_PID} ${os.hostname()} 7`, at["stale-lock-file"]); // a lock: a symlink naming its holder
  return { home, outside, at };
}

describe("guild-fsck-runs", () => {
  test("a generated store is clean: exit 0, nothing on stdout, a summary on stderr", () => {
    const home = generateHome({ runs: 20, deleted: 3, seed: 30 });
    const r = fsck(home, "--json");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "guild-fsck-runs: checked 20 run(s) and 3 deleted run(s): no problems\n");
  });

  test("plain lines keep four fields: a PATH with a tab or newline in it is JSON-quoted", () => {
    const home = generateHome({ runs: 2, seed: 31 });
    const odd = path.join(home, "runs", "odd\tname\nhere");
    fs.mkdirSync(path.join(odd, ".guild"), { recursive: true });
    const r = fsck(home);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.split("\n").filter(Boolean);
    assert.equal(lines.length, 1, r.stdout);
    const fields = lines[0]!.split("\t");
    assert.equal(fields.length, 4, lines[0]);
    assert.deepEqual(fields.slice(0, 2), ["error", "not-a-run"]);
    assert.equal(fields[2], JSON.stringify(odd));
    const json = JSON.parse(fsck(home, "--json").stdout);
    assert.equal(json.path, odd, "--json keeps the exact path");
  });

  test("the Guild 0.9.1 home is clean", () => {
    const fx = placeFixture();
    const r = fsck(fx.home, "--json");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, "");
  });

  test("reports each kind of problem once, exact paths, changing nothing; exit 1", () => {
    const { home, outside, at } = damagedHome();
    const before = treeDigest(home);
    const r = fsck(home, "--json");
    assert.equal(r.status, 1, r.stderr);
    const found = problems(r.stdout);
    assert.deepEqual(found.map((p) => p.kind).sort(), Object.keys(at).sort());
    for (const p of found) assert.equal(p.path, at[p.kind], p.kind);
    const byKind = Object.fromEntries(found.map((p) => [p.kind, p]));
    assert.equal(byKind["bad-attr"]!.severity, "error");
    assert.match(byKind["bad-attr"]!.message, /cannot parse attr 'flags'/);
    assert.match(byKind["escaping-symlink"]!.message, new RegExp(fs.realpathSync(outside)));
    assert.equal(byKind["duplicate-run"]!.repair, null, "no automatic choice between two copies of a run");
    assert.match(r.stderr, /11 problem\(s\)/);
    assert.equal(treeDigest(home), before, "a check without --repair changes nothing");
    // The plain form: SEVERITY TAB KIND TAB PATH TAB MESSAGE.
    const plain = fsck(home);
    assert.equal(plain.status, 1);
    const lines = plain.stdout
      .trim()
      .split("\n")
      .map((l) => l.split("\t"));
    assert.ok(lines.every((f) => f.length === 4));
    assert.deepEqual(lines.map((f) => f[1]).sort(), Object.keys(at).sort());
  });

  test("--repair removes only leftovers of dead processes, never run data nor what is outside", () => {
    const { home, outside, at } = damagedHome();
    const outsideBefore = treeDigest(outside);
    const r = fsck(home, "--json", "--repair");
    assert.equal(r.status, 1, "unrepairable problems remain");
    const found = problems(r.stdout);
    const repaired = found
      .filter((p) => p.repaired)
      .map((p) => p.kind)
      .sort();
    assert.deepEqual(repaired, ["interrupted-create", "interrupted-purge", "stale-lock", "stale-lock-file", "temp-file"]);
    for (const k of repaired) assert.ok(!fs.existsSync(at[k]!), `${k} removed`);
    for (const k of ["bad-attr", "bad-opref", "escaping-symlink", "broken-symlink", "not-a-run", "duplicate-run"]) {
      assert.ok(fs.lstatSync(at[k]!, { throwIfNoEntry: false }), `${k} left alone`);
    }
    assert.equal(treeDigest(outside), outsideBefore, "nothing outside the store touched");
    const again = problems(fsck(home, "--json").stdout);
    assert.deepEqual(again.map((p) => p.kind).sort(), [
      "bad-attr",
      "bad-opref",
      "broken-symlink",
      "duplicate-run",
      "escaping-symlink",
      "not-a-run",
    ]);
    assert.ok(again.every((p) => p.repair === null));
  });

  test("leftovers of LIVE processes are work in progress, not problems", () => {
    const home = generateHome({ runs: 3, seed: 32 });
    const id = fs.readdirSync(path.join(home, "runs"))[0]!;
    const me = process.pid; // the test runner: alive while the check runs
    fs.writeFileSync(path.join(home, "runs", id, ".guild", `.label.${me}.7.tmp`), "x");
    const creating = path.join(home, "runs", ".guildts-new", `fedcba9876543210fedcba9876543210.${me}.${os.hostname()}`);
    fs.mkdirSync(path.join(creating, ".guild"), { recursive: true });
    // Another host's creation is never judged from here, whatever its pid.
    fs.mkdirSync(path.join(home, "runs", ".guildts-new", `0000000000000000fedcba9876543210.${DEAD_PID}.another-host`));
    fs.mkdirSync(path.join(home, "trash", ".purging", `${id}x.${me}.0badf00d`), { recursive: true });
    fs.mkdirSync(path.join(home, "locks"));
    fs.symlinkSync(`${me} ${os.hostname()} 1`, path.join(home, "locks", `guildts-run-${id}`));
    // A lock of another host is never judged from here.
    fs.symlinkSync(`${DEAD_PID} another-host 1`, path.join(home, "locks", "guildts-run-other"));
    const r = fsck(home, "--json", "--repair");
    assert.equal(r.status, 0, r.stdout);
    assert.equal(r.stdout, "");
    assert.ok(fs.existsSync(creating));
  });

  test("an attr that is a symlink out of the store is reported, never read", () => {
    const home = generateHome({ runs: 2, seed: 34 });
    const id = fs.readdirSync(path.join(home, "runs"))[0]!;
    const secret = path.join(tempDir("guildts-outside-"), "secret");
    fs.writeFileSync(secret, "label: not yours\n");
    const label = path.join(home, "runs", id, ".guild", "attrs", "label");
    fs.rmSync(label, { force: true });
    fs.symlinkSync(secret, label);
    const found = problems(fsck(home, "--json").stdout);
    assert.deepEqual(found.map((p) => [p.kind, p.path]).sort(), [
      ["bad-attr", label],
      ["escaping-symlink", label],
    ]);
    assert.match(found.find((p) => p.kind === "bad-attr")!.message, /symbolic link/);
  });

  test("a runs/ that is a file is an error, not a crash", () => {
    const home = path.join(tempDir(), "home");
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, "runs"), "not a directory\n");
    const r = fsck(home, "--json");
    assert.equal(r.status, 1);
    assert.deepEqual(
      problems(r.stdout).map((p) => [p.kind, p.path]),
      [["not-a-directory", path.join(home, "runs")]],
    );
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  });

  test("a missing home is clean (nothing to check); bad usage exits 2", () => {
    const r = fsck(path.join(tempDir(), "nowhere"));
    assert.equal(r.status, 0, r.stderr);
    const bad = runCommand("guild-fsck-runs", ["--bogus"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option '--bogus'/);
    assert.match(runCommand("guild-fsck-runs", ["--help"]).stdout, /--repair/);
  });

  test("guild check: version, home, problems in sentences, and the repair hint", () => {
    const { home } = damagedHome();
    const r = runCommand("guild", ["check", "-H", home]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^guildts_version: +0\.1\.0\nguild_home: +\S+\nruns: +10\ndeleted_runs: +2\n/);
    assert.match(r.stdout, /^error: .*attrs\/flags: cannot parse attr 'flags'/m);
    assert.match(r.stdout, /11 problem\(s\) found; 5 can be repaired with 'guild check --repair'\.\n$/);
    const fixed = runCommand("guild", ["check", "-H", home, "--repair"]);
    assert.match(fixed.stdout, /11 problem\(s\) found, 5 repaired\.\n$/);
    const clean = runCommand("guild", ["check", "-H", generateHome({ runs: 2, seed: 33 })]);
    assert.equal(clean.status, 0);
    assert.match(clean.stdout, /No problems found\.\n$/);
  });

  test("pipes: the JSON lines feed jq", { skip: !hasTool("jq") && "jq is not installed" }, () => {
    const { home } = damagedHome();
    const r = runShell(`guild-fsck-runs -H '${home}' --json | jq -r 'select(.severity == "error") | .kind' | sort | tr '\\n' ' '`);
    assert.equal(r.stdout, "bad-attr bad-opref duplicate-run not-a-run ");
  });
});
