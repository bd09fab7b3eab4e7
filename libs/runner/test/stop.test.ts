import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { pidExists } from "@guildts/runstore";
import { tempDir } from "@guildts/testkit";
import { isRunProcess, processStartMs, processTree, runProcess, stopRun } from "../src/index.js";

const ID = "0123456789abcdef0123456789abcdef";

/** A run directory holding only what stop.ts reads: LOCK and the started/exit_status attrs. */
function fakeRun(attrs: Record<string, string>, lock?: number): string {
  const dir = path.join(tempDir("guildts-stop-unit-"), ID);
  fs.mkdirSync(path.join(dir, ".guild", "attrs"), { recursive: true });
  for (const [k, v] of Object.entries(attrs)) fs.writeFileSync(path.join(dir, ".guild", "attrs", k), `${v}\n`);
  if (lock !== undefined) fs.writeFileSync(path.join(dir, ".guild", "LOCK"), String(lock));
  return dir;
}

const nowUs = () => String(Date.now() * 1000);

function sleeper(env: NodeJS.ProcessEnv) {
  // sh with a child of its own: a tree of two.
  return spawn("sh", ["-c", "sleep 30 & wait"], { env: { PATH: process.env.PATH, ...env }, stdio: "ignore" });
}

describe("stop.ts", { skip: process.platform !== "linux" && "needs /proc" }, () => {
  test("processTree finds the children; processStartMs is about now", async () => {
    const p = sleeper({});
    try {
      let tree: number[] = [];
      for (let i = 0; i < 100 && tree.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 20));
        tree = processTree(p.pid!);
      }
      assert.equal(tree[0], p.pid);
      assert.equal(tree.length, 2, `sh and its sleep: ${tree}`);
      const start = processStartMs(p.pid!)!;
      assert.ok(Math.abs(start - Date.now()) < 5_000, `started ${Date.now() - start} ms ago`);
    } finally {
      p.kill("SIGKILL");
    }
  });

  test("isRunProcess: RUN_ID in the environment decides; else the start time against `started`", () => {
    const mine = sleeper({ RUN_ID: ID });
    const other = sleeper({ RUN_ID: "ffffffffffffffffffffffffffffffff" });
    const plain = sleeper({});
    try {
      const now = fakeRun({ started: nowUs() });
      const old = fakeRun({ started: String((Date.now() - 3600_000) * 1000) });
      assert.equal(isRunProcess(mine.pid!, ID, old), true, "RUN_ID names the run: its process, whatever started says");
      assert.equal(isRunProcess(other.pid!, ID, now), false, "another run's process");
      assert.equal(isRunProcess(plain.pid!, ID, now), true, "no RUN_ID, started with the run");
      assert.equal(isRunProcess(plain.pid!, ID, old), false, "no RUN_ID, started an hour after the run: a reused pid");
      assert.equal(isRunProcess(plain.pid!, ID, fakeRun({})), false, "no RUN_ID and no started: not trusted");
    } finally {
      for (const p of [mine, other, plain]) p.kill("SIGKILL");
    }
  });

  test("runProcess: exit_status ends a run whatever LOCK says; a dead pid is not running", () => {
    assert.deepEqual(runProcess(fakeRun({ exit_status: "0" }, process.pid), ID), { pid: process.pid, notRunning: "exited" });
    assert.deepEqual(runProcess(fakeRun({}), ID), { pid: null, notRunning: "no-lock" });
    assert.deepEqual(runProcess(fakeRun({}, 999_999_999), ID), { pid: 999_999_999, notRunning: "dead" });
  });

  test("stopRun: SIGTERM to the tree; with no parent to record it, the status is written (-15)", async () => {
    const p = spawn("sh", ["-c", "sleep 30 & wait"], { env: { PATH: process.env.PATH, RUN_ID: ID }, stdio: "ignore", detached: true });
    const dir = fakeRun({ started: nowUs() }, p.pid!);
    let tree: number[] = [];
    for (let i = 0; i < 100 && tree.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      tree = processTree(p.pid!);
    }
    const seen: number[] = [];
    // This test process is the parent here and never writes exit_status: stopRun does, after its wait.
    const r = await stopRun(dir, ID, { timeoutMs: 5_000, onStopping: (pid) => seen.push(pid) });
    assert.deepEqual(seen, [p.pid]);
    assert.deepEqual([r.outcome, r.pid, r.survivors, r.exit_status], ["stopped", p.pid, [], -15]);
    assert.equal(fs.readFileSync(path.join(dir, ".guild", "attrs", "exit_status"), "utf8"), "-15\n");
    assert.ok(fs.existsSync(path.join(dir, ".guild", "attrs", "stopped")));
    assert.ok(!fs.existsSync(path.join(dir, ".guild", "LOCK")));
    for (const pid of tree) assert.equal(pidExists(pid), false, `pid ${pid} is gone`);
  });
});
