import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { generateHome, runCommand } from "@guildts/testkit";

/**
 * The run index must stay correct when another process (Guild) changes the store behind it.
 * GUILDTS_INDEX_RACY_MS=0 lets the index keep runs written a moment ago, which is what makes
 * these tests meaningful: each one first checks that the index really served the listing.
 * GUILDTS_PARALLEL_MIN=1 makes even these small homes take the worker-thread stat path.
 */
const env = { GUILDTS_INDEX_RACY_MS: "0", GUILDTS_DEBUG_INDEX: "1", GUILDTS_PARALLEL_MIN: "1" };

interface Rec {
  id: string;
  status: string;
  label: string | null;
  tags: string[];
  exit_status: number | null;
}

function list(home: string, extra: string[] = []): { recs: Rec[]; hits: number } {
  const r = runCommand("guild-ls-runs", ["--json", "-H", home, ...extra], { env });
  assert.equal(r.status, 0, r.stderr);
  const m = /index .*: (\d+) hits/.exec(r.stderr);
  return {
    recs: r.stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Rec),
    hits: m ? Number(m[1]) : 0,
  };
}

function uncached(home: string, extra: string[] = []): Rec[] {
  const r = runCommand("guild-ls-runs", ["--json", "-H", home, ...extra], { env: { GUILDTS_INDEX: "off" } });
  return r.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
}

/** A home listed once, so that its index holds every settled run. */
function warmHome(runs = 30): { home: string; ids: string[] } {
  const home = generateHome({ runs, deleted: 3, seed: 11 });
  const first = list(home);
  assert.equal(first.hits, 0);
  list(home, ["--deleted"]);
  const second = list(home);
  assert.ok(second.hits >= runs * 0.8, `the index serves the second listing (${second.hits} hits)`);
  return { home, ids: second.recs.map((r) => r.id) };
}

const attr = (home: string, id: string, name: string) => path.join(home, "runs", id, ".guild", "attrs", name);

describe("the run index stays correct behind other writers", () => {
  test("a label rewritten in place, same length and same mtime, is seen", () => {
    const { home, ids } = warmHome();
    const before = list(home).recs;
    const target = before.find((r) => r.label !== null && r.label.length >= 4)!;
    const file = attr(home, target.id, "label");
    const st = fs.statSync(file);
    const newLabel = "X".repeat(target.label!.length);
    // Guild's write_attr: open(path, "w") and write, in place.
    const fd = fs.openSync(file, "r+");
    fs.writeSync(fd, newLabel + "\n", 0);
    fs.closeSync(fd);
    fs.utimesSync(file, st.atime, st.mtime);
    const after = list(home).recs.find((r) => r.id === target.id)!;
    assert.equal(after.label, newLabel);
    assert.deepEqual(list(home).recs, uncached(home));
    void ids;
  });

  test("a new label, a cleared label and new tags are seen", () => {
    const { home } = warmHome();
    const recs = list(home).recs;
    const unlabeled = recs.find((r) => r.label === null)!;
    const labeled = recs.find((r) => r.label !== null && r.id !== unlabeled.id)!;
    fs.writeFileSync(attr(home, unlabeled.id, "label"), "fresh\n");
    fs.rmSync(attr(home, labeled.id, "label"));
    fs.writeFileSync(attr(home, labeled.id, "tags"), "- red\n");
    const after = list(home).recs;
    assert.equal(after.find((r) => r.id === unlabeled.id)!.label, "fresh");
    assert.equal(after.find((r) => r.id === labeled.id)!.label, null);
    assert.deepEqual(after.find((r) => r.id === labeled.id)!.tags, ["red"]);
    assert.deepEqual(after, uncached(home));
  });

  test("a run that finishes behind the index changes status", () => {
    const { home } = warmHome();
    const staged = list(home).recs.find((r) => r.status === "staged" || r.status === "pending")!;
    const g = path.join(home, "runs", staged.id, ".guild");
    // Guild starts it (marker removed, LOCK with a live pid) ...
    fs.rmSync(path.join(g, "STAGED"), { force: true });
    fs.rmSync(path.join(g, "PENDING"), { force: true });
    const child = spawn("sleep", ["30"]);
    try {
      fs.writeFileSync(path.join(g, "LOCK"), String(child.pid));
      assert.equal(list(home).recs.find((r) => r.id === staged.id)!.status, "running");
      // ... and it ends with an error: exit_status and stopped written, LOCK removed.
      fs.writeFileSync(path.join(g, "attrs", "exit_status"), "2\n");
      fs.writeFileSync(path.join(g, "attrs", "stopped"), "1767225700000000\n");
      fs.rmSync(path.join(g, "LOCK"));
      const done = list(home).recs.find((r) => r.id === staged.id)!;
      assert.deepEqual([done.status, done.exit_status], ["error", 2]);
    } finally {
      child.kill();
    }
  });

  test("a running run whose process dies becomes error without any file changing", async () => {
    const { home } = warmHome();
    const run = list(home).recs.find((r) => r.status === "staged")!;
    const g = path.join(home, "runs", run.id, ".guild");
    fs.rmSync(path.join(g, "STAGED"));
    const child = spawn("sleep", ["30"]);
    fs.writeFileSync(path.join(g, "LOCK"), String(child.pid));
    assert.equal(list(home).recs.find((r) => r.id === run.id)!.status, "running");
    const exited = once(child, "exit"); // reaped: a zombie still has its /proc entry
    child.kill("SIGKILL");
    await exited;
    assert.equal(list(home).recs.find((r) => r.id === run.id)!.status, "error");
  });

  test("runs added, deleted to the trash and restored behind the index are seen", () => {
    const { home, ids } = warmHome();
    const other = generateHome({ runs: 4, seed: 99 });
    for (const id of fs.readdirSync(path.join(other, "runs"))) {
      fs.renameSync(path.join(other, "runs", id), path.join(home, "runs", id));
    }
    const gone = ids[3]!;
    fs.renameSync(path.join(home, "runs", gone), path.join(home, "trash", "runs", gone));
    let now = list(home).recs.map((r) => r.id);
    assert.equal(now.length, ids.length + 4 - 1);
    assert.ok(!now.includes(gone));
    assert.ok(list(home, ["--deleted"]).recs.some((r) => r.id === gone));
    fs.renameSync(path.join(home, "trash", "runs", gone), path.join(home, "runs", gone));
    now = list(home).recs.map((r) => r.id);
    assert.ok(now.includes(gone));
    assert.ok(!list(home, ["--deleted"]).recs.some((r) => r.id === gone));
    assert.deepEqual(list(home).recs, uncached(home));
  });

  test("runs moved by delete and restore keep their entries (carried by id and stamp), not re-read", () => {
    const { home, ids } = warmHome();
    const moved = ids.slice(0, 5);
    for (const id of moved) fs.renameSync(path.join(home, "runs", id), path.join(home, "trash", "runs", id));
    const carried = (extra: string[]) => {
      const r = runCommand("guild-ls-runs", ["--json", "-H", home, ...extra], { env });
      assert.equal(r.status, 0, r.stderr);
      return Number(/\((\d+) carried from the other index\)/.exec(r.stderr)?.[1] ?? -1);
    };
    assert.equal(carried([]), 0, "runs/'s index drops them");
    assert.equal(carried(["--deleted"]), 0, "the trash's index had none of them: read");
    for (const id of moved) fs.renameSync(path.join(home, "trash", "runs", id), path.join(home, "runs", id));
    assert.equal(carried([]), moved.length, "the listing after the restore takes them from the trash's index");
    assert.equal(carried([]), 0, "and keeps them in its own");
    // A run changed while in the trash is read again, not carried.
    fs.renameSync(path.join(home, "runs", moved[0]!), path.join(home, "trash", "runs", moved[0]!));
    assert.equal(carried([]), 0);
    fs.writeFileSync(path.join(home, "trash", "runs", moved[0]!, ".guild", "attrs", "label"), "changed in the trash\n");
    fs.renameSync(path.join(home, "trash", "runs", moved[0]!), path.join(home, "runs", moved[0]!));
    assert.equal(carried([]), 0);
    assert.equal(list(home).recs.find((r) => r.id === moved[0])!.label, "changed in the trash");
    assert.deepEqual(list(home).recs, uncached(home));
    assert.deepEqual(list(home, ["--deleted"]).recs, uncached(home, ["--deleted"]));
  });

  test("a damaged index file is rebuilt", () => {
    const { home } = warmHome();
    const dir = path.join(home, "cache", "guildts");
    const indexFile = path.join(dir, "runs-index.json");
    fs.writeFileSync(indexFile, "{ not json");
    assert.deepEqual(list(home).recs, uncached(home));
    assert.equal(typeof JSON.parse(fs.readFileSync(indexFile, "utf8")).v, "number");
    assert.ok(list(home).hits > 0, "the rebuilt index serves the next listing");
  });
});
