import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { listRuns } from "@guildts/runstore";
import { tempDir } from "@guildts/testkit";
import { copySourcecode, createRun, startRun, timestampUs, type RunPlan } from "../src/index.js";

function plan(home: string, cmd: string[], extra: Partial<RunPlan> = {}): RunPlan {
  return {
    home,
    opref: { type: "guildfile", pkg: "/p/guild.yml", version: "abc", model: "", op: "op" },
    opspec: "op",
    cmd,
    env: {},
    flags: { x: 1 },
    userFlags: {},
    label: null,
    runParams: {},
    opAttr: {},
    sourcecode: null,
    outputScalars: null,
    ...extra,
  };
}

test("timestamps are µs and strictly increasing", () => {
  const a = timestampUs();
  const b = timestampUs();
  assert.ok(b > a);
  assert.ok(Math.abs(a / 1000 - Date.now()) < 5000);
});

test("a run of a command: attrs in place, output and index written, exit status recorded", async () => {
  const home = tempDir();
  const p = plan(home, ["sh", "-c", "echo out; echo err >&2; printf partial; exit 7"]);
  const run = createRun(p);
  const status = await startRun(p, run, { quiet: true });
  assert.equal(status, 7);
  const g = path.join(run.dir, ".guild");
  assert.equal(fs.readFileSync(path.join(g, "opref"), "utf8"), "guildfile:/p/guild.yml abc '' op");
  assert.equal(fs.readFileSync(path.join(g, "attrs", "exit_status"), "utf8"), "7\n");
  assert.ok(!fs.existsSync(path.join(g, "LOCK")));
  assert.ok(!fs.existsSync(path.join(g, "PENDING")));
  const index = fs.readFileSync(path.join(g, "output.index"));
  assert.equal(index.length, 27, "two whole lines and a trailing partial one");
  const streams = [index[8], index[17], index[26]].sort();
  assert.deepEqual(streams, [0, 0, 1]);
  const { runs } = listRuns(home, { index: false });
  assert.deepEqual([runs[0]!.status, runs[0]!.exit_status], ["error", 7]);
  const env = fs.readFileSync(path.join(g, "attrs", "env"), "utf8");
  assert.match(env, /RUN_ID: [0-9a-f]{32}\n/);
});

test("a command that cannot start leaves the run in error, without exit_status", async () => {
  const home = tempDir();
  const p = plan(home, ["/nonexistent/cmd"]);
  const run = createRun(p);
  const status = await startRun(p, run, { quiet: true });
  assert.equal(status, 1);
  assert.ok(!fs.existsSync(path.join(run.dir, ".guild", "attrs", "exit_status")));
  assert.equal(listRuns(home, { index: false }).runs[0]!.status, "error");
});

test("source code: text files copied with a manifest and Guild's digest; dot dirs and binaries skipped", () => {
  const root = tempDir();
  fs.writeFileSync(path.join(root, "a.py"), "print(1)\n");
  fs.mkdirSync(path.join(root, "pkg"));
  fs.writeFileSync(path.join(root, "pkg", "b.txt"), "b\n");
  fs.mkdirSync(path.join(root, ".git"));
  fs.writeFileSync(path.join(root, ".git", "x"), "x");
  fs.writeFileSync(path.join(root, "bin.dat"), Buffer.from([0, 1, 2]));
  const runDir = tempDir();
  fs.mkdirSync(path.join(runDir, ".guild"));
  const r = copySourcecode(root, runDir, undefined);
  assert.deepEqual(r.files, ["a.py", "pkg/b.txt"]);
  assert.match(r.digest!, /^[0-9a-f]{32}$/);
  assert.equal(fs.readFileSync(path.join(runDir, "pkg", "b.txt"), "utf8"), "b\n");
  const manifest = fs
    .readFileSync(path.join(runDir, ".guild", "manifest"), "utf8")
    .trim()
    .split("\n");
  assert.match(manifest[0]!, /^s a\.py [0-9a-f]{40} a\.py$/);
  assert.deepEqual(copySourcecode(root, runDir, false).files, []);
});
