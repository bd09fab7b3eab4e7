import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { shlexSplit } from "@guildts/py";
import { fixtureDir, placeFixture, runCommand, type PlacedFixture } from "@guildts/testkit";

describe("guild cat, ls and diff on the batch home written by Guild 0.9.1", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture("guild-0.9-batch-home");
  });
  const guild = (args: string[], cwd = fx.alice) => runCommand("guild", args, { env: fx.env, cwd });
  const tsv = () =>
    new Map(
      fs
        .readFileSync(path.join(fixtureDir("guild-0.9-batch-home"), "expected", "COMMANDS.tsv"), "utf8")
        .trim()
        .split("\n")
        .map((l) => l.split("\t"))
        .map(([name, , cmd]) => [name!, cmd!]),
    );
  /** The recorded command line (sh-quoted as Guild's COMMANDS.tsv has it), without `guild`. */
  const argsOf = (name: string): string[] => {
    const cmd = tsv().get(name);
    assert.ok(cmd, name);
    return shlexSplit(cmd).slice(1);
  };
  const sameAsGuild = (name: string, mask = (s: string) => s) => {
    const r = guild(argsOf(name));
    assert.equal(mask(r.stdout), mask(fx.expected(`${name}.stdout`)), `${name}: ${r.stderr}`);
    assert.equal(r.stderr, fx.expected(`${name}.stderr`), name);
    assert.equal(r.status, Number(fx.expected(`${name}.exit`)), name);
  };

  test("cat --output and cat -p through a dependency link: Guild's bytes", () => {
    for (const name of ["cat-output-trial", "cat-output-batch", "cat-output-fail-batch", "cat-path-dep", "err-cat-no-path"])
      sameAsGuild(name);
  });

  test("ls with every recorded option: Guild's listing, byte for byte", () => {
    for (const name of [
      "ls-trial",
      "ls-a-trial",
      "ls-s-trial",
      "ls-g-trial",
      "ls-d-dep",
      "ls-n-trial",
      "ls-f-trial",
      "ls-p-attrs",
      "ls-batch",
      "ls-a-batch",
      "ls-L-batch",
    ])
      sameAsGuild(name);
  });

  test("hostile paths: absolute, .., links out of the store, FIFOs: one-line errors, nothing read", () => {
    const run = path.join(fx.home, "runs", "f43d2ea16efb4bc6a6806d79bf4d476e");
    fs.writeFileSync(path.join(fx.alice, "secret.txt"), "SECRET\n");
    fs.symlinkSync(path.join(fx.alice, "secret.txt"), path.join(run, "out-abs"));
    fs.symlinkSync("../../secret.txt", path.join(run, "out-rel"));
    fs.symlinkSync(fx.alice, path.join(run, "out-dir"));
    execFileSync("mkfifo", [path.join(run, "fifo")]);
    try {
      const refused = (args: string[], message: RegExp) => {
        const r = guild(args);
        assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
        assert.equal(r.stdout, "", args.join(" "));
        assert.match(r.stderr, message, args.join(" "));
        assert.doesNotMatch(r.stderr, /SECRET|\n\s+at /, args.join(" "));
      };
      refused(["cat", "-p", "/etc/passwd", "f43d2ea1"], /^guild: PATH must be relative\nTry 'guild cat --help' for more information.\n$/);
      refused(
        ["cat", "-p", "../73dbf46231484e0c9d984c04a09efece/data.txt", "f43d2ea1"],
        /^guild: '..\/73dbf46231484e0c9d984c04a09efece\/data.txt' leaves the run directory\n$/,
      );
      refused(["cat", "-p", "../../../secret.txt", "f43d2ea1"], /^guild: .* leaves the run directory\n$/);
      refused(["cat", "-p", "out-abs", "f43d2ea1"], /^guild: 'out-abs' is a link out of the run directory\n$/);
      refused(["cat", "-p", "out-rel", "f43d2ea1"], /^guild: 'out-rel' is a link out of the run directory\n$/);
      refused(["cat", "-p", "out-dir/secret.txt", "f43d2ea1"], /^guild: 'out-dir\/secret.txt' is a link out of the run directory\n$/);
      refused(["cat", "-p", "fifo", "f43d2ea1"], /^guild: .*fifo: a FIFO, not a regular file \(not read\)\n$/);
      refused(["cat", "-p", ".guild", "f43d2ea1"], /^guild: .*\.guild: a directory\n$/);
      refused(["cat", "-p", "nope.txt", "f43d2ea1"], new RegExp(`^guild: ${run}/nope.txt does not exist\n$`));
      refused(["ls", "-p", "/etc", "f43d2ea1"], /^guild: PATH must be relative\nTry 'guild ls --help' for more information.\n$/);
      refused(["ls", "-p", "..", "f43d2ea1"], /^guild: '..' leaves the run directory\n$/);
      refused(["ls", "-p", "out-dir", "f43d2ea1"], /^guild: 'out-dir' is a link out of the run directory\n$/);
      // -L never follows a link out: the links are listed, nothing behind them.
      const all = guild(["ls", "-L", "-a", "f43d2ea1"]);
      assert.equal(all.status, 0, all.stderr);
      for (const name of ["out-abs", "out-rel", "out-dir", "fifo"]) assert.match(all.stdout, new RegExp(`^  ${name}$`, "m"));
      assert.doesNotMatch(all.stdout, /secret/);
      // --json: one object per line, exact paths.
      const json = guild(["ls", "--json", "-p", "data.txt", "f43d2ea1"]);
      assert.deepEqual(
        json.stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l)),
        [{ path: "data.txt", full_path: path.join(run, "data.txt"), dir: false }],
      );
    } finally {
      for (const name of ["out-abs", "out-rel", "out-dir", "fifo"]) fs.rmSync(path.join(run, name));
    }
  });

  test("a cycle of directory links under -L ends; -s takes PATH from the source code dest", () => {
    const run = path.join(fx.home, "runs", "d97e9238f0cc4b1c894f3b61dae2746c");
    fs.mkdirSync(path.join(run, "sub"));
    fs.symlinkSync("..", path.join(run, "sub", "up"));
    try {
      const r = guild(["ls", "-L", "d97e9238"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^  sub\/up\/$/m);
      assert.doesNotMatch(r.stdout, /sub\/up\/sub/);
    } finally {
      fs.rmSync(path.join(run, "sub"), { recursive: true });
    }
    const src = guild(["cat", "-s", "-p", "train.py", "d97e9238"]);
    assert.equal(src.status, 0, src.stderr);
    assert.equal(src.stdout, fs.readFileSync(path.join(run, "train.py"), "utf8"));
    const both = guild(["cat", "--output", "-p", "x", "d97e9238"]);
    assert.equal(both.status, 0);
    assert.equal(both.stderr, "--output cannot be used with other options - ignoring other options\n");
  });

  const maskTimes = (s: string) => s.replace(/^((?:---|\+\+\+) .*\t)\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} [+-]\d{4}$/gm, "$1TIME");

  test("diff: the built-in diff prints what Guild's default diff -ru printed (mtimes masked); -c runs a command", () => {
    for (const name of ["diff-flags-default", "diff-attrs-default", "err-diff-one-run"]) sameAsGuild(name, maskTimes);
    // The header times are the files' own mtimes, in GNU diff's format.
    const flags = path.join(fx.home, "runs", "f43d2ea16efb4bc6a6806d79bf4d476e", ".guild", "attrs", "flags");
    fs.utimesSync(flags, new Date("2026-12-01T21:33:39.003Z"), new Date("2026-12-01T21:33:39.003Z"));
    const r = guild(["diff", "f43d2ea1", "d97e9238", "--flags"]);
    assert.match(r.stdout, new RegExp(`^--- ${flags}\t2026-12-01 21:33:39.003000000 \\+0000$`, "m"));
    if (spawnSync("diff", ["--version"]).status === 0)
      for (const name of ["diff-flags-diff", "diff-attrs-diff", "diff-flags-diff-u"]) sameAsGuild(name, maskTimes);
  });

  test("diff: defaults, errors, refused paths, a command that cannot start", () => {
    const two = guild(["diff", "f43d2ea1", "d97e9238", "-p", "train.py"]);
    assert.deepEqual([two.status, two.stdout, two.stderr], [0, "", ""]); // same file: nothing
    const all = guild(["diff", "f43d2ea1", "d97e9238"]);
    assert.equal(all.status, 0, all.stderr);
    assert.match(all.stdout, /^diff -ru .*\/\.guild\/attrs\/flags .*\/\.guild\/attrs\/flags$/m);
    assert.match(all.stdout, /^Only in .*\.guild: events\.out\.tfevents\./m);
    const out = guild(["diff", "f43d2ea1", "d97e9238", "--output", "--flags", "--attrs"]);
    assert.equal(out.stderr, "WARNING: ignoring --flags (already included in --attrs)\n");
    assert.match(out.stdout, /^-acc: 0\.45$/m);
    const cases: [string[], number, RegExp][] = [
      [
        ["diff", "f43d2ea1", "d97e9238", "-p", "/etc/passwd"],
        1,
        /^guild: PATH must be relative\nTry 'guild diff --help' for more information.\n$/,
      ],
      [["diff", "f43d2ea1", "d97e9238", "-p", "../../.."], 1, /^guild: '..\/..\/..' leaves the run directory\n$/],
      [["diff", "f43d2ea1", "d97e9238", "--dir", "x"], 1, /^guild: cannot specify second RUN and --dir\n$/],
      [["diff", "f43d2ea1", "d97e9238", "--working"], 1, /^guild: cannot specify second RUN and --working\n$/],
      [["diff", "f43d2ea1", "--working", "--dir", "x"], 2, /--working and --dir cannot both be used/],
      [
        ["diff", "f43d2ea1", "d97e9238", "--flags", "-c", "no-such-diff-tool -u"],
        1,
        /^guild: error running 'no-such-diff-tool -u .*flags .*flags': .*ENOENT/,
      ],
    ];
    for (const [args, status, stderr] of cases) {
      const r = guild(args);
      assert.equal(r.status, status, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, stderr, args.join(" "));
    }
    // -c is split like a shell but never run by one: `;` is an argument.
    const marker = path.join(fx.alice, "pwned");
    const safe = guild(["diff", "f43d2ea1", "d97e9238", "--flags", "-c", `echo ; touch ${marker}`]);
    assert.equal(safe.status, 0, safe.stderr);
    assert.match(safe.stdout, /^; touch .*pwned .*flags .*flags\n$/);
    assert.equal(fs.existsSync(marker), false);
  });

  test("diff --dir and --working against a directory; links out of the store are not followed", () => {
    const run = path.join(fx.home, "runs", "d97e9238f0cc4b1c894f3b61dae2746c");
    const work = path.join(fx.alice, "work");
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, "train.py"), "print('changed')\n");
    fs.writeFileSync(path.join(fx.alice, "secret.txt"), "SECRET\n");
    fs.symlinkSync(path.join(fx.alice, "secret.txt"), path.join(run, "leak.txt"));
    fs.symlinkSync(path.join(fx.alice, "secret.txt"), path.join(work, "leak.txt"));
    try {
      const r = guild(["diff", "d97e9238", "--dir", "work", "-p", "train.py"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^\+print\('changed'\)$/m);
      const whole = guild(["diff", "d97e9238", "--dir", "work"]);
      assert.doesNotMatch(whole.stdout, /SECRET/);
      assert.match(whole.stderr, /leak\.txt: a link out of the run directory \(not followed\)/);
      assert.match(whole.stdout, /^Only in .*d97e9238f0cc4b1c894f3b61dae2746c: evaluate\.py$/m);
      const leak = guild(["diff", "d97e9238", "--dir", "work", "-p", "leak.txt"]);
      assert.equal(leak.status, 1);
      assert.equal(leak.stderr, "guild: 'leak.txt' is a link out of the run directory\n");
      fs.appendFileSync(path.join(fx.cls, "train.py"), "# local edit\n");
      const w = guild(["diff", "d97e9238", "--working", "-p", "train.py"]);
      assert.equal(w.status, 0, w.stderr);
      assert.match(w.stdout, /^\+# local edit$/m);
      fs.renameSync(fx.cls, `${fx.cls}.away`);
      const gone = guild(["diff", "d97e9238", "--working"]);
      fs.renameSync(`${fx.cls}.away`, fx.cls);
      assert.equal(gone.status, 1);
      assert.equal(
        gone.stderr,
        "guild: cannot find working source code directory for run d97e9238\nTry specifying the directory with 'guild diff d97e9238 --dir DIR'.\n",
      );
    } finally {
      fs.rmSync(path.join(run, "leak.txt"));
      fs.rmSync(work, { recursive: true });
      fs.copyFileSync(path.join(run, "train.py"), path.join(fx.cls, "train.py"));
    }
  });
});
