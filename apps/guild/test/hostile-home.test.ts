/**
 * Hostile homes (issue 12): a home handed over by an attacker (a shared file system, an
 * archive, a pulled run) whose store directories, run files and event files are links, FIFOs,
 * devices or damaged. The BUILT commands run on it; a sentinel directory outside the home, with
 * old entries, must keep its tree digest (content and mtimes) after every command, and every
 * command must give a one-line message and a documented exit code, never a stack trace or a hang
 * (each spawn has a timeout as a hang guard).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { maskedCrc, readEventFile, removeTree } from "@guildts/runstore";
import { assertNoCrash, binPath, commandEnv, generateHome, quickProject, treeDigest, treeListing } from "@guildts/testkit";

interface Result {
  stdout: string;
  stderr: string;
  status: number | null;
}

interface World {
  root: string;
  home: string;
  sentinel: string;
  digest: string;
  live: string[];
  dead: string[];
}

const roots: string[] = [];
let spawned = 0;
after(() => {
  console.log(`# hostile homes: ${spawned} commands run, each checked for a documented exit, no stack trace, the sentinel unchanged`);
  for (const r of roots) removeTree(r); // deep chains too (fs.rmSync recurses)
});

const OLD = 1_000_000; // 1970: older than any grace period

/** A generated home and, beside it, a sentinel directory whose entries are all old. */
function makeWorld(opts: { runs?: number; deleted?: number; scalars?: boolean } = {}): World {
  const home = generateHome({ runs: opts.runs ?? 3, deleted: opts.deleted ?? 2, seed: 1201, scalars: opts.scalars });
  const root = path.dirname(home);
  roots.push(root);
  const sentinel = path.join(root, "sentinel");
  for (const d of ["sub", "0123456789abcdef0123456789abcdef.4000000.deadbeef", `fedcba9876543210fedcba9876543210.4000000.${os.hostname()}`])
    fs.mkdirSync(path.join(sentinel, d, ".guild"), { recursive: true });
  fs.writeFileSync(path.join(sentinel, "precious.txt"), "do not touch\n");
  fs.writeFileSync(path.join(sentinel, "sub", "data.bin"), Buffer.alloc(1000, 7));
  const touch = (p: string) => {
    for (const n of fs.readdirSync(p)) {
      const q = path.join(p, n);
      if (fs.lstatSync(q).isDirectory()) touch(q);
      fs.utimesSync(q, OLD, OLD);
    }
  };
  touch(sentinel);
  fs.utimesSync(sentinel, OLD, OLD);
  const ls = (sub: string) => (fs.existsSync(path.join(home, sub)) ? fs.readdirSync(path.join(home, sub)).sort() : []);
  return { root, home, sentinel, digest: treeDigest(sentinel, { mtimes: true }), live: ls("runs"), dead: ls("trash/runs") };
}

function run(w: World, name: string, args: string[], opts: { cwd?: string; input?: string; timeout?: number } = {}): Result {
  spawned++;
  const r = spawnSync(process.execPath, [binPath(name), ...args], {
    cwd: opts.cwd ?? os.tmpdir(),
    env: commandEnv({ GUILD_HOME: w.home }),
    input: opts.input ?? "",
    encoding: "utf8",
    maxBuffer: 1 << 26,
    timeout: opts.timeout ?? 30_000, // a hang guard, not a performance claim
  });
  const what = `${name} ${args.join(" ").slice(0, 120)}`;
  // EPIPE: the command stopped reading its input early (a refused stdin line), not a hang.
  if (r.error && !((r.error as NodeJS.ErrnoException).code === "EPIPE" && r.status !== null))
    throw new Error(`${what}: ${r.error.message} (a hang?)`);
  const res = { stdout: String(r.stdout), stderr: String(r.stderr), status: r.status };
  assertNoCrash(res, what);
  assert.equal(
    treeDigest(w.sentinel, { mtimes: true }),
    w.digest,
    `${what}: the sentinel outside the home changed:\n${treeListing(w.sentinel)}`,
  );
  return res;
}

const lines = (s: string) => s.split("\n").filter(Boolean);
const problems = (r: Result) =>
  lines(r.stdout).map((l) => JSON.parse(l) as { kind: string; path: string; id: string | null; message: string });

describe("store directories that are links or files are refused, never used (findings 1, 2, 5)", () => {
  test("trash/.purging linked outside the home: purge refuses, --repair reports it and removes nothing", () => {
    const w = makeWorld();
    fs.symlinkSync(w.sentinel, path.join(w.home, "trash", ".purging"));
    const p = run(w, "guild-purge-deleted", [w.dead[0]!]);
    assert.equal(p.status, 1, p.stderr);
    assert.match(p.stdout, /^refused\t[0-9a-f]{32}\t.*trash\/\.purging is a symbolic link/m);
    assert.ok(fs.existsSync(path.join(w.home, "trash", "runs", w.dead[0]!)), "the run is still in the trash");
    const porcelain = run(w, "guild", ["runs", "purge", "-y", "1"]);
    assert.equal(porcelain.status, 1, porcelain.stderr);
    assert.match(porcelain.stderr, /\.purging is a symbolic link/);
    const live = run(w, "guild-purge-deleted", ["--live", w.live[0]!]);
    assert.equal(live.status, 1);
    assert.ok(fs.existsSync(path.join(w.home, "runs", w.live[0]!)));
    for (const args of [["--json"], ["--json", "--repair"]]) {
      const f = run(w, "guild-fsck-runs", args);
      assert.equal(f.status, 1, f.stderr);
      const bad = problems(f).filter((x) => x.kind === "bad-store-dir");
      assert.deepEqual(
        bad.map((x) => x.path),
        [path.join(w.home, "trash", ".purging")],
      );
      assert.equal(problems(f).filter((x) => x.kind === "interrupted-purge").length, 0, "nothing out there is a purge of ours");
    }
    const check = run(w, "guild", ["check", "--repair"]);
    assert.match(check.stdout + check.stderr, /bad-store-dir|symbolic link/);
  });

  test("trash/.purging as a file: purge refuses with a one-line reason", () => {
    const w = makeWorld();
    fs.writeFileSync(path.join(w.home, "trash", ".purging"), "x");
    const p = run(w, "guild-purge-deleted", ["--json", w.dead[0]!]);
    assert.equal(p.status, 1);
    const rec = JSON.parse(p.stdout) as { outcome: string; reason: string };
    assert.equal(rec.outcome, "refused");
    assert.match(rec.reason, /\.purging is not a directory/);
  });

  test("runs/.guildts-new linked outside the home: guild run refuses, nothing is swept or built there", () => {
    const w = makeWorld();
    const project = quickProject(path.join(w.root, "project"), { files: 2, sleep: 0 });
    fs.symlinkSync(w.sentinel, path.join(w.home, "runs", ".guildts-new"));
    const r = run(w, "guild", ["run", "quick", "-y"], { cwd: project });
    assert.equal(r.status, 5, r.stderr);
    assert.match(lines(r.stderr).pop()!, /^guild: .*runs\/\.guildts-new is a symbolic link to ".*sentinel": refused/);
    assert.deepEqual(fs.readdirSync(path.join(w.home, "runs")).sort(), [".guildts-new", ...w.live].sort(), "no run was made");
    const f = run(w, "guild-fsck-runs", ["--json", "--repair"]);
    assert.deepEqual(
      problems(f).map((x) => x.kind),
      ["bad-store-dir"],
    );
  });

  test("locks/ linked outside the home: a label change makes no lock there and changes nothing", () => {
    const w = makeWorld();
    fs.symlinkSync(w.sentinel, path.join(w.home, "locks"));
    const label = path.join(w.home, "runs", w.live[0]!, ".guild", "attrs", "label");
    const read = () => (fs.existsSync(label) ? fs.readFileSync(label, "utf8") : null);
    const before = read();
    const r = run(w, "guild", ["runs", "label", "-y", w.live[0]!, "--append", "x"]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^guild: cannot label run [0-9a-f]{32}: .*locks is a symbolic link to ".*sentinel": refused/m);
    assert.equal(read(), before);
    const f = run(w, "guild-fsck-runs", ["--json"]);
    assert.deepEqual(
      problems(f).map((x) => x.path),
      [path.join(w.home, "locks")],
    );
  });

  test("cache/guildts linked outside the home: listings work and write no cache there", () => {
    const w = makeWorld();
    fs.mkdirSync(path.join(w.home, "cache"), { recursive: true });
    fs.symlinkSync(w.sentinel, path.join(w.home, "cache", "guildts"));
    for (let i = 0; i < 2; i++) {
      const r = run(w, "guild-ls-runs", ["--json"]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(lines(r.stdout).length, w.live.length);
    }
    const c = run(w, "guild", ["compare", "--csv", "-"]);
    assert.equal(c.status, 0, c.stderr);
    const f = run(w, "guild-fsck-runs", ["--json"]);
    assert.deepEqual(
      problems(f).map((x) => x.kind),
      ["bad-store-dir"],
    );
  });

  test("runs/ and trash/runs/ linked outside the home are followed, as Guild does, and reported", () => {
    const w = makeWorld();
    const away = path.join(w.root, "elsewhere");
    fs.mkdirSync(away);
    fs.renameSync(path.join(w.home, "runs"), path.join(away, "runs"));
    fs.symlinkSync(path.join(away, "runs"), path.join(w.home, "runs"));
    const ls = run(w, "guild-ls-runs", ["--json"]);
    assert.equal(lines(ls.stdout).length, w.live.length);
    const f = run(w, "guild-fsck-runs", ["--json"]);
    const esc = problems(f).filter((x) => x.kind === "escaping-symlink");
    assert.deepEqual(
      esc.map((x) => [x.id, x.path]),
      [[null, path.join(w.home, "runs")]],
    );
  });
});

describe("writes never go through a symlinked run directory (finding 5)", () => {
  test("a run that is a link out of the home: label refused naming the link, exit 1, the target unchanged", () => {
    const w = makeWorld();
    // The run's directory moved outside the home (into the sentinel), a link left in its place.
    const id = w.live[0]!;
    const away = path.join(w.sentinel, "run-away");
    fs.cpSync(path.join(w.home, "runs", id), away, { recursive: true });
    fs.rmSync(path.join(w.home, "runs", id), { recursive: true });
    fs.symlinkSync(away, path.join(w.home, "runs", id));
    w.digest = treeDigest(w.sentinel, { mtimes: true });
    const ls = run(w, "guild-ls-runs", ["--json"]);
    assert.equal(lines(ls.stdout).length, w.live.length, "listed, as Guild lists it");
    for (const args of [
      ["runs", "label", "-y", id, "new"],
      ["runs", "label", "-y", id, "--append", "more"],
      ["runs", "label", "-y", id, "--clear"],
    ]) {
      const r = run(w, "guild", args);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^guild: cannot label run ${id}: .*runs/${id} is a symbolic link to ".*run-away": refused`, "m"));
    }
    // A linked .guild/ inside a real run directory is refused too.
    const other = w.live[1]!;
    const guildAway = path.join(w.root, "guild-away");
    fs.renameSync(path.join(w.home, "runs", other, ".guild"), guildAway);
    fs.symlinkSync(guildAway, path.join(w.home, "runs", other, ".guild"));
    const before = treeDigest(guildAway, { mtimes: true });
    const r = run(w, "guild", ["runs", "label", "-y", other, "x"]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /\.guild is a symbolic link/);
    assert.equal(treeDigest(guildAway, { mtimes: true }), before);
  });
});

describe("run files are read only as regular files inside the run (findings 3, 4, 8)", () => {
  /** A run with scalars, and its event file. */
  const scalarRun = (w: World) => {
    for (const id of w.live) {
      const g = path.join(w.home, "runs", id, ".guild");
      const ev = fs.readdirSync(g).find((n) => n.includes(".tfevents."));
      if (ev) return { id, guildDir: g, file: path.join(g, ev) };
    }
    throw new Error("no run with scalars");
  };
  const infoScalars = (r: Result) => lines(r.stdout.split(/^scalars:$/m)[1] ?? "").map((l) => l.trim());

  test("an event file linked to /dev/zero, a FIFO, a directory: skipped with one warning each, no hang", () => {
    const w = makeWorld({ runs: 6, deleted: 0, scalars: true });
    const { id, guildDir, file } = scalarRun(w);
    const good = infoScalars(run(w, "guild", ["runs", "info", id]));
    assert.ok(good.length >= 2, "the run has scalars");
    fs.symlinkSync("/dev/zero", path.join(guildDir, "events.out.tfevents.1.zero"));
    spawnSync("mkfifo", [path.join(guildDir, "events.out.tfevents.2.fifo")]);
    assert.ok(fs.lstatSync(path.join(guildDir, "events.out.tfevents.2.fifo")).isFIFO());
    fs.mkdirSync(path.join(guildDir, "events.out.tfevents.3.dir"));
    for (const args of [
      ["runs", "info", id],
      ["compare", "--csv", "-", id],
      ["compare", "--json", id],
    ]) {
      const r = run(w, "guild", args, { timeout: 20_000 });
      assert.equal(r.status, 0, r.stderr);
      const warnings = lines(r.stderr);
      assert.equal(warnings.filter((l) => l.includes("tfevents.1.zero")).length, 1, r.stderr);
      assert.equal(warnings.filter((l) => l.includes("tfevents.2.fifo")).length, 1, r.stderr);
      assert.match(r.stderr, /tfevents\.1\.zero: a symbolic link out of the run \(not read\)/);
      assert.match(r.stderr, /tfevents\.2\.fifo: a FIFO, not a regular file \(not read\)/);
      if (args[1] === "info") assert.deepEqual(infoScalars(r), good, "the real event file's scalars, as before");
    }
    assert.ok(fs.existsSync(file));
  });

  test("an event file linked to another run's event file outside this run: not read", () => {
    const w = makeWorld({ runs: 6, deleted: 0, scalars: true });
    const { id, file } = scalarRun(w);
    // A second run, with no scalars of its own, whose event file links to the first run's.
    const other = w.live.find(
      (x) => x !== id && !fs.readdirSync(path.join(w.home, "runs", x, ".guild")).some((n) => n.includes("tfevents")),
    )!;
    const outside = path.join(w.sentinel, "sub", "events.out.tfevents.9.outside");
    fs.copyFileSync(file, outside);
    fs.utimesSync(outside, OLD, OLD);
    fs.utimesSync(path.join(w.sentinel, "sub"), OLD, OLD);
    w.digest = treeDigest(w.sentinel, { mtimes: true });
    fs.symlinkSync(outside, path.join(w.home, "runs", other, ".guild", "events.out.tfevents.9.link"));
    const r = run(w, "guild", ["runs", "info", other]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(infoScalars(r), [], "no scalars of the outside file shown as the run's");
    assert.match(r.stderr, /tfevents\.9\.link: a symbolic link out of the run \(not read\)/);
    // A link to a file inside the run is read (a run may link its own files).
    fs.rmSync(path.join(w.home, "runs", other, ".guild", "events.out.tfevents.9.link"));
    fs.copyFileSync(outside, path.join(w.home, "runs", other, "copy.bin"));
    fs.symlinkSync("../copy.bin", path.join(w.home, "runs", other, ".guild", "events.out.tfevents.9.link"));
    const inside = run(w, "guild", ["runs", "info", other]);
    assert.equal(inside.stderr, "");
    assert.ok(infoScalars(inside).length >= 2);
  });

  test("a damaged record in the middle of an event file: the records after it are read, one warning", () => {
    const w = makeWorld({ runs: 6, deleted: 0, scalars: true });
    const { id, guildDir, file } = scalarRun(w);
    // Three copies of the file's scalar records in a row, the middle copy's first length damaged.
    const buf = fs.readFileSync(file);
    const first = 16 + Number(buf.readBigUInt64LE(0)); // the file_version record
    const body = buf.subarray(first);
    const damaged = Buffer.from(body);
    damaged.writeUInt32LE(0x7fffffff, 0); // a bad length: its CRC no longer holds
    const big = Buffer.concat([buf.subarray(0, first), body, damaged, body]);
    fs.rmSync(file);
    fs.writeFileSync(path.join(guildDir, "events.out.tfevents.1.big"), big);
    const r = run(w, "guild", ["compare", "--json", id]);
    assert.equal(r.status, 0, r.stderr);
    const warnings = lines(r.stderr);
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(
      warnings[0]!,
      /^guild: warning: run [0-9a-f]{32}: cannot read \.guild\/events\.out\.tfevents\.1\.big: skipped 1 damaged record/,
    );
    const rec = JSON.parse(r.stdout) as { scalars: Record<string, { count: number }> };
    let perCopy = 0;
    const whole = readEventFile(buf, () => perCopy++);
    assert.equal(whole.bad, 0);
    // Every scalar of the first and third copies, and all but the damaged record's of the second.
    const counted = Object.values(rec.scalars).reduce((n, x) => n + x.count, 0);
    assert.equal(counted, 3 * perCopy - 1, `${counted} scalars read of ${3 * perCopy}`);
    const res = readEventFile(big, () => {});
    assert.deepEqual(res, { records: 1 + 3 * (whole.records - 1) - 1, bad: 1 });
  });
});

describe("event files are streamed: any size, constant memory (finding 8)", () => {
  test("a 3 GiB (sparse) event file: the scalars after a 3 GiB record are read, within a 200 MB heap", () => {
    const w = makeWorld({ runs: 6, deleted: 0, scalars: true });
    const id = w.live.find((x) => fs.readdirSync(path.join(w.home, "runs", x, ".guild")).some((n) => n.includes("tfevents")))!;
    const g = path.join(w.home, "runs", id, ".guild");
    const name = fs.readdirSync(g).find((n) => n.includes("tfevents"))!;
    const buf = fs.readFileSync(path.join(g, name));
    const before = JSON.parse(run(w, "guild", ["compare", "--json", id]).stdout) as { scalars: Record<string, { count: number }> };
    // A record of 3 GiB (its header's CRC good; the data a hole of the file), then the scalars again.
    const len = 3 * 2 ** 30;
    const head = Buffer.alloc(12);
    head.writeBigUInt64LE(BigInt(len));
    head.writeUInt32LE(maskedCrc(head.subarray(0, 8)), 8);
    const first = 16 + Number(buf.readBigUInt64LE(0));
    const fd = fs.openSync(path.join(g, name), "r+");
    fs.writeSync(fd, head, 0, 12, buf.length);
    fs.writeSync(fd, buf.subarray(first), 0, buf.length - first, buf.length + 16 + len);
    fs.closeSync(fd);
    assert.ok(fs.statSync(path.join(g, name)).size > 2 ** 31 + 2 ** 30);
    const r = spawnSync(process.execPath, ["--max-old-space-size=200", binPath("guild"), "compare", "--json", id], {
      env: commandEnv({ GUILD_HOME: w.home, GUILDTS_INDEX: "off" }),
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    const after = JSON.parse(r.stdout) as { scalars: Record<string, { count: number }> };
    for (const [k, v] of Object.entries(before.scalars)) assert.equal(after.scalars[k]?.count, 2 * v.count, k);
  });
});

/** Makes a chain of `levels` directories named `d` under `dir` (relative steps: no path limit). */
function deepChain(dir: string, levels: number): void {
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      `const fs=require("fs");process.chdir(${JSON.stringify(dir)});for(let i=0;i<${levels};i++){fs.mkdirSync("d");process.chdir("d")}fs.writeFileSync("leaf","x")`,
    ],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
}

describe("the small ones (finding 8)", () => {
  test("a 3,000-level directory chain: purge and --repair remove it, messages stay short", () => {
    const w = makeWorld({ runs: 2, deleted: 2 });
    deepChain(path.join(w.home, "trash", "runs", w.dead[0]!), 3000);
    const staged = path.join(w.home, "trash", ".purging", `${w.dead[1]}.4000000.deadbeef`);
    fs.mkdirSync(staged, { recursive: true });
    deepChain(staged, 3000);
    const f = run(w, "guild-fsck-runs", ["--json"]);
    for (const l of lines(f.stdout)) assert.ok(JSON.parse(l).message.length < 400, l.slice(0, 400));
    const deep = problems(f).filter((p) => p.kind === "unreadable");
    assert.deepEqual(
      deep.map((p) => p.path),
      [path.join(w.home, "trash", "runs", w.dead[0]!)],
    );
    const repair = run(w, "guild-fsck-runs", ["--json", "--repair"]);
    assert.ok(
      problems(repair).some((p) => p.kind === "interrupted-purge"),
      repair.stdout,
    );
    assert.equal(fs.existsSync(staged), false, "the staged purge was removed");
    const p = run(w, "guild-purge-deleted", [w.dead[0]!]);
    assert.equal(p.status, 0, p.stdout + p.stderr);
    assert.equal(p.stdout, `purged\t${w.dead[0]}\n`);
    assert.deepEqual(fs.readdirSync(path.join(w.home, "trash", ".purging")), []);
  });

  test("a stdin line over 64 KiB: refused at once with a short message, nothing done", () => {
    const w = makeWorld({ runs: 2, deleted: 0 });
    const huge = `${w.live[0]}\n${"x".repeat(8 * 1024 * 1024)}\n${w.live[1]}\n`;
    for (const name of ["guild-mark-deleted", "guild-rev-parse-run"]) {
      const r = run(w, name, ["--stdin"], { input: huge });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, "");
      const first = lines(r.stderr)[0]!;
      assert.match(first, /^guild-[a-z-]+: stdin line 2 is longer than 65536 bytes \(it starts "x{60}"\.\.\.\): not read$/);
      assert.ok(r.stderr.length < 400, `${r.stderr.length} characters of messages`);
    }
    assert.deepEqual(fs.readdirSync(path.join(w.home, "runs")).sort(), w.live, "no run was deleted");
    const ok = run(w, "guild-rev-parse-run", ["--stdin"], { input: `${w.live[0]}\n${"y".repeat(60_000)}` });
    assert.equal(ok.status, 1, "a 60 KB line is read (and matches nothing)");
  });

  test("--append to an undecodable or non-text label: refused (exit 1), the file unchanged", () => {
    const w = makeWorld({ runs: 2, deleted: 0 });
    const label = path.join(w.home, "runs", w.live[0]!, ".guild", "attrs", "label");
    for (const bytes of [Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]), Buffer.from("{a: 1}\n"), Buffer.from("- x\n- y\n")]) {
      fs.writeFileSync(label, bytes);
      for (const action of ["--append", "--prepend", "--remove"]) {
        const r = run(w, "guild", ["runs", "label", "-y", w.live[0]!, action, "more"]);
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /^guild: cannot label run [0-9a-f]{32}: .*(not valid UTF-8|the label is not text)/m);
        assert.deepEqual(fs.readFileSync(label), bytes);
      }
    }
    const set = run(w, "guild", ["runs", "label", "-y", w.live[0]!, "--set", "fresh"]);
    assert.equal(set.status, 0, "--set does not need the old label");
    assert.equal(fs.readFileSync(label, "utf8"), "fresh\n");
  });

  test("runs/ and trash/ on different file systems: moves refused up front, saying why (no EXDEV per run)", (t) => {
    const w = makeWorld({ runs: 3, deleted: 1 });
    const shm = fs.existsSync("/dev/shm") ? fs.mkdtempSync("/dev/shm/guildts-exdev-") : null;
    if (!shm || fs.statSync(shm).dev === fs.statSync(w.home).dev) {
      if (shm) fs.rmSync(shm, { recursive: true });
      t.skip("no second file system (/dev/shm) here");
      return;
    }
    roots.push(shm);
    fs.cpSync(path.join(w.home, "runs"), path.join(shm, "runs"), { recursive: true, verbatimSymlinks: true });
    fs.rmSync(path.join(w.home, "runs"), { recursive: true });
    fs.symlinkSync(path.join(shm, "runs"), path.join(w.home, "runs"));
    const rm = run(w, "guild-mark-deleted", ["--json", ...w.live]);
    assert.equal(rm.status, 1);
    const recs = lines(rm.stdout).map((l) => JSON.parse(l) as { outcome: string; reason: string });
    assert.equal(recs.length, 3);
    for (const r of recs) {
      assert.equal(r.outcome, "refused");
      assert.match(r.reason, /^runs\/ and trash\/ are on different file systems: a run is moved with one rename/);
    }
    const porcelain = run(w, "guild", ["runs", "rm", "-y", "1"]);
    assert.equal(porcelain.status, 1);
    assert.match(porcelain.stderr, /different file systems/);
    const restore = run(w, "guild-restore-deleted", [w.dead[0]!]);
    assert.equal(restore.status, 1);
    assert.deepEqual(fs.readdirSync(path.join(shm, "runs")).sort(), w.live, "every run still in runs/");
    assert.deepEqual(fs.readdirSync(path.join(w.home, "trash", "runs")), w.dead);
  });

  test("an unreadable run is reported once by the checker (as user nobody)", {
    skip: process.getuid?.() !== 0 && "needs root to run as nobody",
  }, () => {
    const w = makeWorld({ runs: 3, deleted: 0 });
    for (let d = w.home; d.startsWith(os.tmpdir() + path.sep); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    spawnSync("chmod", ["-R", "a+rX", w.home]);
    const dir = path.join(w.home, "runs", w.live[0]!);
    fs.chmodSync(dir, 0o000);
    try {
      const r = spawnSync(process.execPath, [binPath("guild-fsck-runs"), "--json"], {
        env: commandEnv({ GUILD_HOME: w.home }),
        encoding: "utf8",
        uid: 65534,
        gid: 65534,
        timeout: 30_000,
      });
      assert.equal(r.status, 1, r.stderr);
      const found = lines(r.stdout).map((l) => JSON.parse(l) as { kind: string; id: string });
      assert.deepEqual(
        found.map((p) => [p.kind, p.id]),
        [["unreadable", w.live[0]]],
      );
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });
});
