import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { LockTimeoutError, lockIsStale, withLock } from "../src/lock.js";

const DEAD_PID = 4_000_000; // above Linux's pid_max
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "guildts-lock-"));

test("a lock is a symlink naming its holder while held, gone after (also when fn throws)", () => {
  const file = path.join(tmp(), "locks", "guildts-run-x"); // locks/ does not exist yet
  const seen = withLock(file, () => fs.readlinkSync(file));
  assert.match(seen, new RegExp(`^${process.pid} ${os.hostname()} \\d+$`));
  assert.equal(fs.existsSync(file), false);
  assert.throws(
    () =>
      withLock(file, () => {
        throw new Error("boom");
      }),
    /boom/,
  );
  assert.equal(fs.lstatSync(file, { throwIfNoEntry: false }), undefined);
});

test("the lock of a dead process on this host is broken; another host's is waited for, then named", () => {
  const dir = tmp();
  const stale = path.join(dir, "stale");
  fs.symlinkSync(`${DEAD_PID} ${os.hostname()} 1`, stale);
  assert.equal(lockIsStale(stale), true);
  assert.equal(
    withLock(stale, () => 42),
    42,
  );
  const foreign = path.join(dir, "foreign");
  fs.symlinkSync(`${DEAD_PID} another-host 1`, foreign);
  assert.equal(lockIsStale(foreign), false);
  const t0 = Date.now();
  assert.throws(
    () => withLock(foreign, () => 0, { timeoutMs: 150 }),
    (e: unknown) => e instanceof LockTimeoutError && /held by pid 4000000 on another-host/.test((e as Error).message),
  );
  assert.ok(Date.now() - t0 >= 150);
  assert.equal(fs.readlinkSync(foreign), `${DEAD_PID} another-host 1`, "never removed");
});

test("a live holder (this process, nested) is waited for, not broken", () => {
  const file = path.join(tmp(), "l");
  withLock(file, () => {
    assert.throws(() => withLock(file, () => 0, { timeoutMs: 50 }), LockTimeoutError);
    assert.ok(fs.existsSync(path.dirname(file)));
  });
});
