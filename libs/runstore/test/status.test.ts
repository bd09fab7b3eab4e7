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
