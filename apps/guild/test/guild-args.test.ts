import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { bindOptionValues, newCli } from "@guildts/plumbing/cli.js";
import { binPath, hasTool, placeFixture, repoRoot, runCommand, Tmux, type PlacedFixture } from "@guildts/testkit";
import { commandOptions, GUILD_ONLY, loadCommand, lookup } from "../src/command.js";
import { COMMANDS } from "../src/commands/index.js";

// Issue 20, items 4-7: arguments parse as Guild's click parses them, help, hints, exit codes.

const visible = await Promise.all(COMMANDS.filter((c) => !c.hidden).map(loadCommand));

describe("bindOptionValues: each value bound to its option, as click reads a command line", () => {
  const cli = newCli("x")
    .option("--csv [file]", "")
    .option("-t, --table", "")
    .option("-n, --limit, --top <n>", "")
    .option("-l, --label <text>", "")
    .option("-y, --yes", "");
  const bind = (...argv: string[]) => bindOptionValues(cli, argv);

  test("an optional value takes the next word unless it is an option; '-' is a value", () => {
    assert.deepEqual(bind("--csv", "-", "2:5"), { argv: ["--csv=-", "2:5"], positional: ["2:5"] });
    assert.deepEqual(bind("2:5", "--csv"), { argv: ["2:5", "--csv"], positional: ["2:5"] });
    assert.deepEqual(bind("--csv", "-t", "1"), { argv: ["--csv", "-t", "1"], positional: ["1"] });
    assert.deepEqual(bind("--csv", "out.csv", "1"), { argv: ["--csv=out.csv", "1"], positional: ["1"] });
  });

  test("a required value takes the next word whatever it is; glued and bundled short values", () => {
    assert.deepEqual(bind("-l", "-x", "1").argv, ["--label=-x", "1"]);
    assert.deepEqual(bind("--label", "", "1"), { argv: ["--label=", "1"], positional: ["1"] });
    assert.deepEqual(bind("-n5").argv, ["--limit=5"]);
    assert.deepEqual(bind("-yn", "5", "3").argv, ["-y", "--limit=5", "3"]);
    assert.deepEqual(bind("-tn5").argv, ["-t", "--limit=5"]);
    assert.deepEqual(bind("1", "-n", "5").positional, ["1"]);
    assert.throws(() => bind("-n"), /option '-n' needs a value/);
    assert.throws(() => bind("--top"), /option '--top' needs a value/);
  });

  test("'--' ends the options: what follows is kept as it is", () => {
    assert.deepEqual(bind("-y", "--", "-n", "5").argv, ["-y", "--", "-n", "5"]);
  });
});

describe("Guild 0.9's forms of the porcelain's commands (fixture written by Guild 0.9.1)", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
  });
  const guild = (args: string[], cwd?: string) => runCommand("guild", args, { env: fx.env, cwd: cwd ?? fx.mnist });
  const plumbing = (name: string, args: string[], cwd?: string) => runCommand(name, args, { env: fx.env, cwd: cwd ?? fx.mnist });
  const csvRuns = (stdout: string) =>
    stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(",")[0]);

  test("compare --csv - 2:5 compares runs 2 to 5 (the selection after an optional value is kept)", () => {
    const want = ["3d5e4116", "2f4b9d7b", "e372a2f0", "449af203"];
    for (const args of [
      ["--csv", "-", "2:5"],
      ["2:5", "--csv", "-"],
      ["--csv=-", "2:5"],
      ["2:5", "--csv"],
    ]) {
      const r = guild(["compare", ...args]);
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.deepEqual(csvRuns(r.stdout), want, args.join(" "));
    }
    const all = guild(["compare", "--csv", "-"]);
    assert.equal(csvRuns(all.stdout).length, 6);
  });

  test("compare -t is --table, -n/--limit/--top N; the tag filter is --tag/-Ft", () => {
    const table = guild(["compare", "-t", "-n", "2"]);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^run {2,}operation/);
    assert.equal(table.stdout.trim().split("\n").length, 3);
    for (const n of [["--limit", "2"], ["--top", "2"], ["-n2"]])
      assert.equal(guild(["compare", "--table", ...n]).stdout, table.stdout, n.join(" "));
    // `guild compare -t best`: Guild reads `best` as a run, not as the tag filter's value.
    const best = guild(["compare", "-t", "best"]);
    assert.deepEqual([best.status, best.stderr.trim().split("\n").at(-1)], [1, "guild: no run matches 'best'"]);
    for (const tag of [
      ["--tag", "best"],
      ["-Ft", "best"],
    ]) {
      const r = guild(["compare", "-t", ...tag]);
      assert.deepEqual([r.status, r.stdout], [0, ""], tag.join(" "));
    }
  });

  test("a Guild 0.9 option guildts lacks is refused by name, never read as a filter", () => {
    for (const [opt, guildName] of [
      ["-u", "-u/--skip-unchanged"],
      ["-cc", "-cc/--strict-cols"],
      ["-s", "-s/--all-scalars"],
    ]) {
      const r = guild(["compare", opt!, "x"]);
      assert.equal(r.status, 2, opt);
      assert.equal(
        r.stderr,
        `guild: option '${opt}' (Guild's ${guildName}) is not supported by guildts yet\nTry 'guild compare --help' for more information.\n`,
      );
    }
    assert.equal(
      guild(["compare", "--print-scalars"]).stderr.split("\n")[0],
      "guild: option '--print-scalars' of Guild 0.9 is not supported by guildts yet",
    );
  });

  test("runs -n 5, -n5, options after arguments, a value that starts with '-'", () => {
    const five = guild(["runs", "-n", "5"]);
    assert.equal(five.status, 0, five.stderr);
    assert.equal(five.stdout.trim().split("\n").length, 5);
    assert.equal(guild(["runs", "-n5"]).stdout, five.stdout);
    assert.equal(guild(["runs", "list", "--limit=5"]).stdout, five.stdout);
    const label = guild(["runs", "label", "1", "--set", "-x", "-y"]);
    assert.equal(label.status, 0, label.stderr);
    assert.match(guild(["runs", "-n", "1"]).stdout, /staged {2}-x$/m);
    const before = guild(["runs", "info", "2"]).stdout;
    assert.equal(guild(["runs", "info", "-q", "2"]).stdout, before);
    assert.equal(guild(["runs", "rm", "1", "-y"]).status, 0);
    assert.equal(guild(["runs", "restore", "1", "-y"]).status, 0);
  });

  test("runs label -s/-a/-p/-rm, runs list -d, select -min/-max: Guild's short spellings", () => {
    const latest = () => guild(["runs", "-n", "1"]).stdout;
    for (const [args, label] of [
      [["-s", "one"], "one"],
      [["-a", "two"], "one two"],
      [["-p", "zero"], "zero one two"],
      [["-rm", "one"], "zero two"],
    ] as const) {
      const r = guild(["runs", "label", ...args, "1", "-y"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(latest(), new RegExp(`staged {2}${label}$`, "m"), args.join(" "));
    }
    assert.equal(guild(["label", "-a", "three", "1", "-y"]).status, 0);
    assert.match(latest(), /staged {2}zero two three$/m);
    assert.equal(guild(["runs", "list", "-d"]).stdout, guild(["runs", "list", "--deleted"]).stdout);
    for (const [short, long] of [
      ["-min", "--min"],
      ["-max", "--max"],
    ] as const) {
      const r = guild(["select", short, "loss"]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, guild(["select", long, "loss"]).stdout);
    }
  });

  test("select -a NAME is Guild's --attr, -A its --all (every match); the scope keeps --all", () => {
    const attr = guild(["select", "1", "-a", "label"]);
    assert.equal(attr.status, 0, attr.stderr);
    assert.equal(attr.stdout, guild(["select", "1", "--attr", "label"]).stdout);
    assert.equal(guild(["select", "-astatus", "1"]).stdout, guild(["select", "1", "--attr", "status"]).stdout);
    const every = guild(["select", "-A"]);
    assert.equal(every.status, 0, every.stderr);
    assert.equal(every.stdout.trim().split("\n").length, 6);
    assert.equal(guild(["select", "--all-matching"]).stdout, every.stdout);
    const scope = guild(["select", "-A", "--all"]);
    assert.ok(scope.stdout.trim().split("\n").length > 6, "--all: the runs of every project");
    const bare = guild(["select", "-a"]);
    assert.deepEqual([bare.status, bare.stderr.split("\n")[0]], [2, "guild: option '-a' needs a value"]);
    assert.match(guild(["select", "--help"]).stdout, /^ {2}-a, --attr <name> /m);
  });

  test("diff -a is Guild's --attrs; the scope keeps --all", () => {
    const a = guild(["diff", "2", "1", "-a"]);
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stdout, /\.guild\/attrs/);
    assert.equal(a.stdout, guild(["diff", "2", "1", "--attrs"]).stdout);
    assert.notEqual(a.stdout, guild(["diff", "2", "1"]).stdout);
    const [two, one] = ["2", "1"].map((i) => guild(["select", i]).stdout.trim());
    const scope = guild(["diff", two!, one!, "--all", "--flags"]);
    assert.equal(scope.status, 0, scope.stderr);
    assert.equal(scope.stdout, guild(["diff", "2", "1", "--flags"]).stdout);
    assert.match(guild(["diff", "2", "1", "--all", "--flags"]).stderr, /^$/, "--all: no scope note");
    assert.match(guild(["diff", "--help"]).stdout, /^ {2}-a, --attrs /m);
  });

  test("ls -h is Guild's --human-readable (no effect, as in 0.9.1); ls --help still helps", () => {
    const plain = guild(["ls", "1"]);
    for (const args of [["-h"], ["--human-readable"], ["-h", "-n"]]) {
      const r = guild(["ls", "1", ...args]);
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      if (args.length === 1) assert.equal(r.stdout, plain.stdout, args.join(" "));
    }
    assert.equal(guild(["ls", "1", "-h", "-n"]).stdout, guild(["ls", "1", "-n"]).stdout);
    assert.match(plain.stdout, /:\n {2}\S/);
    const help = guild(["ls", "--help"]);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage:\n {2}\$ guild ls /m);
    assert.match(help.stdout, /^ {2}-h, --human-readable /m);
    assert.match(help.stdout, /^ {2}--help /m);
    assert.doesNotMatch(help.stdout, /-h, --help(?![-\w])/);
    assert.doesNotMatch(guild(["run", "--help"]).stdout, /-h, --help(?![-\w])/);
    assert.match(guild(["run", "--help"]).stdout, /^ {2}-h, --help-op /m);
  });

  test("every command's --help has two or three examples", () => {
    for (const c of visible) {
      const n = c.examples?.length ?? 0;
      assert.ok(n >= 2 && n <= 3, `guild ${c.name}: ${n} examples`);
    }
    const help = runCommand("guild", ["compare", "--help"]).stdout;
    assert.equal(help.split("\nExamples:\n")[1]!.trimEnd().split("\n").length, 3);
  });

  test("other Guild 0.9 options guildts lacks: refused by name in each command; no silent --version", () => {
    for (const [args, message] of [
      [["runs", "list", "-v"], "option '-v' (Guild's -v/--verbose) is not supported by guildts yet"],
      [["runs", "info", "-m"], "option '-m' (Guild's -m/--manifest) is not supported by guildts yet"],
      [["cat", "-pa", "x"], "option '-pa' (Guild's -pa/--page) is not supported by guildts yet"],
      [["runs", "stop", "-n"], "option '-n' (Guild's -n/--no-wait) is not supported by guildts yet"],
      [["runs", "--version"], "unknown option '--version'"],
      [["check", "-v"], "option '-v' (Guild's -v/--verbose) is not supported by guildts yet"],
      [["operations", "-i"], "option '-i' (Guild's -i/--installed) is not supported by guildts yet"],
      [["completion", "--install"], "option '--install' (Guild's -i/--install) is not supported by guildts yet"],
      [["run", "train", "-t", "x"], "option '-t' (Guild's -t/--tag) is not supported by guildts yet"],
      [["run", "train", "-Fo", "lr"], "option '-Fo' (Guild's -Fo/--opt-flag) is not supported by guildts yet"],
    ] as const) {
      const r = guild([...args]);
      assert.deepEqual([r.status, r.stderr.split("\n")[0]], [2, `guild: ${message}`], args.join(" "));
    }
  });

  test("run: Guild's -h is --help-op; a value that looks like an option stays a value", () => {
    const h = guild(["run", "train", "-h"]);
    assert.equal(h.status, 0, h.stderr);
    assert.equal(h.stdout, guild(["run", "train", "--help-op"]).stdout);
    assert.match(h.stdout, /^Usage: guild run \[OPTIONS\] mnist:train/);
    const label = guild(["run", "train", "-l", "-t", "--print-cmd"]);
    assert.equal(label.status, 0, label.stderr);
  });

  test("operations [FILTER...] -v -a and completion -s SHELL, as in Guild (FILTERs were ignored)", () => {
    const all = guild(["operations"]);
    assert.equal(all.stdout.trim().split("\n").length, 3);
    const train = guild(["ops", "tra"]);
    assert.deepEqual([train.status, train.stdout], [0, "mnist:train  Train the classifier\n"]);
    assert.equal(guild(["ops", "nothing-like-it"]).stdout, "");
    assert.match(guild(["ops", "train", "-v"]).stdout, /^mnist:train {2}Train the classifier\n {2}main: train\n {2}flags:\n/);
    assert.equal(guild(["ops", "-a"]).status, 0);
    assert.equal(runCommand("guild", ["completion", "-s", "bash"]).stdout, runCommand("guild", ["completion", "bash"]).stdout);
  });

  test("guild-ls-runs -n/--limit: the newest N of the scoped, filtered list", () => {
    const all = plumbing("guild-ls-runs", ["-a"]).stdout.trim().split("\n");
    const two = plumbing("guild-ls-runs", ["-a", "-n", "2"]);
    assert.deepEqual([two.status, two.stdout.trim().split("\n")], [0, all.slice(0, 2)]);
    assert.equal(plumbing("guild-ls-runs", ["-a", "--limit=2"]).stdout, two.stdout);
    const failed = plumbing("guild-ls-runs", ["-E", "--json", "-n", "1"]).stdout.trim().split("\n");
    assert.equal(failed.length, 1);
    const zero = plumbing("guild-ls-runs", ["-n", "0"]);
    assert.deepEqual(
      [zero.status, zero.stdout, zero.stderr],
      [
        2,
        "",
        "guild-ls-runs: invalid value for '-n' / '--limit': '0' (a whole number of 1 or more)\nTry 'guild-ls-runs --help' for more information.\n",
      ],
    );
  });

  test("-q/--quiet silences the scope note, also in --json pipelines; the data is the same", () => {
    const note = "Limiting runs to the current directory (use --all to include all)\n";
    for (const [cmd, args] of [
      ["guild", ["runs"]],
      ["guild", ["compare", "--csv", "-"]],
      ["guild", ["runs", "info", "1"]],
      ["guild-ls-runs", ["--json"]],
      ["guild-rev-parse-run", ["1:2"]],
    ] as const) {
      const loud = plumbing(cmd, [...args]);
      const quiet = plumbing(cmd, [...args, "-q"]);
      const long = plumbing(cmd, [...args, "--quiet"]);
      assert.equal(loud.stderr, note, `${cmd} ${args.join(" ")}`);
      assert.deepEqual([quiet.status, quiet.stderr, quiet.stdout], [0, "", loud.stdout], `${cmd} ${args.join(" ")} -q`);
      assert.deepEqual([long.stderr, long.stdout], ["", loud.stdout]);
    }
  });
});

describe("hints: one line, pointing the right way", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
  });
  const guild = (args: string[], cwd?: string) => runCommand("guild", args, { env: fx.env, cwd: cwd ?? fx.mnist });

  test("a mistyped runs command: one hint line, never two", () => {
    const typo = guild(["runs", "lsit"]);
    assert.deepEqual(
      [typo.status, typo.stderr],
      [2, "guild: unknown runs command 'lsit' (did you mean 'guild runs list'?)\nTry 'guild --help' for more information.\n"],
    );
    const label = guild(["runs", "baseline"]);
    assert.deepEqual(
      [label.status, label.stderr],
      [2, "guild: unknown runs command 'baseline'\nTry 'guild runs list baseline' to list runs labelled 'baseline', or 'guild --help'.\n"],
    );
  });

  test("did you mean: operations (guild run trian), flags, long options, commands", () => {
    const op = guild(["run", "trian"]);
    assert.deepEqual(
      [op.status, op.stderr],
      [
        1,
        "guild: operation 'trian' is not defined for model 'mnist' (did you mean 'train'?)\nTry 'guild operations mnist' for a list of available operations.\n",
      ],
    );
    const flag = guild(["run", "train", "lrr=0.1", "-y"]);
    assert.equal(flag.status, 1);
    assert.match(flag.stderr, /^guild: unsupported flag 'lrr' \(did you mean 'lr'\?\)\n/);
    const far = guild(["run", "nothing-like-it"]);
    assert.doesNotMatch(far.stderr, /did you mean/);
    const long = guild(["runs", "--jsn"]);
    assert.deepEqual([long.status, long.stderr.split("\n")[0]], [2, "guild: unknown option '--jsn' (did you mean '--json'?)"]);
    // A runs command without `runs`: that one, not the plumbing program that looks like it.
    for (const [typed, meant] of [
      ["purge", "runs purge"],
      ["rm", "runs rm"],
      ["restore", "runs restore"],
      ["info", "runs info"],
    ])
      assert.match(guild([typed!]).stderr, new RegExp(`^guild: '${typed}' is not a guild command \\(did you mean '${meant}'\\?\\)\n`));
    const cmd = guild(["compair"]);
    assert.match(cmd.stderr, /^guild: 'compair' is not a guild command \(did you mean 'compare'\?\)\n/);
  });

  test("Guild 0.9 commands guildts lacks say so, with no misleading suggestion", () => {
    for (const name of ["tensorboard", "models", "runs push", "remote start"]) {
      const r = guild(name.split(" "));
      assert.deepEqual(
        [r.status, r.stderr],
        [
          2,
          `guild: 'guild ${name}' is a Guild 0.9 command that guildts does not have yet\nTry 'guild --help' for the commands guildts has (README: Guild 0.9 commands not in guildts).\n`,
        ],
        name,
      );
    }
    const readme = fs.readFileSync(path.join(repoRoot(), "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("Guild 0.9 commands not in guildts"));
    for (const name of GUILD_ONLY) {
      assert.equal(lookup(COMMANDS, name.split(" ")), null, `${name} is not in the command table`);
      assert.ok(section.includes(`\`${name}\``), `README lists ${name}`);
    }
  });

  test("an id prefix that matches only outside the scope says so and suggests -a", () => {
    for (const id of ["e8cf6838", "e8cf"]) {
      const r = guild(["runs", "info", id]);
      assert.deepEqual(
        [r.status, r.stderr],
        [
          1,
          `guild: no run matches '${id}' among the runs of the current directory (run e8cf6838 matches outside it: use -a to include all runs)\n`,
        ],
      );
      assert.equal(guild(["runs", "info", id, "-a"]).status, 0);
    }
    // A prefix that matches nothing anywhere keeps the short message; so does the plumbing's.
    assert.equal(guild(["runs", "info", "ffff"]).stderr, "guild: no run matches 'ffff'\n");
    const rp = runCommand("guild-rev-parse-run", ["e8cf"], { env: fx.env, cwd: fx.mnist });
    assert.match(rp.stderr, /use -a to include all runs\)\n$/);
  });

  test("plumbing that needs a full id says how to get one", () => {
    const r = runCommand("guild-mark-deleted", ["3d5e4116"], { env: fx.env, cwd: fx.alice });
    assert.deepEqual(
      [r.status, r.stdout],
      [1, "not-found\t3d5e4116\tno such run: the plumbing takes full 32-character run ids (guild-rev-parse-run 3d5e4116 prints one)\n"],
    );
    const attrs = runCommand("guild-update-attrs", ["--stdin"], {
      env: fx.env,
      cwd: fx.alice,
      input: '{"id": "3d5e4116", "label": "x"}\n',
    });
    assert.match(
      attrs.stdout,
      /^not-found\t3d5e4116\t.*: the plumbing takes full 32-character run ids \(guild-rev-parse-run 3d5e4116 prints one\)\n$/,
    );
    const stop = runCommand("guild-stop-runs", ["3d5e4116"], { env: fx.env, cwd: fx.alice });
    assert.match(stop.stdout, /no such run: the plumbing takes full 32-character run ids/);
    assert.ok(
      fs.readdirSync(path.join(fx.home, "runs")).some((d) => d.startsWith("3d5e4116")),
      "nothing moved",
    );
  });
});

describe("--help: options grouped, distinct short options, examples", () => {
  test("no command's --help lists a short option twice (guild compare -t was --tag and --table)", () => {
    for (const c of visible) {
      const shorts = commandOptions(c).filter((n) => /^-[^-]/.test(n));
      assert.deepEqual(
        shorts.filter((n, i) => shorts.indexOf(n) !== i),
        [],
        c.name,
      );
    }
  });

  test("guild compare --help: its own options, output, selection and filters, general; -t once", () => {
    const r = runCommand("guild", ["compare", "--help"]);
    assert.equal(r.status, 0);
    const sections = [...r.stdout.matchAll(/^([A-Z][A-Za-z ]+):$/gm)].map((m) => m[1]);
    assert.deepEqual(sections, ["Usage", "Options", "Output", "Selection and filters", "General", "Examples"]);
    const section = (title: string) => r.stdout.split(`\n${title}:\n`)[1]!.split("\n\n")[0]!;
    assert.match(section("Output"), /^ {2}-t, --table /m);
    assert.match(section("Output"), /^ {2}-n, --limit, --top <n> /m);
    assert.match(section("Selection and filters"), /^ {2}--tag <tag> /m);
    assert.match(section("Selection and filters"), /^ {2}-l, --label <text> /m);
    assert.match(section("Selection and filters"), /^ {2}-q, --quiet /m);
    assert.match(section("General"), /^ {2}-H, --home <path> /m);
    assert.equal((r.stdout.match(/^ {2}-t,/gm) ?? []).length, 1);
    assert.doesNotMatch(r.stdout, / +$/m, "no trailing spaces");
  });
});

const enabled = hasTool("tmux");
describe("a declined prompt: exit 4 and 'Cancelled.' everywhere (tmux)", { skip: !enabled && "needs tmux" }, () => {
  const term = new Tmux("declined");
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
    const env = Object.entries({ ...fx.env, TERM: "xterm-256color", PS1: "$ " })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    term.start(120, 40, fx.mnist, `env -i PATH='${process.env.PATH}' ${env} sh`);
    term.keys(`alias guild='${process.execPath} ${binPath("guild")}'`, "Enter");
  });
  after(() => term.kill());

  test("guild runs rm, guild runs label and guild run: n → Cancelled., exit 4, nothing changed", async () => {
    const runs = () => fs.readdirSync(path.join(fx.home, "runs")).length;
    const before = runs();
    for (const [line, question] of [
      ["guild runs rm 1", /Delete 1 run\(s\)\? \(y\/N\)/],
      ["guild runs label 1 x", /\(y\/N\)/],
      ["guild run prepare", /Continue\? \(y\/N\)/],
    ] as const) {
      await term.typeOnClearScreen(`${line}; echo EXIT=$?`);
      await term.waitFor(question);
      term.keys("n", "Enter");
      const s = await term.waitFor(/EXIT=\d+/);
      assert.match(s, /\(y\/N\) n\nCancelled\.\nEXIT=4\n/, line);
    }
    assert.equal(runs(), before);
  });

  test("end of input at a prompt: as in Guild, a newline and exit 1, nothing changed", async () => {
    const runs = () => fs.readdirSync(path.join(fx.home, "runs")).length;
    const before = runs();
    for (const line of ["guild runs rm 1", "guild run prepare"]) {
      await term.typeOnClearScreen(`${line}; echo EXIT=$?`);
      await term.waitFor(/\(y\/N\)$/m);
      term.keys("C-d");
      const s = await term.waitFor(/EXIT=\d+/);
      assert.match(s, /\(y\/N\) ?\nEXIT=1\n/, line);
    }
    assert.equal(runs(), before);
  });
});
