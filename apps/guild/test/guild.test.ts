import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { generateHome, placeFixture, repoRoot, runCommand, runShell, tempDir } from "@guildts/testkit";

const guild = (args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) => runCommand("guild", args, { env, ...(cwd ? { cwd } : {}) });

function rows(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("["));
}

describe("guild runs list on a generated home", () => {
  let home: string;
  before(() => {
    home = generateHome({ runs: 45, deleted: 2, seed: 21 });
  });

  test("the newest 20 by default, with a hint on stderr; -m adds 20; -n N; -L all", () => {
    const r = guild(["runs", "-H", home]);
    assert.equal(r.status, 0);
    assert.equal(rows(r.stdout).length, 20);
    assert.equal(r.stderr, "Showing the newest 20 runs (45 total) - use -m to show more or -L to show all\n");
    const m = guild(["runs", "list", "-m", "-H", home]);
    assert.equal(rows(m.stdout).length, 40);
    const mm = guild(["runs", "list", "-m", "-m", "-H", home]);
    assert.equal(rows(mm.stdout).length, 45);
    assert.equal(mm.stderr, "");
    const n = guild(["runs", "list", "-n", "5", "-H", home]);
    assert.deepEqual(
      rows(n.stdout).map((l) => l.slice(0, 3)),
      ["[1:", "[2:", "[3:", "[4:", "[5:"],
    );
    const all = guild(["runs", "list", "-L", "-H", home]);
    assert.equal(rows(all.stdout).length, 45);
    assert.match(rows(all.stdout)[44]!, /^\[45:[0-9a-f]{8}\]/);
    assert.equal(guild(["runs", "list", "-n", "0", "-H", home]).status, 2);
  });

  test("the table is aligned: every column starts at the same place in every row", () => {
    const lines = rows(guild(["runs", "-L", "-H", home]).stdout);
    const statusCol = (l: string) => l.search(/ (completed|error|terminated|staged|pending|running) /);
    const cols = new Set(lines.map(statusCol));
    assert.equal(cols.size, 1, "the status column is aligned");
    // Indexes widen at 10: the widest index decides the operation column.
    assert.match(lines[0]!, /^\[1:[0-9a-f]{8}\]   \S/);
    assert.match(lines[9]!, /^\[10:[0-9a-f]{8}\]  \S/);
  });

  test("filters and selectors of the plumbing work the same in the porcelain", () => {
    const plumbing = runCommand("guild-ls-runs", ["-H", home, "-ET", "--json"])
      .stdout.trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { id: string }).id.slice(0, 8));
    const ours = rows(guild(["runs", "-ET", "-L", "-H", home]).stdout).map((l) => /^\[\d+:([0-9a-f]{8})\]/.exec(l)![1]);
    assert.deepEqual(ours, plumbing);
    const deleted = rows(guild(["runs", "--deleted", "-H", home]).stdout);
    assert.equal(deleted.length, 2);
  });
});

describe("guild runs label", () => {
  test("sets, appends, prepends, removes and clears labels as Guild writes them", () => {
    const home = generateHome({ runs: 5, seed: 4 });
    const env = { GUILD_HOME: home };
    const id = runCommand("guild-rev-parse-run", ["1"], { env }).stdout.trim();
    const labelFile = path.join(home, "runs", id, ".guild", "attrs", "label");
    const set = guild(["runs", "label", "1", "first try", "-y"], env);
    assert.deepEqual([set.status, set.stderr], [0, "Labeled 1 run(s)\n"]);
    assert.equal(fs.readFileSync(labelFile, "utf8"), "first try\n");
    guild(["runs", "label", "1", "--append", "best", "-y"], env);
    assert.equal(fs.readFileSync(labelFile, "utf8"), "first try best\n");
    guild(["label", "--prepend", "v2", "-y"], env); // top-level alias, default run 1
    assert.equal(fs.readFileSync(labelFile, "utf8"), "v2 first try best\n");
    guild(["runs", "label", "--remove", "try", "-y"], env);
    assert.equal(fs.readFileSync(labelFile, "utf8"), "v2 first best\n");
    // Values YAML would misread are quoted, as PyYAML quotes them.
    guild(["runs", "label", "1", "1.0", "-y"], env);
    assert.equal(fs.readFileSync(labelFile, "utf8"), "'1.0'\n");
    guild(["runs", "label", "1", "y", "-y"], env);
    assert.equal(fs.readFileSync(labelFile, "utf8"), "'y'\n");
    assert.equal(runCommand("guild-ls-runs", ["--json"], { env }).stdout.split("\n")[0]!.includes('"label":"y"'), true);
    const clear = guild(["runs", "label", "1", "--clear", "-y"], env);
    assert.deepEqual([clear.status, clear.stderr], [0, "Cleared label for 1 run(s)\n"]);
    assert.equal(fs.existsSync(labelFile), false);
    // No temporary file is left beside the attrs.
    assert.deepEqual(
      fs.readdirSync(path.join(home, "runs", id, ".guild")).filter((f) => f.includes("tmp")),
      [],
    );
  });

  test("several runs at once; an empty selection changes nothing", () => {
    const home = generateHome({ runs: 6, seed: 8 });
    const env = { GUILD_HOME: home };
    const r = guild(["runs", "label", "1:3", "5", "batch", "-y"], env);
    assert.deepEqual([r.status, r.stderr], [0, "Labeled 4 run(s)\n"]);
    const labels = runCommand("guild-ls-runs", ["--json"], { env })
      .stdout.trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { label: string | null }).label);
    assert.deepEqual(
      labels.map((l) => l === "batch"),
      [true, true, true, false, true, false],
    );
    const none = guild(["runs", "label", "-R", ":", "x", "-y"], env);
    assert.deepEqual([none.status, none.stderr], [0, "No runs to modify.\n"]);
  });

  test("without a terminal and without -y it refuses and changes nothing", () => {
    const home = generateHome({ runs: 3, seed: 9 });
    const env = { GUILD_HOME: home };
    const before = runCommand("guild-ls-runs", ["--json"], { env }).stdout;
    const r = guild(["runs", "label", "1", "new"], env);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^guild: not labeling 1 run\(s\): no terminal to confirm on \(use -y to go ahead without asking\)\n/);
    assert.equal(runCommand("guild-ls-runs", ["--json"], { env }).stdout, before);
  });

  test("usage errors name the problem", () => {
    const home = generateHome({ runs: 2, seed: 2 });
    const a = guild(["runs", "label", "-y"], { GUILD_HOME: home });
    assert.equal(a.status, 2);
    assert.match(a.stderr, /missing the new label/);
    const b = guild(["runs", "label", "--clear", "--append", "x", "-y"], { GUILD_HOME: home });
    assert.equal(b.status, 2);
    assert.match(b.stderr, /give one of LABEL, --set, --append/);
  });

  test("a label written here reads back in Guild's format (the fixture run Guild labelled)", {}, () => {
    const fx = placeFixture();
    const dir = fs.readdirSync(path.join(fx.home, "runs")).find((d) => d.startsWith("e8cf6838"))!;
    const real = path.join(fx.home, "runs", dir, ".guild", "attrs", "label");
    const guildWrote = fs.readFileSync(real, "utf8");
    const r = runCommand("guild", ["runs", "label", "e8cf6838", "first try", "-y"], { env: fx.env, cwd: fx.alice });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(real, "utf8"), guildWrote, "same bytes as Guild's own `guild runs label --set 'first try'`");
  });
});

describe("the guild command", () => {
  test("--help on every command and subcommand; --version", () => {
    for (const args of [
      ["--help"],
      ["help"],
      ["runs", "--help"],
      ["runs", "list", "--help"],
      ["runs", "info", "--help"],
      ["runs", "label", "--help"],
      ["label", "--help"],
      ["completion", "--help"],
      ["help", "runs", "info"],
      ["ls-runs", "--help"],
      ["rev-parse-run", "--help"],
    ]) {
      const r = guild(args);
      assert.equal(r.status, 0, args.join(" "));
      assert.match(r.stdout, /Usage|usage/, args.join(" "));
    }
    assert.match(guild(["runs", "info", "--help"]).stdout, /guild runs info/);
    assert.equal(guild(["--version"]).stdout, "guild (guildts) 0.1.0\n");
    assert.equal(guild([]).status, 2);
  });

  test("an unknown command suggests the closest one; guild-NAME on PATH is run as an extension", () => {
    const typo = guild(["rnus"]);
    assert.equal(typo.status, 2);
    assert.equal(typo.stderr, "guild: 'rnus' is not a guild command (did you mean 'runs'?)\nTry 'guild --help' for more information.\n");
    const sub = guild(["runs", "inf"]);
    assert.equal(sub.status, 2);
    assert.match(sub.stderr, /unknown runs command 'inf' \(did you mean 'guild runs info'\?\)/);
    const bin = tempDir();
    fs.writeFileSync(path.join(bin, "guild-hello"), '#!/bin/sh\necho "hello $*"\nexit 3\n', { mode: 0o755 });
    const ext = guild(["hello", "a b", "$(touch pwned)"], { PATH: `${bin}:${process.env.PATH}` }, bin);
    assert.deepEqual([ext.status, ext.stdout], [3, "hello a b $(touch pwned)\n"]);
    assert.equal(fs.existsSync(path.join(bin, "pwned")), false, "arguments are passed as argv, never through a shell");
  });

  test("-H before the command applies to it", () => {
    const home = generateHome({ runs: 3, seed: 1 });
    const r = guild(["-H", home, "runs"]);
    assert.equal(rows(r.stdout).length, 3);
  });
});

describe("completion", () => {
  test("prints bash, zsh and fish scripts; an unknown shell is a usage error", () => {
    assert.match(guild(["completion", "bash"]).stdout, /complete -o nosort -F _guild_complete guild/);
    assert.match(guild(["completion", "zsh"]).stdout, /compdef _guild guild/);
    assert.match(guild(["completion", "fish"]).stdout, /complete -c guild/);
    const bad = guild(["completion", "tcsh"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /bash, zsh or fish \(not 'tcsh'\)/);
  });

  test("completes commands, subcommands, options and run ids of the current store (in bash)", () => {
    const home = generateHome({ runs: 4, seed: 6 });
    const ids = runCommand("guild-ls-runs", ["-z"], { env: { GUILD_HOME: home } })
      .stdout.split("\0")
      .filter(Boolean);
    const bash = (words: string[]) => {
      // The script reads the line as typed up to the cursor (COMP_LINE, COMP_POINT), as bash gives it.
      const line = words.join(" ");
      const script = `eval "$(guild completion bash)"; COMP_LINE='${line}'; COMP_POINT=${line.length}; _guild_complete 2>/dev/null; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = runShell(script, { env: { GUILD_HOME: home } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split("\n").filter(Boolean);
    };
    assert.deepEqual(bash(["guild", "ru"]), ["run", "runs"]);
    assert.deepEqual(bash(["guild", "runs", "in"]), ["info"]);
    assert.ok(bash(["guild", "runs", "list", "--js"]).includes("--json"));
    const prefix = ids[0]!.slice(0, 2);
    const got = bash(["guild", "runs", "info", prefix]);
    assert.deepEqual(
      got.sort(),
      ids
        .filter((id) => id.startsWith(prefix))
        .map((id) => id.slice(0, 8))
        .sort(),
    );
    assert.deepEqual(bash(["guild", "completion", ""]), ["bash", "zsh", "fish"]);
    void repoRoot;
  });
});

describe("label arithmetic", () => {
  test("--remove drops whole space-delimited occurrences, as Guild does", async () => {
    const { newLabel } = await import("../src/runs-label.js");
    assert.equal(newLabel("a b c", { kind: "remove", value: "b c" }), "a");
    assert.equal(newLabel("a c b", { kind: "remove", value: "b c" }), "a c b");
    assert.equal(newLabel("lr=0.1 best lr=0.1", { kind: "remove", value: "lr=0.1" }), "best");
    assert.equal(newLabel("x.y xzy", { kind: "remove", value: "x.y" }), "xzy", "the value is literal, not a regex");
    assert.equal(newLabel(null, { kind: "append", value: "v" }), "v");
    assert.equal(newLabel("  a ", { kind: "prepend", value: "p" }), "p a");
  });
});
