import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { finishPurges, markDeleted, OK_OUTCOMES, purge, removeTree, restoreDeleted, runningReason } from "../src/lifecycle.js";

/**
 * The lifecycle's safety checks, in-process (the commands' end-to-end tests are in
 * apps/plumbing/test/lifecycle.test.ts). Each of these tests fails when the check it names is
 * removed from lifecycle.ts (found by mutation testing: bench/MUTATION.md).
 */
const DEAD_PID = 4_000_000; // above Linux's pid_max
const LIVE_PID = 12345; // alive only as far as `alive` says
const alive = (pid: number) => pid === LIVE_PID;
const dead = () => false;
/** When LIVE_PID "started": long before any LOCK a test writes, or just now (after it). */
const startedLongAgo = () => Date.now() - 3_600_000;
const startedNow = () => Date.now() + 5_000;

let n = 0;
function home(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "guildts-lifecycle-"));
}

/** A run directory as Guild writes one, in runs/ (or trash/runs/). */
function makeRun(h: string, o: { lock?: string; remote?: string; exitStatus?: number; deleted?: boolean } = {}): string {
  const id = `${(++n).toString(16).padStart(4, "0")}${"ab".repeat(14)}`;
  const dir = path.join(h, ...(o.deleted ? ["trash", "runs"] : ["runs"]), id);
  fs.mkdirSync(path.join(dir, ".guild", "attrs"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".guild", "opref"), "guildfile:'/p/guild.yml' 'abc' '' 'train'\n");
  fs.writeFileSync(path.join(dir, ".guild", "attrs", "started"), "1700000000000000\n");
  fs.writeFileSync(path.join(dir, "out.txt"), "data\n");
  if (o.lock !== undefined) fs.writeFileSync(path.join(dir, ".guild", "LOCK"), o.lock);
  if (o.remote !== undefined) fs.writeFileSync(path.join(dir, ".guild", "LOCK.remote"), o.remote);
  if (o.exitStatus !== undefined) fs.writeFileSync(path.join(dir, ".guild", "attrs", "exit_status"), `${o.exitStatus}\n`);
  return id;
}

const inRuns = (h: string, id: string) => fs.existsSync(path.join(h, "runs", id, "out.txt"));
const inTrash = (h: string, id: string) => fs.existsSync(path.join(h, "trash", "runs", id, "out.txt"));

describe("what counts as running (runningReason)", () => {
  test("a live pid in LOCK without exit_status is running; a dead pid is not", () => {
    const h = home();
    const id = makeRun(h, { lock: String(LIVE_PID) });
    assert.equal(runningReason(path.join(h, "runs", id), alive), `running (pid ${LIVE_PID})`);
    assert.equal(runningReason(path.join(h, "runs", id), dead), null);
  });

  test("a run whose process wrote its exit status is finishing while its LOCK holder lives, and is not moved", () => {
    const h = home();
    const id = makeRun(h, { lock: String(LIVE_PID), exitStatus: 0 });
    const dir = path.join(h, "runs", id);
    assert.equal(runningReason(dir, alive, startedLongAgo), `finishing (pid ${LIVE_PID})`);
    assert.deepEqual(markDeleted(h, id, { isAlive: alive, startedAt: startedLongAgo }), {
      id,
      outcome: "refused",
      reason: `finishing (pid ${LIVE_PID})`,
    });
    assert.ok(inRuns(h, id));
    // The holder gone (guild run removed LOCK, or died): Guild's rule, exit_status wins.
    assert.equal(runningReason(dir, dead, startedLongAgo), null);
  });

  test("an exit status and a LOCK whose pid started after LOCK was written (a reused pid): not running, moved", () => {
    const h = home();
    const id = makeRun(h, { lock: String(LIVE_PID), exitStatus: 0 });
    const lock = path.join(h, "runs", id, ".guild", "LOCK");
    const crashed = new Date(Date.now() - 600_000);
    fs.utimesSync(lock, crashed, crashed);
    assert.equal(runningReason(path.join(h, "runs", id), alive, startedNow), null);
    assert.equal(
      runningReason(path.join(h, "runs", id), alive, () => null),
      null,
      "no /proc: Guild's rule",
    );
    assert.deepEqual(markDeleted(h, id, { isAlive: alive, startedAt: startedNow }), { id, outcome: "deleted" });
    assert.ok(inTrash(h, id));
  });

  test("the real process probe: this process holds a LOCK it just wrote", () => {
    const h = home();
    const id = makeRun(h, { lock: String(process.pid), exitStatus: 0 });
    assert.equal(runningReason(path.join(h, "runs", id)), `finishing (pid ${process.pid})`);
  });

  test("LOCK.remote means running remotely, with no LOCK and no live pid", () => {
    const h = home();
    const id = makeRun(h, { remote: "gpu-box\n" });
    assert.equal(runningReason(path.join(h, "runs", id), dead), "running remotely (gpu-box)");
    const both = makeRun(h, { remote: "gpu-box", lock: String(DEAD_PID), exitStatus: 0 });
    assert.equal(runningReason(path.join(h, "runs", both), dead), "running remotely (gpu-box)", "LOCK.remote is checked first");
  });

  test("a directory that is not a run is not running", () => {
    const h = home();
    const dir = path.join(h, "runs", "stray");
    fs.mkdirSync(path.join(dir, ".guild"), { recursive: true });
    fs.writeFileSync(path.join(dir, ".guild", "LOCK"), String(LIVE_PID));
    assert.equal(runningReason(dir, alive), null);
    assert.equal(runningReason(path.join(h, "runs", "missing"), alive), null);
  });
});

describe("delete, restore and purge refuse running runs", () => {
  test("delete refuses a running run and a remote one, and leaves them in place", () => {
    const h = home();
    const live = makeRun(h, { lock: String(LIVE_PID) });
    const remote = makeRun(h, { remote: "gpu-box" });
    assert.deepEqual(markDeleted(h, live, { isAlive: alive }), { id: live, outcome: "refused", reason: `running (pid ${LIVE_PID})` });
    assert.deepEqual(markDeleted(h, remote, { isAlive: dead }), { id: remote, outcome: "refused", reason: "running remotely (gpu-box)" });
    assert.ok(inRuns(h, live) && inRuns(h, remote));
    assert.ok(!inTrash(h, live) && !inTrash(h, remote));
  });

  test("purge --live refuses a running run (and a remote one) and keeps it whole", () => {
    const h = home();
    const live = makeRun(h, { lock: String(LIVE_PID) });
    const remote = makeRun(h, { remote: "gpu-box" });
    assert.deepEqual(purge(h, live, { live: true, isAlive: alive }), { id: live, outcome: "refused", reason: `running (pid ${LIVE_PID})` });
    assert.deepEqual(purge(h, remote, { live: true, isAlive: dead }), {
      id: remote,
      outcome: "refused",
      reason: "running remotely (gpu-box)",
    });
    assert.ok(inRuns(h, live) && inRuns(h, remote));
    const staging = path.join(h, "trash", ".purging");
    assert.ok(!fs.existsSync(staging) || fs.readdirSync(staging).length === 0, "nothing was staged for removal");
  });

  test("purge --live removes a live run that is not running: a dead pid, or an exit status and a reused pid", () => {
    const h = home();
    const stale = makeRun(h, { lock: String(DEAD_PID) });
    const exited = makeRun(h, { lock: String(LIVE_PID), exitStatus: 1 });
    const finishing = makeRun(h, { lock: String(LIVE_PID), exitStatus: 1 });
    assert.deepEqual(purge(h, stale, { live: true, isAlive: dead }), { id: stale, outcome: "purged" });
    assert.deepEqual(purge(h, exited, { live: true, isAlive: alive, startedAt: startedNow }), { id: exited, outcome: "purged" });
    assert.deepEqual(purge(h, finishing, { live: true, isAlive: alive, startedAt: startedLongAgo }), {
      id: finishing,
      outcome: "refused",
      reason: `finishing (pid ${LIVE_PID})`,
    });
    fs.rmSync(path.join(h, "runs", finishing), { recursive: true });
    assert.ok(!fs.existsSync(path.join(h, "runs", stale)) && !fs.existsSync(path.join(h, "runs", exited)));
    assert.deepEqual(fs.readdirSync(path.join(h, "trash", ".purging")), [], "nothing left staged");
  });

  test("purge without --live takes only deleted runs, and says why not for a live one", () => {
    const h = home();
    const id = makeRun(h);
    assert.deepEqual(purge(h, id), {
      id,
      outcome: "not-found",
      reason: "the run is not deleted (delete it first, or purge live runs with --live)",
    });
    assert.ok(inRuns(h, id));
    assert.deepEqual(purge(h, "ffff"), { id: "ffff", outcome: "not-found", reason: "no such deleted run" });
    assert.deepEqual(purge(h, "ffff", { live: true }), { id: "ffff", outcome: "not-found", reason: "no such run" });
    const gone = makeRun(h, { deleted: true, lock: String(LIVE_PID) });
    // A deleted run is purged without the running check: it cannot be running in the trash.
    assert.deepEqual(purge(h, gone, { isAlive: alive }), { id: gone, outcome: "purged" });
    assert.ok(!fs.existsSync(path.join(h, "trash", "runs", gone)));
  });

  test("moves never overwrite: delete over a trashed twin and restore over a live twin are refused", () => {
    const h = home();
    const id = makeRun(h);
    fs.mkdirSync(path.join(h, "trash", "runs", id), { recursive: true });
    fs.writeFileSync(path.join(h, "trash", "runs", id, "old.txt"), "old\n");
    const r = markDeleted(h, id, { isAlive: dead });
    assert.equal(r.outcome, "refused");
    assert.match(r.reason!, /the trash already holds a run with this id/);
    assert.ok(inRuns(h, id) && fs.existsSync(path.join(h, "trash", "runs", id, "old.txt")));
    const back = restoreDeleted(h, id);
    assert.deepEqual(back, { id, outcome: "refused", reason: "runs/ already holds a run with this id" });
  });

  test("ids that are paths are refused before any file is touched", () => {
    const h = home();
    for (const bad of ["../x", "a/b", ".", "..", ".guildts-new", ""]) {
      assert.equal(markDeleted(h, bad).outcome, "failed", bad);
      assert.equal(purge(h, bad, { live: true }).outcome, "failed", bad);
      assert.equal(restoreDeleted(h, bad).outcome, "failed", bad);
    }
  });
});

describe("finishPurges: the interrupted purges of dead processes only", () => {
  test("leaves a live owner's purge alone; removes a dead owner's, its own and a nameless one", () => {
    const h = home();
    const staging = path.join(h, "trash", ".purging");
    const stage = (name: string) => {
      fs.mkdirSync(path.join(staging, name, "sub"), { recursive: true });
      fs.writeFileSync(path.join(staging, name, "sub", "f"), "x");
    };
    // The parent of this test process is alive for as long as the test runs.
    const liveOwner = `${"a".repeat(32)}.${process.ppid}.0123abcd`;
    stage(liveOwner);
    stage(`${"b".repeat(32)}.${DEAD_PID}.0123abcd`);
    stage(`${"c".repeat(32)}.${process.pid}.0123abcd`);
    stage("leftover");
    assert.equal(finishPurges(h), 3);
    assert.deepEqual(fs.readdirSync(staging), [liveOwner]);
    assert.ok(fs.existsSync(path.join(staging, liveOwner, "sub", "f")), "the live purge's files are untouched");
  });

  test("no staging directory: nothing to do", () => {
    assert.equal(finishPurges(home()), 0);
  });
});

describe("removeTree never follows a link", () => {
  test("a link to a directory outside is removed, its target kept", () => {
    const h = home();
    const outside = path.join(h, "outside");
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, "keep"), "k");
    const tree = path.join(h, "tree");
    fs.mkdirSync(path.join(tree, "d"), { recursive: true });
    fs.symlinkSync(outside, path.join(tree, "d", "link"));
    fs.symlinkSync(path.join(outside, "keep"), path.join(tree, "file-link"));
    removeTree(tree);
    assert.equal(fs.existsSync(tree), false);
    assert.deepEqual(fs.readdirSync(outside), ["keep"]);
    removeTree(path.join(h, "missing")); // no error
  });
});

describe("outcomes and reasons", () => {
  test("moving twice is no error: already-deleted, already-restored; unknown ids are not-found", () => {
    const h = home();
    const id = makeRun(h);
    assert.deepEqual(markDeleted(h, id, { isAlive: dead }), { id, outcome: "deleted" });
    assert.deepEqual(markDeleted(h, id, { isAlive: dead }), { id, outcome: "already-deleted" });
    assert.deepEqual(restoreDeleted(h, id), { id, outcome: "restored" });
    assert.deepEqual(restoreDeleted(h, id), { id, outcome: "already-restored" });
    assert.deepEqual(markDeleted(h, "ffff"), { id: "ffff", outcome: "not-found", reason: "no such run" });
    assert.deepEqual(restoreDeleted(h, "ffff"), { id: "ffff", outcome: "not-found", reason: "no such deleted run" });
    for (const ok of ["deleted", "already-deleted", "restored", "already-restored", "purged"] as const) assert.ok(OK_OUTCOMES.has(ok), ok);
    for (const bad of ["not-found", "refused", "failed"] as const) assert.ok(!OK_OUTCOMES.has(bad), bad);
  });

  test("a path as id says why; an error of the file system is reported, not thrown", () => {
    const h = home();
    assert.deepEqual(markDeleted(h, "../x"), {
      id: "../x",
      outcome: "failed",
      reason: "invalid run id (a run id is a directory name, never a path)",
    });
    const id = makeRun(h);
    fs.writeFileSync(path.join(h, "trash"), "a file where the trash should be");
    const r = markDeleted(h, id, { isAlive: dead });
    assert.equal(r.outcome, "failed");
    assert.match(r.reason!, /ENOTDIR|EEXIST|not a directory/);
    assert.ok(inRuns(h, id), "the run stays whole where it was");
  });
});
