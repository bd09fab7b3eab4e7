import assert from "node:assert/strict";
import { test } from "node:test";
import { parseLockPid, pidExists, runStatus } from "../src/status.js";

const base = { lockRemote: false, pending: false, staged: false, exitStatus: null, lockPid: null };
const dead = () => false;
const alive = () => true;

test("markers win over exit_status, in Guild's order", () => {
  assert.equal(runStatus({ ...base, lockRemote: true, pending: true, exitStatus: 1 }, dead), "running");
  assert.equal(runStatus({ ...base, pending: true, staged: true, exitStatus: 1 }, dead), "pending");
  assert.equal(runStatus({ ...base, staged: true, exitStatus: 1 }, dead), "staged");
});

test("the sign of exit_status decides completed, terminated or error", () => {
  assert.equal(runStatus({ ...base, exitStatus: 0 }, dead), "completed");
  assert.equal(runStatus({ ...base, exitStatus: -15 }, dead), "terminated");
  assert.equal(runStatus({ ...base, exitStatus: -16 }, dead), "terminated");
  assert.equal(runStatus({ ...base, exitStatus: 3 }, dead), "error");
  assert.equal(runStatus({ ...base, exitStatus: 0, lockPid: 12 }, alive), "completed");
});

test("a LOCK pid is running only while the process lives; else error", () => {
  assert.equal(runStatus({ ...base, lockPid: 42 }, alive), "running");
  assert.equal(runStatus({ ...base, lockPid: 42 }, dead), "error");
  assert.equal(runStatus({ ...base }, alive), "error");
});

test("LOCK parsing and the live-pid check", () => {
  assert.equal(parseLockPid("1234"), 1234);
  assert.equal(parseLockPid(" 77\n"), 77);
  assert.equal(parseLockPid("abc"), null);
  assert.equal(parseLockPid(""), null);
  assert.equal(parseLockPid(null), null);
  assert.equal(pidExists(process.pid), true);
  assert.equal(pidExists(0), false);
  assert.equal(pidExists(2 ** 22 + 12345), false);
});

test("a zombie whose live parent has not reaped it yet still counts (its run is finishing)", {
  skip: process.platform !== "linux" && "Linux /proc",
}, async () => {
  const { spawn } = await import("node:child_process");
  const fs = await import("node:fs");
  // `sleep 0` exits at once and stays a zombie child of `sleep 3`, which never reaps it.
  const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 3"], { stdio: ["ignore", "pipe", "ignore"] });
  const zombie = Number(await new Promise<string>((r) => parent.stdout.once("data", (d: Buffer) => r(d.toString()))));
  await new Promise((r) => setTimeout(r, 200));
  try {
    assert.ok(fs.existsSync(`/proc/${zombie}`), "the zombie is in /proc");
    assert.equal(pidExists(zombie), true, "its parent lives: the process is being reaped");
    assert.equal(pidExists(parent.pid!), true);
  } finally {
    parent.kill("SIGKILL");
  }
});

// ---- cases mutation testing found untested (bench/MUTATION.md) ----

test("a LOCK pid is the whole text as an integer: no trailing or leading junk", () => {
  assert.equal(parseLockPid("12x"), null);
  assert.equal(parseLockPid("x12"), null);
  assert.equal(parseLockPid("+12"), 12);
  assert.equal(parseLockPid("-3"), -3);
  assert.equal(parseLockPid("1 2"), null);
});

test("pidExists: no process for 0, negative, fractional or huge pids", () => {
  for (const pid of [0, -1, -process.pid, 1.5, Number.NaN, 2 ** 60]) assert.equal(pidExists(pid), false, String(pid));
  assert.equal(pidExists(1), true, "init");
});

test("a negative exit status is terminated (killed by a signal), a positive one error", () => {
  assert.equal(runStatus({ ...base, exitStatus: -15 }, dead), "terminated");
  assert.equal(runStatus({ ...base, exitStatus: 2 }, dead), "error");
  assert.equal(runStatus({ ...base, exitStatus: 0, lockPid: 5 }, alive), "completed");
});
