import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { checkStore, decodeAttr } from "@guildts/runstore";
import { assertNoCrash, generateHome, quickProject, reliabilityScale, spawnCommand, tempDir, type Spawned } from "@guildts/testkit";

/**
 * Concurrency: processes labelling (read-modify-write appends), deleting, restoring, listing and
 * starting runs in one store at once, for a bounded time. Checked: every command exits cleanly
 * with a documented status; every label change a command reported as done is in the final label
 * (no lost update); listings are valid JSON with each run once; the checker finds nothing.
 */
const SCALE = reliabilityScale();
const DURATION_MS = Math.round(6_000 * SCALE);

interface Logged {
  worker: string;
  args: string[];
  result: Spawned;
}

let seed = 3;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Where a run is now: its directory in runs/ or trash/runs/. */
function runDir(home: string, id: string): string | null {
  for (const root of [path.join(home, "runs"), path.join(home, "trash", "runs")]) {
    if (fs.existsSync(path.join(root, id))) return path.join(root, id);
  }
  return null;
}

describe("concurrency", () => {
  test(`label, delete, restore, list and run at once for ${DURATION_MS} ms: no lost update, no corrupt file, clean exits`, {
    timeout: DURATION_MS + 120_000,
  }, async () => {
    const root = tempDir("guildts-concurrency-");
    const home = generateHome({ runs: 12, seed: 51 }, root);
    const project = quickProject(path.join(root, "project"), { files: 20, sleep: 0.3 });
    const env = { GUILD_HOME: home };
    const ids = fs.readdirSync(path.join(home, "runs")).sort();
    // Labellers share a few runs so that appends contend for the same label; the deleter and
    // restorer move those same runs under them.
    const hot = ids.slice(0, 4);
    const log: Logged[] = [];
    const deadline = Date.now() + DURATION_MS;
    const worker = async (name: string, next: (n: number) => { cmd: string; args: string[]; cwd?: string }) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const { cmd, args, cwd } = next(n);
        log.push({ worker: name, args: [cmd, ...args], result: await spawnCommand(cmd, args, { env, cwd }) });
      }
    };
    await Promise.all([
      worker("label-a", (n) => ({ cmd: "guild", args: ["runs", "label", pick(hot), "--append", `a${n}`, "-y"] })),
      worker("label-b", (n) => ({ cmd: "guild", args: ["runs", "label", pick(hot), "--append", `b${n}`, "-y"] })),
      // Half the deletes aim at runs the starter just made, which may still be starting or
      // running: those must be refused, never pulled from under their process.
      worker("delete", (n) => {
        const started = n % 2 ? fs.readdirSync(path.join(home, "runs")).filter((x) => !x.startsWith(".") && !ids.includes(x)) : [];
        const running = started.filter((x) => fs.existsSync(path.join(home, "runs", x, ".guild", "LOCK")));
        const fresh = running.length ? running : started;
        return { cmd: "guild-mark-deleted", args: ["--json", fresh.length ? pick(fresh) : pick(hot)] };
      }),
      worker("restore", () => ({ cmd: "guild-restore-deleted", args: ["--json", pick(hot)] })),
      worker("list", (n) => ({ cmd: "guild-ls-runs", args: n % 2 ? ["--json", "--deleted"] : ["--json"] })),
      worker("run", () => ({ cmd: "guild", args: ["run", "quick", "-y"], cwd: project })),
    ]);

    const byWorker = (w: string) => log.filter((l) => l.worker === w);
    const tokensDone = new Map<string, string[]>();
    const tokensFailed = new Set<string>();
    for (const { worker: w, args, result: r } of log) {
      const what = `${w}: ${args.join(" ")}`;
      if (w.startsWith("label")) {
        // 0 done; 1 the run was in the trash when selected; 5 it moved away mid-way (said so).
        assertNoCrash(r, what, [0, 1, 5]);
        const token = args[args.indexOf("--append") + 1]!;
        const id = args[3]!; // guild runs label ID --append TOKEN -y
        if (r.status === 0) tokensDone.set(id, [...(tokensDone.get(id) ?? []), token]);
        else {
          tokensFailed.add(`${id} ${token}`);
          assert.match(r.stderr, /gone|no run|does not match|matches no|held by/i, `${what}: the failure says why: ${r.stderr}`);
        }
      } else if (w === "delete" || w === "restore") {
        assertNoCrash(r, what, [0, 1]);
        for (const line of r.stdout.trim().split("\n")) {
          const o = JSON.parse(line) as { outcome: string };
          assert.ok(
            ["deleted", "already-deleted", "restored", "already-restored", "not-found", "refused"].includes(o.outcome),
            `${what}: ${line}`,
          );
        }
      } else if (w === "list") {
        assertNoCrash(r, what, [0]);
        const seen = r.stdout.trim()
          ? r.stdout
              .trim()
              .split("\n")
              .map((l) => (JSON.parse(l) as { id: string }).id)
          : [];
        assert.equal(new Set(seen).size, seen.length, `${what}: a run listed twice`);
      } else {
        assertNoCrash(r, what, [0]);
      }
    }

    // No lost update: every append reported done is in the final label, wherever the run is now.
    for (const [id, tokens] of tokensDone) {
      const dir = runDir(home, id);
      assert.ok(dir, `run ${id} still exists`);
      const label = decodeAttr(fs.readFileSync(path.join(dir, ".guild", "attrs", "label"), "utf8")) as string;
      const words = new Set(label.split(" "));
      for (const t of tokens) assert.ok(words.has(t), `run ${id}: append '${t}' was reported done but is not in '${label}'`);
      for (const w of words)
        if (/^[ab]\d+$/.test(w)) assert.ok(!tokensFailed.has(`${id} ${w}`), `run ${id}: '${w}' was reported failed but is in the label`);
    }
    // Every run is whole and in one place; the store checker finds nothing at all.
    const live = fs.readdirSync(path.join(home, "runs")).filter((n) => !n.startsWith("."));
    const dead = fs.existsSync(path.join(home, "trash", "runs")) ? fs.readdirSync(path.join(home, "trash", "runs")) : [];
    assert.equal(live.filter((id) => dead.includes(id)).length, 0, "no run both live and deleted");
    const started = byWorker("run").filter((l) => l.result.status === 0).length;
    assert.equal(live.length + dead.length, ids.length + started, "no run lost or duplicated");
    // Every started run finished in place: its process recorded exit_status 0 wherever the run is now.
    let refused = 0;
    for (const l of byWorker("delete")) refused += (l.result.stdout.match(/"refused"/g) ?? []).length;
    for (const id of [...live, ...dead].filter((x) => !ids.includes(x))) {
      const dir = runDir(home, id)!;
      assert.equal(fs.readFileSync(path.join(dir, ".guild", "attrs", "exit_status"), "utf8"), "0\n", `started run ${id} finished`);
    }
    // A label whose run moved between its temporary file and the rename removes that file where
    // the run went; only a run moved twice in that instant can keep one (harmless, repairable).
    const problems = checkStore(home).problems;
    for (const p of problems) assert.ok(p.kind === "temp-file" && p.repair, `${p.kind} ${p.path}: ${p.message}`);
    checkStore(home, { repair: true });
    assert.deepEqual(checkStore(home).problems, []);

    const counts = Object.fromEntries(["label-a", "label-b", "delete", "restore", "list", "run"].map((w) => [w, byWorker(w).length]));
    const appendsDone = [...tokensDone.values()].reduce((n, t) => n + t.length, 0);
    console.log(
      `# concurrency: ${log.length} commands ${JSON.stringify(counts)}; appends done ${appendsDone}, failed cleanly ${tokensFailed.size}; runs started ${started}, deletes refused (running) ${refused}; temp files left ${problems.length}`,
    );
    assert.ok(appendsDone > 0 && counts.delete! > 0 && counts.run! > 0, "every kind of worker got work done");
  });
  test("appends to the same labels from several processes at once: none is lost", { timeout: 180_000 }, async () => {
    const home = generateHome({ runs: 150, seed: 52 });
    const env = { GUILD_HOME: home };
    const ids = fs.readdirSync(path.join(home, "runs")).sort();
    const rounds = Math.round(4 * SCALE);
    // Each command appends its token to all 150 labels in turn, so the read-modify-writes of
    // the processes interleave constantly: without the run lock, appends are lost here.
    const results = await Promise.all(
      ["p", "q", "r"].map(async (w) => {
        const done: string[] = [];
        for (let n = 0; n < rounds; n++) {
          const r = await spawnCommand("guild", ["runs", "label", ":", "--append", `${w}${n}`, "-y"], { env });
          assertNoCrash(r, `label --append ${w}${n}`, [0]);
          done.push(`${w}${n}`);
        }
        return done;
      }),
    );
    const expected = results.flat().sort();
    for (const id of ids) {
      const label = decodeAttr(fs.readFileSync(path.join(home, "runs", id, ".guild", "attrs", "label"), "utf8")) as string;
      const tokens = label
        .split(" ")
        .filter((t) => /^[pqr]\d+$/.test(t))
        .sort();
      assert.deepEqual(tokens, expected, `run ${id}: label '${label}'`);
    }
    assert.deepEqual(checkStore(home).problems, []);
  });
});
