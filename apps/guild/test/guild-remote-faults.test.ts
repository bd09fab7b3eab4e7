import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { binPath, fixtureDir, generateHome, placeFixture, runCommand, type Sshd, startSshd, tempDir, treeListing } from "@guildts/testkit";

/**
 * Remotes over ssh when things go wrong, against a real sshd on 127.0.0.1: a refused key, no
 * guild, no home, garbage instead of JSON, transfers SIGKILLed half way (rsync and guild), a full
 * disk on the receiving side, 8 pushes at once into one home; and a remote that has only Guild
 * 0.9 (a stub `guild` answering from Guild's recorded `runs list --json`). Each failure is one
 * line naming the remote (and the run), and no run is ever half in view or in two places.
 */
let sshd: Sshd;
let root: string;

const runIds = (home: string) => {
  const dir = path.join(home, "runs");
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => !n.startsWith("."))
        .sort()
    : [];
};

/** A user config with one ssh remote `name` on the test sshd (more keys in `extra`). */
function config(name: string, guildHome: string, extra: Record<string, string> = {}, sshConfig = sshd.clientConfig): string {
  const file = path.join(tempDir("guildts-faults-cfg-"), "config.yml");
  const lines = [
    "remotes:",
    `  ${name}:`,
    "    type: ssh",
    "    host: 127.0.0.1",
    `    ssh-config: ${sshConfig}`,
    `    guild-home: ${guildHome}`,
  ];
  for (const [k, v] of Object.entries(extra)) lines.push(`    ${k}: ${JSON.stringify(v)}`);
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

const guild = (home: string, cfg: string, args: string[]) => runCommand("guild", args, { env: { GUILD_HOME: home, GUILD_CONFIG: cfg } });

/** One line on stderr, naming what it must, and no stack trace. */
function oneLine(r: { status: number | null; stderr: string }, ...names: RegExp[]): void {
  assert.notEqual(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:/);
  for (const n of names) assert.match(lines[0]!, n);
}

/** A directory of executable shell scripts (name → body), for a remote PATH. */
function stubDir(scripts: Record<string, string>): string {
  const dir = tempDir("guildts-stub-");
  for (const [name, body] of Object.entries(scripts)) fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}

/** A home whose runs each hold a file of `size` random bytes (so a transfer takes a while). */
function heavyHome(runs: number, seed: number, size: number): string {
  const home = generateHome({ runs, seed });
  for (const id of runIds(home)) fs.writeFileSync(path.join(home, "runs", id, "weights.bin"), crypto.randomBytes(size));
  return home;
}

/** Every run of `from` is absent from `to`'s runs/ or there whole (the same tree); none is in `to`'s trash too. */
function wholeOrAbsent(from: string, to: string): number {
  let present = 0;
  for (const id of runIds(from)) {
    const dir = path.join(to, "runs", id);
    if (!fs.existsSync(dir)) continue;
    present++;
    assert.equal(treeListing(dir), treeListing(path.join(from, "runs", id)), `run ${id} whole in ${to}`);
    assert.ok(!fs.existsSync(path.join(to, "trash", "runs", id)), `run ${id} in one place only`);
  }
  return present;
}

/** Child processes of `pid` named `comm` (from /proc). */
function childrenNamed(pid: number, comm: string): number[] {
  const out: number[] = [];
  for (const n of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${n}/stat`, "utf8");
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      if (m && m[1] === comm && Number(m[2]) === pid) out.push(Number(n));
    } catch {
      // gone
    }
  }
  return out;
}

/** Starts `guild args`; after `delayMs`, SIGKILLs its rsync (`target: "rsync"`) or guild itself; resolves when guild is gone. */
async function killDuring(home: string, cfg: string, args: string[], target: "rsync" | "guild", delayMs: number): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, [binPath("guild"), ...args], {
    env: { ...process.env, GUILD_HOME: home, GUILD_CONFIG: cfg },
    stdio: "ignore",
  });
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + delayMs;
  let killed = false;
  while (!killed && Date.now() < deadline + 5000) {
    await new Promise((r) => setTimeout(r, 10));
    if (child.exitCode !== null) break;
    if (Date.now() < deadline) continue;
    if (target === "guild") {
      child.kill("SIGKILL");
      killed = true;
    } else
      for (const pid of childrenNamed(child.pid!, "rsync")) {
        process.kill(pid, "SIGKILL");
        killed = true;
      }
  }
  await gone;
  // An rsync orphaned by a killed guild may still be finishing its staged copy.
  await new Promise((r) => setTimeout(r, 200));
}

describe("remotes over ssh: faults (a real sshd on 127.0.0.1)", () => {
  before(async () => {
    sshd = await startSshd();
    root = tempDir("guildts-faults-");
  });
  after(async () => {
    await sshd?.stop();
  });

  test("a refused key, no guild, no remote home, garbage for JSON: one line naming the remote", () => {
    const home = generateHome({ runs: 2, seed: 3 });
    const local = tempDir();
    // A client config whose only identity is a key the server does not know.
    const wrongKey = path.join(tempDir(), "wrong");
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", wrongKey]);
    const refused = path.join(tempDir(), "ssh_config");
    fs.writeFileSync(refused, fs.readFileSync(sshd.clientConfigDirect, "utf8").replace(/IdentityFile .*/, `IdentityFile ${wrongKey}`));
    oneLine(
      guild(local, config("locked", home, {}, refused), ["runs", "list", "-r", "locked", "-a"]),
      /remote locked/,
      /authentication refused/,
    );

    const bare = stubDir({});
    const noGuild = config("bare", home, { "venv-activate": `PATH=${bare}:/usr/bin:/bin` });
    oneLine(guild(local, noGuild, ["runs", "list", "-r", "bare", "-a"]), /remote bare/, /no guild/);
    oneLine(guild(local, noGuild, ["pull", "bare", "-y"]), /remote bare/, /no guild/);
    const project = path.join(tempDir("guildts-faults-proj-"), "mnist");
    fs.cpSync(path.join(fixtureDir(), "projects", "mnist"), project, { recursive: true });
    const runThere = (cfg: string, args: string[]) =>
      runCommand("guild", ["run", ...args], { cwd: project, env: { GUILD_HOME: local, GUILD_CONFIG: cfg } });
    const started = runThere(noGuild, ["-r", "bare", "train", "-y"]);
    assert.equal(started.status, 5, started.stderr);
    assert.match(started.stderr.trim().split("\n").at(-1)!, /^guild: remote bare: no guild or guildts on the remote PATH/);
    assert.deepEqual(runIds(home).length, 2, "no run was made there");
    // A bad operation or flag is found here, before anything travels.
    for (const [args, says] of [
      [["-r", "bare", "trian", "-y"], /^guild: operation 'trian' is not defined/],
      [["-r", "bare", "train", "epochs=many", "-y"], /epochs/],
    ] as const) {
      const r = runThere(noGuild, [...args]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr.split("\n")[0]!, says);
      assert.doesNotMatch(r.stderr, /Initializing|\n\s+at /);
    }

    const missing = path.join(root, "no-such-home");
    const noHome = config("empty", missing);
    oneLine(guild(local, noHome, ["runs", "list", "-r", "empty", "-a"]), /remote empty/, /no Guild home/, new RegExp(missing));
    oneLine(guild(local, noHome, ["pull", "empty", "-y"]), /remote empty/, /no Guild home/);
    assert.ok(!fs.existsSync(missing), "a listing or a pull never makes the remote's home");

    const noisy = stubDir({ "guild-ls-runs": 'echo "Welcome to the lab machine!"', guild: "exit 0" });
    const garbage = config("noisy", home, { "venv-activate": `PATH=${noisy}:/usr/bin:/bin` });
    oneLine(guild(local, garbage, ["runs", "list", "-r", "noisy", "-a"]), /remote noisy/, /not JSON/);
    oneLine(
      runCommand("guild-ls-runs", ["-r", "noisy", "--json"], { env: { GUILD_HOME: local, GUILD_CONFIG: garbage } }),
      /noisy/,
      /not JSON/,
    );
    assert.deepEqual(runIds(local), [], "nothing was made here");
  });

  test("a remote with only Guild 0.9: listed, selected and acted on through Guild's own commands; pulled whole", () => {
    const fx = placeFixture();
    const recorded = path.join(root, "guild-runs-list.json");
    fs.writeFileSync(recorded, fx.expected("runs-list-json.stdout"));
    const calls = path.join(root, "guild-calls");
    // Guild 0.9's CLI as far as a remote needs it: `runs list --json` from its recorded output;
    // other commands recorded (one line of arguments each).
    const old = stubDir({
      guild: `case "$*" in\n  "runs list"*--json*) cat ${recorded} ;;\n  *) echo "$*" >> ${calls} ;;\nesac`,
    });
    const cfg = config("old", fx.home, { "venv-activate": `PATH=${old}:/usr/bin:/bin` });
    const local = tempDir();
    const table = guild(local, cfg, ["runs", "list", "-r", "old", "-a"]);
    assert.equal(table.status, 0, table.stderr);
    assert.equal(table.stdout.trim().split("\n").length, 8, table.stdout);
    assert.match(table.stdout, /^\[1:b3ca74ef\] +finetune .*c=0\.5 kernel=linear$/m);
    const json = runCommand("guild-ls-runs", ["-r", "old", "--json"], { env: { GUILD_HOME: local, GUILD_CONFIG: cfg } });
    assert.equal(json.status, 0, json.stderr);
    const recs = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; status: string });
    assert.deepEqual(
      recs.map((r) => r.status),
      ["completed", "staged", "terminated", "error", "completed", "completed", "completed", "completed"],
    );
    const del = guild(local, cfg, ["runs", "delete", "-r", "old", "3", "-y"]);
    assert.equal(del.status, 0, del.stderr);
    assert.equal(fs.readFileSync(calls, "utf8"), `runs delete -y -- ${recs[2]!.id}\n`);
    const pull = guild(local, cfg, ["pull", "old", "1", "-y"]);
    assert.equal(pull.status, 0, pull.stderr);
    assert.deepEqual(runIds(local), [recs[0]!.id]);
    assert.equal(treeListing(path.join(local, "runs", recs[0]!.id)), treeListing(path.join(fx.home, "runs", recs[0]!.id)));
  });
  test("push and pull SIGKILLed half way (rsync, then guild, at random moments): every run whole or absent on each side; the next transfer resumes", async () => {
    const local = heavyHome(3, 11, 1 << 20);
    const remote = path.join(root, "killed-remote");
    const cfg = config("box", remote);
    const rand = (max: number) => 50 + Math.floor(Math.random() * max);
    for (const target of ["rsync", "guild"] as const) {
      await killDuring(local, cfg, ["push", "box", "-y"], target, rand(600));
      wholeOrAbsent(local, remote);
    }
    const push = guild(local, cfg, ["push", "box", "-y"]);
    assert.equal(push.status, 0, push.stderr);
    assert.equal(wholeOrAbsent(local, remote), 3, "every run pushed after the cuts");
    const back = tempDir();
    for (const target of ["guild", "rsync"] as const) {
      await killDuring(back, cfg, ["pull", "box", "-y"], target, rand(600));
      wholeOrAbsent(remote, back);
    }
    const pull = guild(back, cfg, ["pull", "box", "-y"]);
    assert.equal(pull.status, 0, pull.stderr);
    assert.equal(wholeOrAbsent(remote, back), 3, "every run pulled after the cuts");
    for (const home of [remote, back]) {
      const fsck = runCommand("guild-fsck-runs", ["-H", home]);
      assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
    }
  });

  test("8 pushes at once into one remote home, each of other runs: nothing lost or duplicated, the remote's fsck finds nothing", async () => {
    const remote = path.join(root, "shared-remote");
    const cfg = config("box", remote);
    const homes = Array.from({ length: 8 }, (_, i) => generateHome({ runs: 1, seed: 100 + i }));
    const results = await Promise.all(
      homes.map(
        (home) =>
          new Promise<{ status: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, [binPath("guild"), "push", "box", "-y"], {
              env: { ...process.env, GUILD_HOME: home, GUILD_CONFIG: cfg },
              stdio: ["ignore", "ignore", "pipe"],
            });
            let stderr = "";
            child.stderr!.on("data", (d: Buffer) => (stderr += d));
            child.on("close", (status) => resolve({ status, stderr }));
          }),
      ),
    );
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    const all = homes.flatMap(runIds).sort();
    assert.equal(new Set(all).size, 8, "the homes hold different runs");
    assert.deepEqual(runIds(remote), all, "every run arrived, once");
    for (const home of homes) assert.equal(wholeOrAbsent(home, remote), 1);
    const fsck = runCommand("guild-fsck-runs", ["-H", remote]);
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
    assert.equal(fsck.stdout, "");
  });

  test("a full disk on the receiving side: a one-line failure naming the run, nothing half in view, nothing lost", (t) => {
    const mnt = path.join(root, "tiny");
    fs.mkdirSync(mnt);
    const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt], { encoding: "utf8" });
    if (m.status !== 0) {
      t.skip(`cannot mount a tmpfs here: ${m.stderr.trim()}`);
      return;
    }
    t.after(() => spawnSync("umount", ["-l", mnt]));
    const src = heavyHome(1, 21, 2 << 20);
    const [big] = runIds(src);
    const small = generateHome({ runs: 1, seed: 22 });
    const [kept] = runIds(small);
    const full = path.join(mnt, "home");
    fs.cpSync(small, full, { recursive: true });
    // Pull into the full disk.
    const cfg = config("box", src);
    const pull = guild(full, cfg, ["pull", "box", "-y"]);
    assert.equal(pull.status, 5, pull.stderr);
    const failures = pull.stderr.split("\n").filter((l) => l.startsWith("guild:"));
    assert.equal(failures.length, 1, pull.stderr);
    assert.match(failures[0]!, new RegExp(`pull box: run ${big}: .*No space left on device`));
    assert.deepEqual(runIds(full), [kept], "the pulled run is not in view");
    assert.equal(treeListing(path.join(full, "runs", kept!)), treeListing(path.join(small, "runs", kept!)), "nothing lost here");
    // Push onto the full disk.
    const cfgFull = config("tiny", full);
    const push = guild(src, cfgFull, ["push", "tiny", "-y"]);
    assert.equal(push.status, 5, push.stderr);
    assert.match(push.stderr, new RegExp(`push tiny: run ${big}: .*No space left on device`));
    assert.deepEqual(runIds(full), [kept]);
    assert.equal(wholeOrAbsent(src, full), 0);
  });
});
