import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import crypto from "node:crypto";
import {
  binPath,
  commandEnv,
  fixtureDir,
  generateHome,
  runCommand,
  type Sshd,
  startSshd,
  tempDir,
  Tmux,
  treeListing,
} from "@guildts/testkit";

/**
 * Remotes over ssh, against a real OpenSSH server on 127.0.0.1 (libs/testkit/src/sshd.ts) whose
 * sessions find this checkout's bundled commands on PATH; the remote is a second GUILD_HOME.
 */
let sshd: Sshd;
let config: string;
let remoteHome: string;

const ids = (home: string, deleted = false) => {
  const dir = path.join(home, ...(deleted ? ["trash", "runs"] : ["runs"]));
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => !n.startsWith("."))
        .sort()
    : [];
};

function remoteConfig(extra = ""): string {
  const file = path.join(tempDir("guildts-remote-cfg-"), "config.yml");
  fs.writeFileSync(
    file,
    "remotes:\n" +
      "  box:\n" +
      "    type: ssh\n" +
      "    description: the test sshd\n" +
      "    host: 127.0.0.1\n" +
      `    port: ${sshd.port}\n` +
      `    user: ${sshd.user}\n` +
      `    private-key: ${sshd.key}\n` +
      `    ssh-config: ${sshd.clientConfig}\n` +
      `    guild-home: ${remoteHome}\n` +
      "  bucket:\n" +
      "    type: s3\n" +
      "    bucket: runs\n" +
      extra,
  );
  return file;
}

const guild = (home: string, args: string[], cfg = config) => runCommand("guild", args, { env: { GUILD_HOME: home, GUILD_CONFIG: cfg } });
const plumbing = (name: string, home: string, args: string[]) =>
  runCommand(name, args, { env: { GUILD_HOME: home, GUILD_CONFIG: config } });

describe("remotes over ssh (a real sshd on 127.0.0.1)", () => {
  before(async () => {
    sshd = await startSshd();
    remoteHome = generateHome({ runs: 4, seed: 1 });
    config = remoteConfig();
  });
  after(async () => {
    await sshd?.stop();
  });

  test("guild remotes lists the config's remotes; remote status reaches the sshd", () => {
    const r = guild(tempDir(), ["remotes"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^box +ssh +the test sshd$/m);
    assert.match(r.stdout, /^bucket +s3/m);
    const s = guild(tempDir(), ["remote", "status", "box"]);
    assert.equal(s.status, 0, s.stderr);
    assert.equal(s.stdout, "box (127.0.0.1) is available\n");
  });

  test("runs list -r and guild-ls-runs -r show the remote's runs as the remote lists them", () => {
    const local = tempDir();
    const remoteIds = ids(remoteHome);
    const z = plumbing("guild-ls-runs", local, ["-r", "box", "-a", "-z"]);
    assert.equal(z.status, 0, z.stderr);
    assert.deepEqual(z.stdout.split("\0").filter(Boolean).sort(), remoteIds);
    const here = runCommand("guild", ["runs", "list", "-a"], { env: { GUILD_HOME: remoteHome } });
    const there = guild(local, ["runs", "list", "-r", "box", "-a"]);
    assert.equal(there.status, 0, there.stderr);
    assert.equal(there.stdout, here.stdout, "the same table as on the remote");
  });

  test("pull copies every run whole, push sends the local ones; a second transfer is up to date", () => {
    const local = generateHome({ runs: 3, seed: 7 });
    const mine = ids(local);
    const pull = guild(local, ["pull", "box", "-y", "-a"]);
    assert.equal(pull.status, 0, pull.stderr);
    assert.match(pull.stdout + pull.stderr, /Pulled 4 run\(s\) from box/);
    for (const id of ids(remoteHome)) {
      assert.equal(treeListing(path.join(local, "runs", id)), treeListing(path.join(remoteHome, "runs", id)), `run ${id} whole`);
    }
    assert.ok(
      !fs.readdirSync(path.join(local, "runs")).some((n) => n.startsWith(".") && fs.readdirSync(path.join(local, "runs", n)).length),
      "no staged run left in view",
    );
    const push = guild(local, ["push", "box", "-y", "-a"]);
    assert.equal(push.status, 0, push.stderr);
    assert.match(push.stdout + push.stderr, /Pushed 3 run\(s\) to box/);
    for (const id of mine) assert.ok(ids(remoteHome).includes(id), `pushed ${id}`);
    const again = guild(local, ["pull", "box", "-y", "-a"]);
    assert.match(again.stdout + again.stderr, /Pulled 0 run\(s\) from box .*7 up to date/);
    const fsck = runCommand("guild-fsck-runs", ["-H", remoteHome]);
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
  });

  test("runs delete -r moves the remote run to the remote's trash", () => {
    const victim = ids(remoteHome)[0]!;
    const r = guild(tempDir(), ["runs", "delete", "-r", "box", victim, "-y", "-a"]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(ids(remoteHome, true).includes(victim) && !ids(remoteHome).includes(victim));
    const back = guild(tempDir(), ["runs", "restore", "-r", "box", victim, "-y", "-a"]);
    assert.equal(back.status, 0, back.stderr);
    assert.ok(ids(remoteHome).includes(victim));
  });

  test("a hostile run id or filter never runs a remote shell command", () => {
    const marker = path.join(tempDir(), "pwned");
    const hostile = `$(touch ${marker})`;
    guild(tempDir(), ["runs", "delete", "-r", "box", `'; touch ${marker}; '`, "-y", "-a"]);
    guild(tempDir(), ["runs", "list", "-r", "box", "-a", "-l", hostile]);
    plumbing("guild-ls-runs", tempDir(), ["-r", "box", "-a", "-F", `label = "${hostile}"`]);
    assert.ok(!fs.existsSync(marker), "no remote shell ran the injected command");
  });

  test("an unreachable remote and a non-ssh type are one-line errors naming the remote", () => {
    const cfg = remoteConfig("  gone:\n    type: ssh\n    host: 127.0.0.1\n    port: 1\n    connect-timeout: 2\n");
    const r = guild(tempDir(), ["runs", "list", "-r", "gone", "-a"], cfg);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /gone/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const s3 = guild(tempDir(), ["runs", "list", "-r", "bucket", "-a"], cfg);
    assert.notEqual(s3.status, 0);
    assert.match(s3.stderr, /bucket/);
    assert.match(s3.stderr, /s3/);
  });
  test("run -r runs a real operation there, followed here; pull brings both runs back whole; compare shows their flags and scalars", () => {
    const labHome = path.join(tempDir("guildts-lab-"), "home");
    const cfg = remoteConfig(
      `  lab:\n    type: ssh\n    host: 127.0.0.1\n    ssh-config: ${sshd.clientConfig}\n    guild-home: ${labHome}\n`,
    );
    const project = path.join(tempDir("guildts-proj-"), "mnist");
    fs.cpSync(path.join(fixtureDir(), "projects", "mnist"), project, { recursive: true });
    const run = (args: string[]) => runCommand("guild", args, { cwd: project, env: { GUILD_HOME: tempDir(), GUILD_CONFIG: cfg } });
    const first = run(["run", "-r", "lab", "train", "epochs=2", "lr=0.5", "-y"]);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, "step: 1\nloss: 0.1\nacc: 0.95\nstep: 2\nloss: 0.01\nacc: 0.995\n");
    assert.match(first.stderr, /Copying project source to lab\nStarting mnist:train on lab as [0-9a-f]{32}\n/);
    const second = run(["run", "-r", "lab", "train", "epochs=1", "lr=0.05", "-y", "--no-wait"]);
    assert.equal(second.status, 0, second.stderr);
    const id = /^([0-9a-f]{32}) is running on lab\nTo watch use 'guild watch \1 -r lab'\n$/.exec(second.stdout)?.[1];
    assert.ok(id, second.stdout);
    const watched = run(["watch", "-r", "lab", id]);
    assert.equal(watched.status, 0, watched.stderr);
    assert.match(watched.stdout, /^step: 1\nloss: 0\.8\nacc: 0\.6\n$/);
    const failed = run(["run", "-r", "lab", "train", "epochs=1", "fail=yes", "-y"]);
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stderr, /guild: run [0-9a-f]{32} on lab ended with status 'error'\n$/);
    const failedId = /as ([0-9a-f]{32})/.exec(failed.stderr)![1]!;
    const purged = runCommand("guild", ["runs", "delete", "-p", "-r", "lab", failedId, "-y"], {
      env: { GUILD_HOME: tempDir(), GUILD_CONFIG: cfg },
    });
    assert.equal(purged.status, 0, purged.stderr);
    assert.equal(ids(labHome).length, 2, "two runs on the remote, nothing half made");
    const local = tempDir();
    const pull = guild(local, ["pull", "lab", "-y", "-a"], cfg);
    assert.equal(pull.status, 0, pull.stderr);
    const csv = guild(local, ["compare", "-a", "--csv", "-"], cfg);
    assert.equal(csv.status, 0, csv.stderr);
    const rows = csv.stdout.trim().split("\n");
    assert.equal(rows.length, 3, csv.stdout);
    const head = rows[0]!.split(",");
    const col = (row: string, name: string) => row.split(",")[head.indexOf(name)];
    assert.deepEqual(
      rows.slice(1).map((r) => [col(r, "run"), col(r, "status"), col(r, "epochs"), col(r, "lr"), col(r, "loss")]),
      [
        [id.slice(0, 8), "completed", "1", "0.05", "0.800000011920929"],
        [
          ids(local)
            .find((x) => x !== id)!
            .slice(0, 8),
          "completed",
          "2",
          "0.5",
          "0.009999999776482582",
        ],
      ],
    );
  });
  test("on a terminal, push shows runs and bytes on one line redrawn in place, then the summary", async () => {
    const local = generateHome({ runs: 3, seed: 31 });
    for (const id of ids(local)) fs.writeFileSync(path.join(local, "runs", id, "weights.bin"), crypto.randomBytes(256 << 10));
    const target = path.join(tempDir("guildts-tty-"), "home");
    const cfg = remoteConfig(
      `  tty:\n    type: ssh\n    host: 127.0.0.1\n    ssh-config: ${sshd.clientConfig}\n    guild-home: ${target}\n`,
    );
    const log = path.join(tempDir(), "tty.log");
    const term = new Tmux("remote");
    try {
      const vars = Object.entries({ ...commandEnv({ GUILD_HOME: local, GUILD_CONFIG: cfg }), PS1: "$ ", TERM: "xterm-256color" })
        .map(([k, v]) => `${k}='${v}'`)
        .join(" ");
      term.start(150, 20, tempDir(), `env -i ${vars} sh`);
      term.run("pipe-pane", "-t", "t", "-o", `cat >> ${log}`);
      term.keys(`${process.execPath} ${binPath("guild")} push tty -y`, "Enter");
      const screen = await term.waitFor(/Pushed 3 run\(s\) to tty \(7\d\d\.\d KB\)\n\$/, 30_000);
      assert.doesNotMatch(screen, /runs, /, "the progress line is cleared");
    } finally {
      term.kill();
    }
    const raw = fs.readFileSync(log, "utf8");
    for (const [i, id] of ids(local).entries()) assert.ok(raw.includes(`runs, `) && raw.includes(id), `progress names run ${i + 1}`);
    assert.match(raw, /\[0\/3 runs, 0 B\] Pushing [0-9a-f]{32}/);
    assert.match(raw, /\[2\/3 runs, 51\d\.\d KB\] Pushing [0-9a-f]{32}/);
    assert.match(raw, /Pushing [0-9a-f]{32} [\d.]+ KB 100%/);
  });
  test("a remote run followed by stop -r: pulled while running it shows running here (LOCK.remote); stopped there, pulled again it shows terminated", () => {
    const labHome = path.join(tempDir("guildts-lab-"), "home");
    const cfg = remoteConfig(
      `  lab:\n    type: ssh\n    host: 127.0.0.1\n    ssh-config: ${sshd.clientConfig}\n    guild-home: ${labHome}\n`,
    );
    const project = path.join(tempDir("guildts-proj-"), "mnist");
    fs.cpSync(path.join(fixtureDir(), "projects", "mnist"), project, { recursive: true });
    const local = tempDir();
    const g = (args: string[], cwd = project) => runCommand("guild", args, { cwd, env: { GUILD_HOME: local, GUILD_CONFIG: cfg } });
    const started = g(["run", "-r", "lab", "train", "epochs=60", "sleep=0.5", "-y", "-n"]);
    assert.equal(started.status, 0, started.stderr);
    const id = started.stdout.split(" ")[0]!;
    const running = g(["runs", "list", "-r", "lab", "-R"], local);
    assert.match(running.stdout, new RegExp(`^\\[1:${id.slice(0, 8)}\\] +mnist:train .* running `, "m"));
    assert.equal(g(["pull", "lab", "-y"], local).status, 0);
    assert.equal(fs.readFileSync(path.join(local, "runs", id, ".guild", "LOCK.remote"), "utf8"), "lab");
    assert.match(g(["runs", "list"], local).stdout, / running /);
    const stop = g(["stop", "-r", "lab", "1", "-y"], local);
    assert.equal(stop.status, 0, stop.stderr);
    assert.match(stop.stderr + stop.stdout, new RegExp(`Stopping ${id}`));
    const again = g(["pull", "lab", "-y"], local);
    assert.equal(again.status, 0, again.stderr);
    assert.ok(!fs.existsSync(path.join(local, "runs", id, ".guild", "LOCK.remote")), "no longer running there");
    assert.match(g(["runs", "list"], local).stdout, / terminated /);
    const none = g(["watch", "-r", "lab"], local);
    assert.equal(none.status, 1);
    assert.equal(none.stderr, "guild: nothing to watch on lab\n");
  });
});
