import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { bundlePathDir, hasTool, runCommand, tempDir, Tmux } from "@guildts/testkit";

/**
 * How a run ends, as the user sees it: a failing script's traceback without the bootstrap's
 * frames, one line after Ctrl-C naming the run and its status, `runs info` with a command that
 * runs again from anywhere, and `vcs_commit` as Guild records it for a project in git.
 */
let root = "";
let proj = "";
let home = "";
before(() => {
  root = tempDir("guildts-run-end-");
  proj = path.join(root, "proj");
  home = path.join(root, "home");
  fs.mkdirSync(proj);
  fs.writeFileSync(
    path.join(proj, "guild.yml"),
    "fail:\n  main: boom\nbroken:\n  main: broken\nsleepy:\n  main: sleepy\nnap:\n  main: sleepy\n  flags:\n    n: 1\n",
  );
  fs.writeFileSync(path.join(proj, "boom.py"), 'def f():\n    raise ValueError("bad lr")\n\nf()\n');
  fs.writeFileSync(path.join(proj, "broken.py"), "x = (\n");
  fs.writeFileSync(path.join(proj, "sleepy.py"), 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)\n');
});
const guild = (args: string[]) => runCommand("guild", args, { cwd: proj, env: { GUILD_HOME: home } });
const latestId = () => runCommand("guild-rev-parse-run", ["1"], { cwd: proj, env: { GUILD_HOME: home } }).stdout.trim();
const attr = (id: string, name: string) => {
  const f = path.join(home, "runs", id, ".guild", "attrs", name);
  return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : null;
};

describe("the end of a run", { skip: !hasTool("python3") && "needs python3" }, () => {
  test("a failing script: its own traceback, without the bootstrap's frames; exit 1", () => {
    const r = guild(["run", "fail", "-y"]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^Traceback \(most recent call last\):\n {2}File "[^"]*\/boom\.py", line 4, in <module>\n/);
    assert.match(r.stderr, /ValueError: bad lr\n/);
    assert.doesNotMatch(r.stderr, /guildts_op_main|op_main\.py|exec\(code/, r.stderr);
    const syntax = guild(["run", "broken", "-y"]);
    assert.equal(syntax.status, 1);
    assert.match(syntax.stderr, /broken\.py", line 1[\s\S]*SyntaxError/);
    assert.doesNotMatch(syntax.stderr, /guildts_op_main/);
  });

  test("runs info shows a command that runs again from anywhere: the interpreter's absolute path", () => {
    guild(["run", "fail", "-y"]);
    const info = guild(["runs", "info", "1"]).stdout;
    const command = /^command: (.*)$/m.exec(info)![1]!;
    const [python, ...rest] = command.split(" ");
    assert.ok(path.isAbsolute(python!), command);
    assert.equal(rest.join(" "), "-um guild.op_main boom --", "Guild's recorded form");
    // The interpreter is the one found on PATH (Guild records its own sys.executable).
    const which = spawnSync("sh", ["-c", "command -v python3"], { encoding: "utf8" }).stdout.trim();
    assert.equal(python, which);
  });

  test("vcs_commit: git:<sha> for a project in a git work tree, with * once the tree is dirty; none outside git", {
    skip: !hasTool("git") && "needs git",
  }, () => {
    guild(["run", "fail", "-y"]);
    assert.equal(attr(latestId(), "vcs_commit"), null, "not a git work tree: no attr");
    const git = (...args: string[]) => {
      const r = spawnSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: proj, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    git("init", "-q", ".");
    git("add", "-A");
    git("commit", "-qm", "init");
    const sha = git("rev-parse", "HEAD");
    guild(["run", "fail", "-y"]);
    assert.equal(attr(latestId(), "vcs_commit"), `git:${sha}\n`);
    assert.match(guild(["runs", "info", "1"]).stdout, new RegExp(`^vcs_commit: git:${sha}$`, "m"));
    fs.appendFileSync(path.join(proj, "boom.py"), "# changed\n");
    guild(["run", "fail", "-y"]);
    assert.equal(attr(latestId(), "vcs_commit"), `git:${sha}*\n`);
    // --proto: the proto run's vcs_commit (Guild's op_util.RUN_PROTO_ATTRS), also after a new commit.
    const clean = runCommand("guild-rev-parse-run", ["2"], { cwd: proj, env: { GUILD_HOME: home } }).stdout.trim();
    git("commit", "-qam", "second");
    guild(["run", "--proto", clean, "-y"]);
    const proto = latestId();
    assert.notEqual(proto, clean);
    assert.equal(attr(proto, "vcs_commit"), `git:${sha}\n`, "copied from the proto run");
  });
});

describe("Ctrl-C of a run (tmux)", { skip: !(hasTool("tmux") && hasTool("python3")) && "needs tmux and python3" }, () => {
  const term = new Tmux("run-ctrl-c");
  const bterm = new Tmux("batch-ctrl-c");
  after(() => {
    term.kill();
    bterm.kill();
  });

  test("one line names the run and says it is terminated; the run records it", async () => {
    const env = `PATH='${bundlePathDir()}:${process.env.PATH}' TERM=xterm-256color GUILD_HOME='${home}'`;
    term.start(100, 20, proj, `env -i ${env} guild run sleepy -y; echo EXIT=$?; sleep 60`);
    await term.waitFor(/^sleeping$/m, 20_000);
    term.keys("C-c");
    const s = await term.waitFor(/EXIT=\d+/, 20_000);
    const id = latestId();
    const lines = s.split("\n").filter((l) => /terminated/.test(l));
    assert.equal(lines.length, 1, s);
    assert.match(lines[0]!, new RegExp(`Run ${id.slice(0, 8)} \\(sleepy\\) terminated: interrupted by Ctrl-C \\(exit status -2\\)$`));
    assert.match(s, /^EXIT=254$/m);
    assert.equal(attr(id, "exit_status"), "-2\n");
  });

  test("a batch: one line names the batch run, its status and how many trials ran or were terminated", async () => {
    const env = `PATH='${bundlePathDir()}:${process.env.PATH}' TERM=xterm-256color GUILD_HOME='${home}'`;
    bterm.start(160, 30, proj, `env -i ${env} guild run nap n=[1,2] -y; echo EXIT=$?; sleep 60`);
    await bterm.waitFor(/^sleeping$/m, 20_000);
    bterm.keys("C-c");
    const s = await bterm.waitFor(/EXIT=\d+/, 20_000);
    const batch = runCommand("guild-ls-runs", ["--json", "-a"], { cwd: proj, env: { GUILD_HOME: home } })
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; operation: string })
      .find((r) => r.operation === "nap+");
    assert.ok(batch, `the batch run is kept: ${s}`);
    const lines = s.split("\n").filter((l) => l.startsWith("Batch "));
    assert.equal(lines.length, 1, s);
    assert.equal(
      lines[0],
      `Batch ${batch.id.slice(0, 8)} (nap+) terminated: interrupted by Ctrl-C (exit status -2); 2 trials, 0 completed, 0 failed, 1 terminated, 1 pending`,
    );
    assert.match(s, /^EXIT=254$/m);
    assert.equal(attr(batch.id, "exit_status"), "-2\n");
  });
});
