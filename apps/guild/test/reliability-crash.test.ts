import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { checkStore, decodeAttr, type Problem } from "@guildts/runstore";
import {
  assertNoCrash,
  countEntries,
  generateHome,
  quickProject,
  reliabilityScale,
  runCommand,
  spawnCommand,
  tempDir,
} from "@guildts/testkit";

/**
 * Crash consistency of the commands that write a run's files (label, run), by SIGKILL at random
 * moments: after each kill the store checker finds no run lost, duplicated or half-written (at
 * most leftovers it can repair), and running the command again finishes the job. Delete, restore
 * and purge have the same test in apps/plumbing/test/crash.test.ts.
 */
const SCALE = reliabilityScale();
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

/** What a crash may leave: leftovers of the dead process, each repairable. */
const LEFTOVERS = new Set(["temp-file", "stale-lock", "stale-lock-file", "interrupted-create"]);

function assertOnlyLeftovers(home: string, what: string): Problem[] {
  const { problems } = checkStore(home);
  for (const p of problems) {
    assert.ok(LEFTOVERS.has(p.kind) && p.repair !== null, `${what}: ${p.kind} ${p.path}: ${p.message}`);
  }
  return problems;
}

function assertRepairsToClean(home: string): void {
  checkStore(home, { repair: true });
  assert.deepEqual(checkStore(home).problems, [], "clean after --repair");
}

/** `{"kind": count}` of the distinct leftovers seen. */
function tally(seen: Map<string, string>): string {
  const t: Record<string, number> = {};
  for (const k of seen.values()) t[k] = (t[k] ?? 0) + 1;
  return JSON.stringify(t);
}

const labelOf = (home: string, id: string): string | null => {
  try {
    return decodeAttr(fs.readFileSync(path.join(home, "runs", id, ".guild", "attrs", "label"), "utf8")) as string;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
};

describe("crash consistency (SIGKILL at random moments)", () => {
  test("guild runs label: every label is the old or the new one, whole; a rerun labels the rest", { timeout: 300_000 }, async () => {
    const home = generateHome({ runs: 300, seed: 41 });
    const ids = fs.readdirSync(path.join(home, "runs")).sort();
    const env = { GUILD_HOME: home };
    // How long a whole labelling takes here, so the kills land anywhere in it.
    const full = await spawnCommand("guild", ["runs", "label", ":", "--set", "warm-up", "-y"], { env });
    assertNoCrash(full, "label", [0]);
    // The newest run is labelled first: once its label changes, the command is mid-way.
    const first = runCommand("guild-rev-parse-run", ["1"], { env }).stdout.trim();
    let midway = 0;
    const leftovers = new Map<string, string>(); // distinct leftovers seen, by path
    const rounds = Math.round(8 * SCALE);
    for (let round = 0; round < rounds; round++) {
      const label = `round ${round}`;
      const previous = new Map(ids.map((id) => [id, labelOf(home, id)]));
      // Even rounds aim into the labelling loop; odd rounds pick any moment of the command.
      const aim =
        round % 2 === 0
          ? { killWhen: () => labelOf(home, first) === label, killDelayMs: Math.floor(rand() * full.ms * 0.4) }
          : { killAfterMs: Math.floor(rand() * full.ms * 1.2) };
      const killed = await spawnCommand("guild", ["runs", "label", ":", "--set", label, "-y"], { env, ...aim });
      let changed = 0;
      for (const id of ids) {
        const now = labelOf(home, id); // throws if a label file is not whole YAML
        assert.ok(now === previous.get(id) || now === label, `run ${id}: label ${JSON.stringify(now)} is neither the old nor the new one`);
        if (now === label) changed++;
      }
      if (killed.signal === "SIGKILL" && changed > 0 && changed < ids.length) midway++;
      for (const p of assertOnlyLeftovers(home, `after kill ${round}`)) leftovers.set(p.path, p.kind);
      // The rerun finishes the job, breaking the lock the killed process may have left.
      const rerun = runCommand("guild", ["runs", "label", ":", "--set", label, "-y"], { env });
      assertNoCrash(rerun, "label rerun", [0]);
      for (const id of ids) assert.equal(labelOf(home, id), label);
    }
    assertRepairsToClean(home);
    assert.deepEqual(fs.readdirSync(path.join(home, "runs")).sort(), ids, "no run lost or added");
    console.log(`# guild runs label kills: ${rounds} rounds, ${midway} mid-way, leftovers ${tally(leftovers)}`);
    assert.ok(midway >= 1, `kills landed mid-way in ${midway} of ${rounds} rounds`);
  });

  test("guild run: a run is in view whole or not at all; a rerun completes a run", { timeout: 300_000 }, async () => {
    const root = tempDir("guildts-crash-run-");
    const home = path.join(root, "home");
    const project = quickProject(path.join(root, "project"), { files: 300, sleep: 0.05 });
    const env = { GUILD_HOME: home };
    const first = await spawnCommand("guild", ["run", "quick", "-y"], { cwd: project, env });
    assertNoCrash(first, "run", [0]);
    let completed = 1;
    const outcomes = { none: 0, unfinished: 0, completed: 0 };
    const leftovers = new Map<string, string>(); // distinct leftovers seen, by path
    const rounds = Math.round(12 * SCALE);
    for (let round = 0; round < rounds; round++) {
      const before = new Set(fs.readdirSync(path.join(home, "runs")));
      // A third of the rounds aim at the build (from the moment a run directory appears, in view
      // or under construction), a third at the run (once it is in view), a third at any moment.
      const building = path.join(home, "runs", ".guildts-new");
      const visible = () => fs.readdirSync(path.join(home, "runs")).filter((n) => !n.startsWith(".")).length;
      const shown = visible();
      const inView = () => visible() > shown;
      const aim =
        round % 3 === 0
          ? { killWhen: () => countEntries(building) > 0 || inView(), killDelayMs: Math.floor(rand() * 25) }
          : round % 3 === 1
            ? { killWhen: inView, killDelayMs: Math.floor(rand() * 80) }
            : { killAfterMs: Math.floor(rand() * first.ms * 1.1) };
      await spawnCommand("guild", ["run", "quick", "-y"], { cwd: project, env, ...aim });
      await new Promise((r) => setTimeout(r, 120)); // the orphaned `sleep` ends
      const added = fs.readdirSync(path.join(home, "runs")).filter((n) => !before.has(n) && !n.startsWith("."));
      assert.ok(added.length <= 1, "one run at most per command");
      for (const id of added) {
        const dir = path.join(home, "runs", id, ".guild");
        // Never half-written in view: opref and every init attr are there, PENDING is not.
        assert.ok(fs.existsSync(path.join(dir, "opref")), "opref");
        for (const a of ["id", "initialized", "cmd", "flags", "op", "deps", "sourcecode_digest"])
          assert.ok(fs.existsSync(path.join(dir, "attrs", a)), `attr ${a}`);
        assert.ok(!fs.existsSync(path.join(dir, "PENDING")), "no pending run in view");
        const exit = fs.existsSync(path.join(dir, "attrs", "exit_status"));
        outcomes[exit ? "completed" : "unfinished"]++;
        if (exit) completed++;
      }
      if (added.length === 0) outcomes.none++;
      for (const p of assertOnlyLeftovers(home, `after kill ${round}`)) leftovers.set(p.path, p.kind);
      const list = runCommand("guild-ls-runs", ["--json", "-H", home]);
      assertNoCrash(list, "ls-runs", [0]);
      assert.equal(list.stderr, "", "a listing never warns about a run under construction");
    }
    // A rerun completes a run, and sweeps what killed creations left out of view.
    const rerun = runCommand("guild", ["run", "quick", "-y"], { cwd: project, env });
    assertNoCrash(rerun, "run rerun", [0]);
    assert.equal(countEntries(path.join(home, "runs", ".guildts-new")), 0);
    const statuses = runCommand("guild-ls-runs", ["--json", "-H", home])
      .stdout.trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { status: string }).status);
    assert.equal(statuses.filter((s) => s === "completed").length, completed + 1);
    assert.ok(
      statuses.every((s) => s === "completed" || s === "error"),
      statuses.join(","),
    );
    assertRepairsToClean(home);
    console.log(
      `# guild run kills: ${rounds} rounds, runs in view after the kill ${JSON.stringify(outcomes)}, leftovers ${tally(leftovers)}`,
    );
    assert.ok(outcomes.none > 0 && outcomes.unfinished + outcomes.completed > 0, JSON.stringify(outcomes));
  });
});
