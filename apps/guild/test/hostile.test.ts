/**
 * Hostile input, end to end (issue 8, item 2): the BUILT commands on generated homes with
 * hostile labels, damaged attr files, path-like run ids, a `runs` that is a file, symlink loops,
 * unreadable directories and a read-only home. Every command must give a clear error or a
 * warning and a correct result for the rest, never a stack trace, exit with a documented code,
 * print valid JSON lines for --json, and never read or write outside the store: a sentinel
 * directory beside the home (with symlinks to it from inside a run and from the trash) is
 * checked after every command.
 *
 * Tests run as root in CI: permission bits do not stop root, so the permission tests run the
 * commands as user nobody (uid 65534); without root they are skipped.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { encodeAttr } from "@guildts/runstore";
import { showInput } from "@guildts/select";
import { assertNoCrash, binPath, commandEnv, generateHome, reliabilityScale, treeListing } from "@guildts/testkit";

const SCALE = reliabilityScale();
const IS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

interface Result {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** A temp root holding `home/` (generated) and `sentinel/` (outside the store). */
interface World {
  root: string;
  home: string;
  sentinel: string;
  snapshot: string;
}

function chmodWorldReadable(p: string): void {
  // mkdtemp makes 0700 directories: let user nobody traverse the path down to the home.
  for (let d = p; d !== path.dirname(d) && d.startsWith(os.tmpdir() + path.sep); d = path.dirname(d)) fs.chmodSync(d, 0o755);
}

const roots: string[] = [];
let spawned = 0;
after(() => {
  console.log(`# hostile end to end: ${spawned} commands run, each checked for a documented exit, no stack trace, valid JSON`);
  for (const root of roots) {
    spawnSync("chmod", ["-R", "u+rwx", root]);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

function makeWorld(opts: { runs: number; deleted?: number; seed: number }): World {
  const home = generateHome(opts);
  const root = path.dirname(home);
  roots.push(root);
  const sentinel = path.join(root, "sentinel");
  fs.mkdirSync(path.join(sentinel, "sub"), { recursive: true });
  fs.writeFileSync(path.join(sentinel, "secret.txt"), "do not read or touch\n");
  fs.writeFileSync(path.join(sentinel, "sub", "opref"), "guildfile:'/etc/guild.yml' 'v' m op\n");
  fs.utimesSync(path.join(sentinel, "secret.txt"), 1_000_000, 1_000_000);
  // Symlinks into the sentinel from inside every run (a file and a directory) and from inside
  // every deleted run: deleting, purging and listing must never follow them.
  for (const sub of ["runs", "trash/runs"]) {
    const dir = path.join(home, sub);
    if (!fs.existsSync(dir)) continue;
    for (const id of fs.readdirSync(dir)) {
      fs.symlinkSync(sentinel, path.join(dir, id, "link-to-sentinel"));
      fs.symlinkSync(path.join(sentinel, "secret.txt"), path.join(dir, id, "secret-link"));
    }
  }
  chmodWorldReadable(root);
  return { root, home, sentinel, snapshot: treeListing(sentinel, { mtimes: true }) };
}

function assertSentinelUntouched(w: World, what: string): void {
  assert.equal(treeListing(w.sentinel, { mtimes: true }), w.snapshot, `${what}: the sentinel outside the store changed`);
}

/**
 * Runs a built command, then checks what every command must do: a documented exit status, no
 * stack trace or "internal error" on stderr, JSON lines on stdout for --json, the sentinel
 * untouched.
 */
function run(w: World, name: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; nobody?: boolean } = {}): Result {
  spawned++;
  const env = commandEnv({ GUILD_HOME: w.home, ...opts.env });
  const r = spawnSync(process.execPath, [binPath(name), ...args], {
    cwd: os.tmpdir(),
    env,
    input: opts.input ?? "",
    encoding: "utf8",
    maxBuffer: 1 << 28,
    timeout: 60_000,
    ...(opts.nobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  if (r.error) throw r.error;
  const what = `${name} ${args.map((a) => JSON.stringify(a.length > 60 ? a.slice(0, 60) + "..." : a)).join(" ")}`;
  const res = { stdout: String(r.stdout), stderr: String(r.stderr), status: r.status };
  assertNoCrash(res, `${what} (signal ${r.signal})`);
  if (args.includes("--json")) {
    for (const line of res.stdout.split("\n").filter((l) => l !== "")) {
      assert.doesNotThrow(() => JSON.parse(line), `${what}: not a JSON line: ${line.slice(0, 200)}`);
    }
    assert.ok(res.stdout === "" || res.stdout.endsWith("\n"), `${what}: output does not end with a line break`);
  }
  assertSentinelUntouched(w, what);
  return res;
}

const records = (r: Result) =>
  r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; label: string | null; flags: object; exit_status: number | null; tags: string[] });
const ids = (w: World, sub = "runs") => (fs.existsSync(path.join(w.home, sub)) ? fs.readdirSync(path.join(w.home, sub)).sort() : []);
const attrFile = (w: World, id: string, name: string) => path.join(w.home, "runs", id, ".guild", "attrs", name);

describe("hostile labels: set with `guild runs label -y`, read back exactly", () => {
  const w = makeWorld({ runs: 4, seed: 801 });
  const [target] = records(run(w, "guild-ls-runs", ["--json"]));
  const labels: [string, string][] = [
    ["newlines", "first line\nsecond line\r\nthird\rfourth"],
    ["control characters", "bell\x07 esc\x1b[31mred\x1b[0m del\x7f c1\x85 tab\there \u2028ls"],
    ["right-to-left text", "\u05e9\u05dc\u05d5\u05dd \u0639\u0627\u0644\u0645 \u202eevil\u202c \u2067iso\u2069"],
    ["YAML syntax", "- [a, b]: {c: *d} &e !!int '1' \"2\" # comment\n? x\n--- ..."],
    ["100 KB (the most one argv string may hold is 128 KB)", "0123456789 \u05d0\n".repeat(7000)],
  ];
  for (const [what, label] of labels) {
    test(what, () => {
      // A label starting with "-" would read as an option: --set=LABEL takes any text.
      const set = run(w, "guild", ["runs", "label", "-y", target!.id, label.startsWith("-") ? `--set=${label}` : label]);
      assert.equal(set.status, 0, set.stderr);
      assert.equal(set.stderr.trim().split("\n").pop(), "Labeled 1 run(s)");
      const back = records(run(w, "guild-ls-runs", ["--json"])).find((r) => r.id === target!.id);
      assert.equal(back?.label, label, "the --json label is exactly what was set");
      const viaRevParse = records(run(w, "guild-rev-parse-run", ["--json", target!.id]));
      assert.equal(viaRevParse[0]?.label, label);
      const info = run(w, "guild", ["runs", "info", target!.id]);
      assert.equal(info.status, 0, info.stderr);
      assert.ok(info.stdout.includes(`label: ${label}\n`), "guild runs info shows the label");
      const infoJson = run(w, "guild", ["runs", "info", "--json", target!.id]);
      assert.equal((JSON.parse(infoJson.stdout) as { label: string }).label, label);
      // The plain listing stays one line per run: tabs and line breaks become spaces.
      const plain = run(w, "guild-ls-runs", []);
      assert.equal(plain.stdout.split("\n").filter(Boolean).length, 4);
    });
  }

  test("a label starting with '-' after `--`", () => {
    const r = run(w, "guild", ["runs", "label", "-y", "--", target!.id, "- x"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(records(run(w, "guild-ls-runs", ["--json"])).find((x) => x.id === target!.id)?.label, "- x");
  });

  test("a 1 MB label written on disk as Guild writes it lists exactly, fast", () => {
    const label = "\u05e9\u05dc\u05d5\u05dd \x1b[1m\n\t".repeat(Math.ceil((1 << 20) / 14)).slice(0, 1 << 20);
    fs.writeFileSync(attrFile(w, target!.id, "label"), encodeAttr(label));
    const t0 = Date.now();
    const r = run(w, "guild-ls-runs", ["--json"]);
    assert.ok(Date.now() - t0 < 20_000);
    assert.equal(r.stderr, "");
    assert.equal(records(r).find((x) => x.id === target!.id)?.label, label);
    const info = run(w, "guild", ["runs", "info", target!.id]);
    assert.ok(info.stdout.includes(`label: ${label}\n`));
  });
});

describe("damaged attr files on disk: the other runs are listed, one warning per bad file, exit 0", () => {
  const w = makeWorld({ runs: 10, seed: 802 });
  const all = ids(w);
  const laughs = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i < 9; i++)
    laughs.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  const damage: [string, string, string | Buffer][] = [
    [all[0]!, "flags", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 1) % 256))], // binary
    [all[1]!, "exit_status", "[1, 2, {a: "], // truncated
    [all[2]!, "flags", "[".repeat(10_000) + "]".repeat(10_000)], // 10,000 deep
    [all[3]!, "tags", laughs.join("\n") + "\n"], // billion laughs
    [all[4]!, "label", Buffer.from([0x00, 0x01, 0x02, 0xff, 0x1b])], // binary label (NUL)
    [all[5]!, "started", "!!int 'nope'\n"],
  ];
  for (const [id, name, content] of damage) fs.writeFileSync(attrFile(w, id, name), content);

  test("guild-ls-runs --json, guild runs, guild-rev-parse-run :", () => {
    const t0 = Date.now();
    const r = run(w, "guild-ls-runs", ["--json"]);
    assert.ok(Date.now() - t0 < 20_000, "in bounded time");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      records(r)
        .map((x) => x.id)
        .sort(),
      all,
      "every run is listed, damaged ones included",
    );
    const warnings = r.stderr.split("\n").filter(Boolean);
    for (const [id, name] of damage) {
      const mine = warnings.filter((l) => l.includes(id) && l.includes(`'${name}'`));
      assert.equal(mine.length, 1, `one warning about ${id} ${name}:\n${r.stderr}`);
      assert.match(mine[0]!, /^guild-ls-runs: warning: run [0-9a-f]{32}: /);
    }
    assert.equal(warnings.length, damage.length, r.stderr);
    for (const l of warnings) assert.ok(l.length < 500, `a warning of ${l.length} characters`);
    const byId = new Map(records(r).map((x) => [x.id, x]));
    assert.deepEqual(byId.get(all[0]!)!.flags, {});
    assert.equal(byId.get(all[1]!)!.exit_status, null);
    assert.deepEqual(byId.get(all[3]!)!.tags, []);
    assert.equal(byId.get(all[4]!)!.label, null);
    const table = run(w, "guild", ["runs", "-L"]);
    assert.equal(table.status, 0);
    assert.equal(table.stdout.split("\n").filter((l) => l.startsWith("[")).length, all.length);
    const rev = run(w, "guild-rev-parse-run", [":"]);
    assert.deepEqual(rev.stdout.trim().split("\n").sort(), all);
    for (const id of all.slice(0, 6)) assert.equal(run(w, "guild", ["runs", "info", id]).status, 0);
  });

  test("a label attr with invalid UTF-8 is reported, not silently read as U+FFFD", () => {
    const w2 = makeWorld({ runs: 3, seed: 803 });
    const [id] = ids(w2);
    fs.writeFileSync(attrFile(w2, id!, "label"), Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0x62, 0x0a]));
    const r = run(w2, "guild-ls-runs", ["--json"]);
    assert.equal(r.status, 0);
    assert.equal(records(r).length, 3);
    assert.match(r.stderr, new RegExp(`run ${id}: .*'label'`));
  });
});

describe("run ids and selectors with '/', '..' and strange bytes", () => {
  const w = makeWorld({ runs: 5, deleted: 2, seed: 804 });
  const before = { runs: ids(w), trash: ids(w, "trash/runs") };
  // Something a path traversal could reach: a run-like directory beside the home.
  fs.mkdirSync(path.join(w.root, "victim", ".guild"), { recursive: true });
  fs.writeFileSync(path.join(w.root, "victim", ".guild", "opref"), "guildfile:'/x/guild.yml' 'v' m op\n");
  const hostile = [
    "/",
    ".",
    "..",
    "../..",
    "../../etc",
    "../victim",
    "../../home/victim",
    "a/b",
    "./" + before.runs[0],
    before.runs[0] + "/..",
    before.runs[0] + "/../" + before.runs[1],
    "/etc/passwd",
    "-",
    "--",
    "~",
    "$HOME",
    "*",
    "a b",
    "\x1b[31m",
    "x\ny",
    "tab\tid",
    "\u202eabc",
    "\u05e9\u05dc\u05d5\u05dd",
    "\u00e9t\u00e9",
    "\x7f",
    "a".repeat(200) + "/" + "b".repeat(50_000),
  ];

  // A longer run (GUILDTS_RELIABILITY_SCALE > 1) adds pseudo-random path-like selectors.
  const pieces = ["/", "..", ".", "a", "0", "f", "\x1b", "\u202e", "\u05d0", " ", "$", "*", "~", "\t"];
  let seed = 804;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let i = 0; i < (SCALE - 1) * 10; i++) {
    const sel = Array.from({ length: 1 + rand(8) }, () => pieces[rand(pieces.length)]).join("");
    if (sel.includes("/") || sel.includes("..")) hostile.push(sel);
  }

  const unchanged = (what: string) => {
    assert.deepEqual({ runs: ids(w), trash: ids(w, "trash/runs") }, before, `${what}: runs moved`);
    assert.ok(fs.existsSync(path.join(w.root, "victim", ".guild", "opref")), `${what}: the directory beside the home moved`);
  };

  test("guild-rev-parse-run: a usage error naming the selector (exit 2)", () => {
    for (const sel of hostile.filter((s) => !s.startsWith("-"))) {
      const r = run(w, "guild-rev-parse-run", [sel]);
      assert.equal(r.status, 2, `${JSON.stringify(sel)}: ${r.stderr}`);
      assert.ok(r.stderr.startsWith(`guild-rev-parse-run: invalid selector '${showInput(sel)}'`), r.stderr.slice(0, 300));
      assert.equal(r.stdout, "");
    }
    const fromStdin = run(w, "guild-rev-parse-run", ["--stdin"], { input: hostile.filter((s) => !s.includes("\n")).join("\n") + "\n" });
    assert.equal(fromStdin.status, 2, fromStdin.stderr);
    assert.match(fromStdin.stderr, /^guild-rev-parse-run: invalid selector '\/'/);
    unchanged("guild-rev-parse-run");
  });

  test("guild-mark-deleted / guild-restore-deleted / guild-purge-deleted: `failed`, exit 1, nothing moved", () => {
    for (const name of ["guild-mark-deleted", "guild-restore-deleted", "guild-purge-deleted"]) {
      const given = hostile.filter((s) => !s.includes("\n") && !s.startsWith("-"));
      const r = run(w, name, ["--json", ...given]);
      assert.equal(r.status, 1, `${name}: ${r.stderr}`);
      const outs = r.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id: string; outcome: string; reason?: string });
      assert.deepEqual(
        outs.map((o) => o.id),
        [...new Set(given)],
        "one result per distinct id, in order",
      );
      for (const o of outs) assert.ok(["failed", "not-found"].includes(o.outcome), `${name} ${JSON.stringify(o.id)}: ${o.outcome}`);
      for (const o of outs.filter((x) => x.id.includes("/") || x.id === "." || x.id === "..")) assert.equal(o.outcome, "failed", o.id);
      // Ids on stdin, JSON records whose id is a path.
      const input =
        hostile
          .filter((s) => !s.includes("\n"))
          .map((id) => JSON.stringify({ id }))
          .join("\n") + "\n";
      const viaStdin = run(w, name, ["--stdin", "--json"], { input });
      assert.equal(viaStdin.status, 1);
      assert.ok(records(viaStdin).every((x) => ["failed", "not-found"].includes((x as unknown as { outcome: string }).outcome)));
    }
    unchanged("the lifecycle plumbing");
  });

  test("guild-mark-deleted: an id with a line break keeps the one-line-per-run output", () => {
    const r = run(w, "guild-mark-deleted", ["x\ny"]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout.split("\n").filter(Boolean).length, 1, JSON.stringify(r.stdout));
    unchanged("guild-mark-deleted x\\ny");
  });

  test("guild runs rm -y / guild runs info / guild runs label -y: a usage error naming the selector (exit 2)", () => {
    const some = ["../../etc", "a/b", "\x1b[31m", "\u202eabc"];
    const cases = [
      ...hostile.filter((s) => !s.startsWith("-")).map((sel) => ["runs", "rm", "-y", sel]),
      ...some.flatMap((sel) => [
        ["runs", "info", sel],
        ["runs", "label", "-y", sel, "new label"],
        ["runs", "purge", "-y", sel],
        ["runs", "restore", "-y", sel],
      ]),
    ];
    for (const args of cases) {
      const sel = args[args[1] === "label" ? 3 : args.length - 1]!;
      {
        const r = run(w, "guild", args);
        assert.equal(r.status, 2, `guild ${args.join(" ").slice(0, 80)}: ${r.stderr.slice(0, 300)}`);
        assert.ok(r.stderr.startsWith(`guild: invalid selector '${showInput(sel)}'`), r.stderr.slice(0, 300));
      }
    }
    unchanged("guild runs rm/info/label");
  });

  test("guild runs rm -y '' names the empty selector", () => {
    const r = run(w, "guild", ["runs", "rm", "-y", ""]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^guild: an empty selector/);
    unchanged("guild runs rm -y ''");
  });
});

describe("a damaged store layout", () => {
  test("GUILD_HOME/runs is a regular file: a clear one-line error, no listing, nothing written", () => {
    const w = makeWorld({ runs: 2, seed: 805 });
    fs.renameSync(path.join(w.home, "runs"), path.join(w.root, "old-runs"));
    fs.writeFileSync(path.join(w.home, "runs"), "not a directory\n");
    const homeBefore = treeListing(w.home, { mtimes: true });
    for (const [name, args] of [
      ["guild-ls-runs", ["--json"]],
      ["guild-rev-parse-run", ["1"]],
      ["guild", ["runs"]],
      ["guild", ["runs", "info"]],
      ["guild", ["runs", "rm", "-y", ":"]],
      ["guild-mark-deleted", ["0123456789abcdef0123456789abcdef"]],
    ] as [string, string[]][]) {
      const r = run(w, name, args);
      assert.ok([1, 2, 5].includes(r.status!), `${name} ${args.join(" ")}: exit ${r.status}`);
      assert.equal(r.stdout.trim() === "" || name === "guild-mark-deleted", true, `${name}: ${r.stdout}`);
      const lines = r.stderr
        .split("\n")
        .filter(Boolean)
        .filter((l) => !l.startsWith("Try '"));
      assert.ok(lines.length >= 1 || name === "guild-mark-deleted", `${name}: no error`);
      if (name === "guild-mark-deleted") assert.equal(r.stdout, "not-found\t0123456789abcdef0123456789abcdef\tno such run\n");
      else assert.match(lines[0]!, /ENOTDIR.*\/runs'/, `${name}: the error names the runs path: ${r.stderr}`);
    }
    assert.equal(treeListing(w.home, { mtimes: true }), homeBefore);
  });

  const symlinkCase = (env: NodeJS.ProcessEnv) => () => {
    const w = makeWorld({ runs: 4, seed: 806 });
    const good = ids(w);
    const runs = path.join(w.home, "runs");
    fs.symlinkSync("loop", path.join(runs, "loop"));
    fs.symlinkSync("nowhere-at-all", path.join(runs, "dangling"));
    fs.symlinkSync(path.join(w.sentinel, "sub"), path.join(runs, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    fs.writeFileSync(path.join(runs, "stray-file"), "x");
    const r = run(w, "guild-ls-runs", ["--json"], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      records(r)
        .map((x) => x.id)
        .filter((id) => good.includes(id))
        .sort(),
      good,
    );
    for (const bad of ["loop", "dangling", "stray-file"]) {
      assert.equal(
        r.stderr.split("\n").filter((l) => l.includes(`/${bad}'`) || l.includes(`run ${bad}:`)).length,
        1,
        `one warning about ${bad}:\n${r.stderr}`,
      );
    }
    for (const args of [
      ["runs", "-L"],
      ["runs", "info", "loop"],
      ["runs", "rm", "-y", "loop"],
      ["runs", "rm", "-y", "dangling"],
    ])
      run(w, "guild", args, { env });
    run(w, "guild-mark-deleted", ["loop", "dangling"], { env });
    run(w, "guild-rev-parse-run", [":"], { env });
    assert.deepEqual(
      good.every((id) => fs.existsSync(path.join(runs, id))),
      true,
    );
    // `loop` is moved as the link it is (guild-mark-deleted takes directory names), never followed.
    const isLink = (p: string) => fs.lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() === true;
    assert.ok(isLink(path.join(runs, "loop")) || isLink(path.join(w.home, "trash", "runs", "loop")));
  };
  test(
    "runs/<x> a symlink loop, a dangling symlink, a symlink to outside, a stray file: skipped with a warning each (no index)",
    symlinkCase({ GUILDTS_INDEX: "off" }),
  );
  test("the same with the run index (the default)", symlinkCase({}));
});

describe("permissions (run as user nobody)", { skip: IS_ROOT ? false : "needs root to run commands as user nobody" }, () => {
  const unreadableRun = (env: NodeJS.ProcessEnv) => () => {
    const w = makeWorld({ runs: 5, seed: 807 });
    const all = ids(w);
    fs.chmodSync(path.join(w.home, "runs", all[2]!), 0o000);
    const r = run(w, "guild-ls-runs", ["--json"], { nobody: true, env });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      records(r)
        .map((x) => x.id)
        .sort(),
      all.filter((id) => id !== all[2]),
    );
    const mine = r.stderr.split("\n").filter((l) => l.includes(all[2]!));
    assert.equal(mine.length, 1, r.stderr);
    assert.match(mine[0]!, /EACCES|permission denied/i);
    const info = run(w, "guild", ["runs", "info", all[2]!], { nobody: true, env });
    assert.ok(info.status !== 0 && info.status !== null);
    assert.equal(info.stderr.split("\n").filter(Boolean).length <= 2, true, info.stderr);
    assert.equal(run(w, "guild", ["runs", "-L"], { nobody: true, env }).status, 0);
  };
  test("an unreadable run directory: the others listed, one warning, exit 0 (no index)", unreadableRun({ GUILDTS_INDEX: "off" }));
  test("the same with the run index (the default)", unreadableRun({}));

  test("an unreadable runs/ directory: a clear one-line error, exit 5", () => {
    const w = makeWorld({ runs: 3, seed: 808 });
    fs.chmodSync(path.join(w.home, "runs"), 0o000);
    for (const [name, args] of [
      ["guild-ls-runs", ["--json"]],
      ["guild-rev-parse-run", [":"]],
      ["guild", ["runs"]],
      ["guild", ["runs", "rm", "-y", ":"]],
    ] as [string, string[]][]) {
      const r = run(w, name, args, { nobody: true });
      assert.equal(r.status, 5, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, "");
      assert.match(r.stderr.split("\n")[0]!, /permission denied|EACCES/i);
      assert.ok(r.stderr.split("\n").filter(Boolean).length <= 2, r.stderr);
    }
    fs.chmodSync(path.join(w.home, "runs"), 0o755);
  });

  test("a read-only home: listing works, label and rm fail with one clear line and exit 5, nothing changes", () => {
    const w = makeWorld({ runs: 6, deleted: 2, seed: 809 });
    const all = ids(w);
    spawnSync("chmod", ["-R", "a-w", w.home]);
    const before = treeListing(w.home, { mtimes: true });
    try {
      const r = run(w, "guild-ls-runs", ["--json"], { nobody: true });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, "", "the index cache write fails silently");
      assert.deepEqual(
        records(r)
          .map((x) => x.id)
          .sort(),
        all,
      );
      assert.equal(run(w, "guild", ["runs", "-L"], { nobody: true }).status, 0);
      assert.equal(run(w, "guild", ["runs", "info"], { nobody: true }).status, 0);
      // label, rm, purge, restore: exit 1, "a run that could not be changed" (README), with the
      // reason. Error lines, then the summary.
      for (const [args, codes, summary] of [
        [["runs", "label", "-y", "1", "new label"], [1], /^Labeled 0 run\(s\)$/],
        [["runs", "rm", "-y", "1"], [1, 5], /^Deleted 0 run\(s\); 1 not changed/],
        [["runs", "rm", "-p", "-y", "1"], [1, 5], /^Permanently deleted 0 run\(s\); 1 not changed/],
        [["runs", "purge", "-y"], [1, 5], /^Permanently deleted 0 run\(s\); 2 not changed/],
        [["runs", "restore", "-y"], [1, 5], /^Restored 0 run\(s\); 2 not changed/],
      ] as [string[], number[], RegExp][]) {
        const x = run(w, "guild", args, { nobody: true });
        assert.ok(codes.includes(x.status!), `guild ${args.join(" ")}: exit ${x.status}: ${x.stderr}`);
        const lines = x.stderr.split("\n").filter(Boolean);
        assert.match(lines[lines.length - 1]!, summary, x.stderr);
        for (const l of lines.slice(0, -1)) assert.match(l, /^guild: .*(EACCES|permission denied)/, x.stderr);
        assert.ok(lines.length >= 2, x.stderr);
      }
      for (const name of ["guild-mark-deleted", "guild-purge-deleted"]) {
        const x = run(w, name, ["--json", all[0]!], { nobody: true });
        assert.ok([1, 5].includes(x.status!), `${name}: exit ${x.status}`);
      }
      assert.equal(treeListing(w.home, { mtimes: true }), before, "the home changed");
    } finally {
      spawnSync("chmod", ["-R", "u+w", w.home]);
    }
  });
});

describe("nothing outside the store is read or written: symlinks in runs and in the trash", () => {
  test("rm, purge, guild-purge-deleted, rm -p leave the sentinel as it was", () => {
    const w = makeWorld({ runs: 6, deleted: 3, seed: 810 });
    const trash = path.join(w.home, "trash", "runs");
    // A trash entry that is itself a symlink to the sentinel, and one to a sentinel subdirectory
    // that looks like a run.
    fs.symlinkSync(w.sentinel, path.join(trash, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
    fs.symlinkSync(path.join(w.sentinel, "sub"), path.join(trash, "cccccccccccccccccccccccccccccccc"));
    fs.symlinkSync(path.join(w.sentinel, "sub"), path.join(w.home, "runs", "dddddddddddddddddddddddddddddddd"));
    run(w, "guild-ls-runs", ["--json", "--deleted"]);
    run(w, "guild", ["runs", "rm", "-y", "1:2"]);
    run(w, "guild", ["runs", "rm", "-p", "-y", "1"]);
    run(w, "guild", ["runs", "purge", "-y"]);
    const deleted = ids(w, "trash/runs");
    run(w, "guild-purge-deleted", ["--json", ...deleted, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccccc"]);
    run(w, "guild-purge-deleted", ["--json", "--live", "dddddddddddddddddddddddddddddddd"]);
    run(w, "guild-mark-deleted", ["--json", "dddddddddddddddddddddddddddddddd"]);
    run(w, "guild", ["runs", "purge", "-y", ":"]);
    const live = records(run(w, "guild-ls-runs", ["--json"]))
      .map((x) => x.id)
      .filter((id) => /^[0-9a-f]{32}$/.test(id) && !/^(.)\1+$/.test(id));
    run(w, "guild-mark-deleted", ["--json", ...live]);
    run(w, "guild-purge-deleted", ["--json", ...live]);
    assert.ok(fs.existsSync(path.join(w.sentinel, "secret.txt")));
  });

  test("an attr file that is a symlink out of the store is never read nor written through; --set replaces it", () => {
    const w = makeWorld({ runs: 2, seed: 811 });
    const [id] = ids(w);
    const label = attrFile(w, id!, "label");
    fs.rmSync(label, { force: true });
    fs.symlinkSync(path.join(w.sentinel, "secret.txt"), label);
    // --append needs the old label: refused, the link not read (its text would leak into the label).
    const append = run(w, "guild", ["runs", "label", id!, "--append", "more", "-y"]);
    assert.equal(append.status, 1);
    assert.match(append.stderr, /cannot label run .*attr 'label' is a symbolic link/);
    const list = run(w, "guild-ls-runs", ["--json"]);
    assert.match(list.stderr, /attr 'label'.*ELOOP|symbolic link/i, "the listing does not read it either");
    assert.ok(!list.stdout.includes("do not read"));
    run(w, "guild", ["runs", "label", id!, "--set", "replaced", "-y"]);
    assert.equal(fs.lstatSync(label).isSymbolicLink(), false, "the link itself was replaced");
    assert.equal(fs.readFileSync(label, "utf8"), "replaced\n");
  });
});
