import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { binPath, commandEnv, hasTool, runCommand, tempDir, Tmux } from "@guildts/testkit";

/**
 * Around a running run, end to end on real processes: `guild runs stop` (SIGTERM to the process
 * tree, --timeout/--force, a reused pid never signalled), `guild watch` (to the end, Ctrl-C in a
 * terminal, --pid, --scalars, a run deleted under it), `guild run --background`/`--pidfile`.
 * Every wait is bounded: operations sleep a few tenths of a second, waits fail after 15 s.
 */

const GUILD_YML = `sleepy:
  exec: python3 -u sleepy.py
stubborn:
  exec: python3 -u stubborn.py
short:
  exec: python3 -u short.py \${flag_args}
  flags:
    n: 4
`;

// A long-running op with a child process (which stop must end too).
const SLEEPY = `import subprocess, time
child = subprocess.Popen(["sleep", "300"])
print("child %d" % child.pid, flush=True)
i = 0
while True:
    print("tick %d" % i, flush=True)
    i += 1
    time.sleep(0.1)
`;

const STUBBORN = `import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ignoring SIGTERM", flush=True)
while True:
    time.sleep(0.1)
`;

const SHORT = `import argparse, time
p = argparse.ArgumentParser()
p.add_argument("--n", type=int)
n = p.parse_args().n
for i in range(1, n + 1):
    print("step: %d" % i)
    print("loss: %s" % (1.0 / (i * 2)), flush=True)
    time.sleep(0.3)
print("done", flush=True)
`;

interface Rec {
  id: string;
  status: string;
  exit_status: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => T | null | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return false;
  }
}

describe("guild runs stop, guild watch, guild run --background", { skip: process.platform !== "linux" && "needs /proc" }, () => {
  let root: string;
  let home: string;
  let proj: string;
  const pids: number[] = [];
  before(() => {
    root = tempDir("guildts-stop-");
    home = path.join(root, "home");
    proj = path.join(root, "proj");
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, "guild.yml"), GUILD_YML);
    fs.writeFileSync(path.join(proj, "sleepy.py"), SLEEPY);
    fs.writeFileSync(path.join(proj, "stubborn.py"), STUBBORN);
    fs.writeFileSync(path.join(proj, "short.py"), SHORT);
  });
  after(() => {
    // Never leave a process behind, whatever failed.
    for (const p of pids) if (alive(p)) process.kill(p, "SIGKILL");
  });
  const env = () => ({ GUILD_HOME: home });
  const guild = (args: string[], timeout = 60_000) => {
    const r = spawnSync(process.execPath, [binPath("guild"), ...args], {
      cwd: proj,
      env: commandEnv(env()),
      encoding: "utf8",
      input: "",
      timeout,
    });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  };
  const rec = (id: string): Rec => JSON.parse(runCommand("guild-rev-parse-run", ["--json", id], { env: env() }).stdout) as Rec;
  const runDir = (id: string) => path.join(home, "runs", id);
  const lockPid = (id: string): number | null => {
    try {
      return Number(fs.readFileSync(path.join(runDir(id), ".guild", "LOCK"), "utf8"));
    } catch {
      return null;
    }
  };
  const output = (id: string) => {
    try {
      return fs.readFileSync(path.join(runDir(id), ".guild", "output"), "utf8");
    } catch {
      return "";
    }
  };
  const startBackground = (op: string, ...more: string[]): string => {
    const r = guild(["run", "-y", "--background", op, ...more]);
    assert.equal(r.status, 0, r.stderr);
    const m = /^(\S+) started in background as ([0-9a-f]{32})\nTo watch its output, use 'guild watch \2'\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    return m[2]!;
  };

  test("a foreground run stopped with `guild runs stop -y`: terminated, exit_status -15, its children gone", async () => {
    const child = spawn(process.execPath, [binPath("guild"), "run", "-y", "sleepy"], { cwd: proj, env: commandEnv(env()), stdio: "pipe" });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
    const grandchild = Number((await until("the op's child", () => /child (\d+)\n/.exec(out)))[1]);
    pids.push(grandchild);
    const id = runCommand("guild-rev-parse-run", ["-a", "1"], { env: env() }).stdout.trim();
    const pid = lockPid(id)!;
    pids.push(pid);
    assert.equal(rec(id).status, "running");
    const r = guild(["runs", "stop", "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^Limiting runs to the current directory .*\\nStopping ${id} \\(pid ${pid}\\)\\n$`));
    assert.equal(r.stdout, "");
    // guild run ends as Guild does after a SIGTERM of its op: 256 - 15.
    assert.equal(await exited, 241);
    assert.deepEqual([rec(id).status, rec(id).exit_status], ["terminated", -15]);
    assert.equal(fs.readFileSync(path.join(runDir(id), ".guild", "attrs", "exit_status"), "utf8"), "-15\n");
    await until("the op's child to be gone", () => !alive(grandchild));
    assert.ok(!alive(pid));
  });

  test("stopping what is not running says so and changes nothing", () => {
    const r0 = guild(["run", "-y", "short", "n=1"]);
    assert.equal(r0.status, 0, r0.stderr);
    const id = runCommand("guild-rev-parse-run", ["-a", "1"], { env: env() }).stdout.trim();
    const attrs = fs
      .readdirSync(path.join(runDir(id), ".guild", "attrs"))
      .map((f) => [f, fs.readFileSync(path.join(runDir(id), ".guild", "attrs", f), "utf8")]);
    const r = guild(["stop", "-y", id.slice(0, 8)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `Run ${id} is not running\n`);
    assert.doesNotMatch(r.stderr, /Stopping/);
    const after = fs
      .readdirSync(path.join(runDir(id), ".guild", "attrs"))
      .map((f) => [f, fs.readFileSync(path.join(runDir(id), ".guild", "attrs", f), "utf8")]);
    assert.deepEqual(after, attrs);
    assert.equal(rec(id).status, "completed");
    const none = guild(["stop", "-y"]);
    assert.deepEqual([none.status, none.stdout], [0, "Nothing to stop.\n"]);
    const plumbing = runCommand("guild-stop-runs", ["--json", id], { env: env() });
    assert.equal(plumbing.status, 1);
    assert.deepEqual(JSON.parse(plumbing.stdout), {
      id,
      outcome: "not-running",
      pid: null,
      survivors: [],
      exit_status: 0,
      reason: "the run has exited",
    });
    const path_ = runCommand("guild-stop-runs", ["../../etc"], { env: env() });
    assert.deepEqual(
      [path_.status, path_.stdout],
      [1, "not-found\t../../etc\tinvalid run id (a run id is a directory name, never a path)\n"],
    );
    const timeout = runCommand("guild-stop-runs", ["--timeout", "soon", id], { env: env() });
    assert.deepEqual(
      [timeout.status, timeout.stderr],
      [2, "guild-stop-runs: invalid --timeout 'soon': a number of seconds\nTry 'guild-stop-runs --help' for more information.\n"],
    );
    const bad = guild(["stop", "-y", "-C"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--completed does not go with stop/);
  });

  test("a LOCK naming a pid reused by another process: never signalled", async () => {
    const r0 = guild(["run", "-y", "short", "n=1"]);
    assert.equal(r0.status, 0, r0.stderr);
    const id = runCommand("guild-rev-parse-run", ["-a", "1"], { env: env() }).stdout.trim();
    // The run died without cleaning up (no exit_status), its pid now someone else's: a process
    // started long after the run did, without the run's RUN_ID in its environment.
    fs.rmSync(path.join(runDir(id), ".guild", "attrs", "exit_status"));
    fs.writeFileSync(path.join(runDir(id), ".guild", "attrs", "started"), `${(Date.now() - 3600_000) * 1000}\n`);
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    pids.push(other.pid!);
    fs.writeFileSync(path.join(runDir(id), ".guild", "LOCK"), String(other.pid));
    assert.equal(rec(id).status, "running"); // what Guild's status rule says of a live pid
    const plumbing = runCommand("guild-stop-runs", ["--json", "--timeout", "1", id], { env: env() });
    assert.equal(plumbing.status, 1);
    const res = JSON.parse(plumbing.stdout) as { outcome: string; pid: number; reason: string };
    assert.deepEqual([res.outcome, res.pid], ["not-running", other.pid]);
    assert.match(res.reason, /belongs to another process/);
    const r = guild(["stop", "-y", "--timeout", "1"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `Run ${id} is not running\n`);
    assert.match(r.stderr, /the pid in LOCK now belongs to another process \(not signalled\)/);
    await sleep(200);
    assert.ok(alive(other.pid!), "the unrelated process was not signalled");
    assert.equal(fs.existsSync(path.join(runDir(id), ".guild", "attrs", "exit_status")), false);
    other.kill("SIGKILL");
    fs.rmSync(path.join(runDir(id), ".guild", "LOCK"));
  });

  test("--force on a process that ignores SIGTERM: survivors reported after --timeout, then SIGKILL", async () => {
    const id = startBackground("stubborn");
    await until("the op to start", () => output(id).includes("ignoring SIGTERM"));
    const pid = lockPid(id)!;
    pids.push(pid);
    const r = guild(["stop", "-y", "--timeout", "1", id]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, `The following processes did not stop as expected: ${pid}\n`);
    assert.ok(alive(pid));
    assert.equal(rec(id).status, "running");
    const forced = runCommand("guild-stop-runs", ["--json", "--timeout", "1", "--force", id], { env: env() });
    assert.equal(forced.status, 0, forced.stderr);
    assert.deepEqual(JSON.parse(forced.stdout), { id, outcome: "stopped", pid, survivors: [], exit_status: -9, reason: null });
    assert.ok(!alive(pid));
    assert.deepEqual([rec(id).status, rec(id).exit_status], ["terminated", -9]);
  });

  test("--background then watch: all the output, then Guild's status line; the pidfile finds the run", async () => {
    const pidfile = path.join(root, "short.pid");
    const r = guild(["run", "-y", "--pidfile", pidfile, "short", "n=3"]);
    assert.equal(r.status, 0, r.stderr);
    const id = /as ([0-9a-f]{32}) \(pidfile /.exec(r.stdout)![1]!;
    assert.match(r.stdout, new RegExp(`^short started in background as ${id} \\(pidfile ${pidfile}\\)\\n`));
    const workerPid = Number(fs.readFileSync(pidfile, "utf8"));
    pids.push(workerPid);
    assert.equal(rec(id).status, "running");
    const w = guild(["watch", "--pid", pidfile], 20_000);
    assert.equal(w.status, 0, w.stderr);
    const expected = "step: 1\nloss: 0.5\nstep: 2\nloss: 0.25\nstep: 3\nloss: 0.16666666666666666\ndone\n";
    assert.equal(w.stdout, expected);
    assert.equal(w.stderr, `Watching run ${id}\nRun ${id} stopped with a status of 'completed'\n`);
    assert.equal(output(id), expected);
    await until("the pidfile to be removed", () => !fs.existsSync(pidfile));
    // A finished run: its whole output, and the status line.
    const again = guild(["watch", id.slice(0, 8)]);
    assert.deepEqual([again.status, again.stdout], [0, expected]);
    assert.match(again.stderr, /stopped with a status of 'completed'\n$/);
    const scalars = guild(["watch", "--scalars", id]);
    assert.equal(scalars.stdout, "step 3 loss 0.1667\n");
    // Guild's --pid errors.
    fs.writeFileSync(pidfile, "nope\n");
    assert.match(guild(["watch", "--pid", pidfile]).stderr, /pidfile .* does not contain a valid pid/);
    assert.match(guild(["watch", "--pid", "999999999"]).stderr, /^guild: cannot find run for pid 999999999\n/);
    const both = guild(["watch", "--pid", "1", "1"]);
    assert.deepEqual([both.status, /--pid may not be used with other options/.test(both.stderr)], [2, true]);
    const nothing = guild(["watch"]);
    assert.equal(nothing.status, 1);
    assert.match(nothing.stderr, /guild: nothing to watch\nYou can view the output of a specific run using 'guild watch RUN'\.\n$/);
  });

  test("watch of a run deleted under it ends cleanly", async () => {
    const id = startBackground("sleepy");
    const grandchild = Number((await until("the op's child", () => /child (\d+)\n/.exec(output(id))))[1]);
    pids.push(grandchild, lockPid(id)!);
    const watcher = spawn(process.execPath, [binPath("guild"), "watch", id], { cwd: proj, env: commandEnv(env()), stdio: "pipe" });
    let out = "";
    let err = "";
    watcher.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    watcher.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const done = new Promise<number | null>((r) => watcher.once("close", (code) => r(code)));
    await until("the watch to show output", () => out.includes("tick 2"));
    const pid = lockPid(id)!;
    // Removed by force while running (a running run is refused by guild runs rm).
    fs.renameSync(runDir(id), path.join(root, "gone"));
    const code = await Promise.race([done, sleep(10_000).then(() => "hung")]);
    assert.equal(code, 0, err);
    assert.match(err, new RegExp(`Run ${id} was deleted while watching\\n$`));
    assert.doesNotMatch(err, /at .*\.js:\d+/);
    process.kill(pid, "SIGKILL");
    process.kill(grandchild, "SIGKILL");
  });

  test("guild watch in a terminal: follows until the run ends; Ctrl-C stops watching, not the run", {
    skip: !hasTool("tmux") && "needs tmux",
  }, async () => {
    const term = new Tmux("watch");
    try {
      const vars = Object.entries({ ...commandEnv(env()), PS1: "$ ", TERM: "xterm-256color" })
        .map(([k, v]) => `${k}='${v}'`)
        .join(" ");
      term.start(150, 40, proj, `env -i ${vars} sh`);
      term.keys(`alias guild='${process.execPath} ${binPath("guild")}'`, "Enter");
      const short = startBackground("short", "n=3");
      term.keys(`guild watch ${short}`, "Enter");
      await term.waitFor(new RegExp(`Run ${short} stopped with a status of 'completed'`), 15_000);
      assert.match(term.screen(), /step: 1\nloss: 0\.5\nstep: 2\nloss: 0\.25\nstep: 3\nloss: 0\.16666666666666666\ndone\n/);

      const id = startBackground("sleepy");
      await until("the op's output", () => output(id).includes("tick 1"));
      const pid = lockPid(id)!;
      pids.push(pid);
      term.keys("clear", "Enter");
      term.keys("guild watch", "Enter");
      await term.waitFor(new RegExp(`Watching run ${id}\\n(.*\\n)*tick 3`), 15_000);
      term.keys("C-c");
      await term.waitFor(new RegExp(`Stopped watching ${id} \\(still running\\)\\n\\$`), 10_000);
      assert.equal(rec(id).status, "running");
      assert.ok(alive(pid));
      // Guild's prompt, default no: Enter stops nothing (exit 4).
      term.keys("clear", "Enter");
      term.keys(`guild stop ${id.slice(0, 8)}; echo "rc=$?"`, "Enter");
      await term.waitFor(
        /You are about to stop the following runs:\n {2}\[[0-9a-f]{8}\] {2}sleepy .*running\s*\nStop 1 run\(s\)\? \(y\/N\)/,
      );
      term.keys("Enter");
      await term.waitFor(/rc=4/);
      assert.ok(alive(pid));
      assert.equal(rec(id).status, "running");
      const r = guild(["stop", "-y", id]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual([rec(id).status, rec(id).exit_status], ["terminated", -15]);
    } finally {
      term.kill();
    }
  });
});
