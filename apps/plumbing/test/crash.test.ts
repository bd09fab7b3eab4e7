import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { checkStore } from "@guildts/runstore";
import { binPath, countEntries, generateHome, runCommand, treeDigest } from "@guildts/testkit";

/**
 * Crash safety: SIGKILL a deletion, a restore and a purge of thousands of runs at random
 * moments; every run must then be whole in exactly one of runs/ and trash/runs/ (or gone, for
 * purge), and running the command again must complete the job.
 */
const RUNS = 4000;

type Where = "runs" | "trash" | "gone";

function locate(home: string, ids: string[], original: Map<string, string>): Map<string, Where> {
  const where = new Map<string, Where>();
  for (const id of ids) {
    const live = path.join(home, "runs", id);
    const dead = path.join(home, "trash", "runs", id);
    const inLive = fs.existsSync(live);
    const inDead = fs.existsSync(dead);
    assert.ok(!(inLive && inDead), `${id} is in both runs/ and trash/runs/`);
    if (inLive || inDead) assert.equal(treeDigest(inLive ? live : dead), original.get(id), `${id} is whole`);
    where.set(id, inLive ? "runs" : inDead ? "trash" : "gone");
  }
  return where;
}

let seed = 99;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

/**
 * Starts a plumbing command on every id and SIGKILLs it at a random moment once it has started
 * moving runs (`started()` says so), so that the kill lands mid-way whatever the machine's pace.
 */
async function killMidway(cmd: string, home: string, ids: string[], started: () => boolean): Promise<void> {
  const child = spawn(process.execPath, [binPath(cmd), "--stdin", "-H", home], { stdio: ["pipe", "ignore", "ignore"] });
  child.stdin.end(ids.join("\n") + "\n");
  const exited = once(child, "exit");
  let done = false;
  void exited.then(() => (done = true));
  while (!done && !started()) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, Math.floor(rand() * 40)));
  child.kill("SIGKILL");
  await exited;
}

/** After a kill the checker may find leftovers of the dead process, all repairable, nothing else. */
function leftoversOnly(home: string): void {
  for (const p of checkStore(home).problems)
    assert.ok(["interrupted-purge", "temp-file", "stale-lock-file"].includes(p.kind) && p.repair, `${p.kind} ${p.path}: ${p.message}`);
}

function complete(cmd: string, home: string, ids: string[]): void {
  const r = runCommand(cmd, ["--stdin", "-H", home], { input: ids.join("\n") + "\n" });
  assert.equal(r.status, 0, r.stdout.slice(0, 500));
}

describe("crash safety of delete, restore and purge", () => {
  test("SIGKILL at random moments leaves every run whole in exactly one place; a rerun completes", { timeout: 240_000 }, async () => {
    const home = generateHome({ runs: RUNS, seed: 5 });
    const ids = fs.readdirSync(path.join(home, "runs")).sort();
    const original = new Map(ids.map((id) => [id, treeDigest(path.join(home, "runs", id))]));
    let interrupted = 0;
    const count = (m: Map<string, Where>, w: Where) => [...m.values()].filter((x) => x === w).length;

    const trash = path.join(home, "trash", "runs");
    const live = path.join(home, "runs");
    for (let round = 0; round < 2; round++) {
      await killMidway("guild-mark-deleted", home, ids, () => countEntries(trash) > 0);
      let where = locate(home, ids, original);
      leftoversOnly(home);
      if (count(where, "runs") > 0 && count(where, "trash") > 0) interrupted++;
      complete("guild-mark-deleted", home, ids);
      where = locate(home, ids, original);
      assert.equal(count(where, "trash"), RUNS, "a rerun deletes the rest");

      await killMidway("guild-restore-deleted", home, ids, () => countEntries(live) > 0);
      where = locate(home, ids, original);
      leftoversOnly(home);
      if (count(where, "runs") > 0 && count(where, "trash") > 0) interrupted++;
      complete("guild-restore-deleted", home, ids);
      assert.equal(count(locate(home, ids, original), "runs"), RUNS, "a rerun restores the rest");
    }

    complete("guild-mark-deleted", home, ids);
    await killMidway("guild-purge-deleted", home, ids, () => countEntries(trash) < RUNS);
    let where = locate(home, ids, original);
    leftoversOnly(home);
    assert.equal(count(where, "runs"), 0);
    if (count(where, "gone") > 0 && count(where, "trash") > 0) interrupted++;
    // Nothing half-removed is visible: leftovers live in trash/.purging, out of every listing.
    assert.equal(runCommand("guild-ls-runs", ["--deleted", "-H", home]).stderr, "");
    complete(
      "guild-purge-deleted",
      home,
      ids.filter((id) => where.get(id) === "trash"),
    );
    where = locate(home, ids, original);
    assert.equal(count(where, "gone"), RUNS, "a rerun purges the rest");
    assert.deepEqual(fs.readdirSync(path.join(home, "trash", ".purging")), [], "the rerun finished the interrupted removal");
    assert.deepEqual(checkStore(home).problems, [], "the store checker finds nothing after the reruns");
    assert.ok(interrupted >= 4, `the kills landed mid-way (${interrupted} of 5)`);
  });
});
