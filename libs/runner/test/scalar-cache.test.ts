import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempDir } from "@guildts/testkit";
import { EventFileWriter } from "../src/index.js";

/** The scalar cache must see event files that change behind it (appended, added anywhere). */
test("the scalar cache stays correct when a run's event files change", async () => {
  process.env.GUILDTS_INDEX_RACY_MS = "0"; // let the cache keep files written a moment ago
  const { ScalarCache } = await import("@guildts/runstore");
  const home = tempDir();
  const run = path.join(home, "runs", "r1");
  fs.mkdirSync(path.join(run, ".guild", "attrs"), { recursive: true });
  fs.mkdirSync(path.join(run, "logs", "train"), { recursive: true });
  let w = new EventFileWriter(path.join(run, ".guild"), { now: () => 1, host: "h", pid: 1 });
  w.addScalar("loss", 0.5, 1);
  w.flush();
  const pause = () => new Promise((r) => setTimeout(r, 20));
  await pause(); // a file written in the same millisecond as the listing is never cached
  const last = (c: InstanceType<typeof ScalarCache>) =>
    Object.fromEntries(c.get("r1", run).map((s) => [s.prefix ? `${s.prefix}#${s.tag}` : s.tag, [s.last, s.lastStep]]));
  let c = new ScalarCache(home);
  assert.deepEqual(last(c), { loss: [0.5, 1] });
  c.save();
  assert.ok(fs.existsSync(path.join(home, "cache", "guildts", "scalars.json")));
  await new Promise((r) => setTimeout(r, 20));
  // Appended behind the cache.
  w.addScalar("loss", 0.25, 2);
  w.close();
  await pause();
  c = new ScalarCache(home);
  assert.deepEqual(last(c), { loss: [0.25, 2] });
  c.save();
  await new Promise((r) => setTimeout(r, 20));
  // A new event file in a subdirectory that had none (its mtime changes).
  w = new EventFileWriter(path.join(run, "logs", "train"), { now: () => 2, host: "h", pid: 2 });
  w.addScalar("acc", 0.75, 3);
  w.close();
  await pause();
  c = new ScalarCache(home);
  assert.deepEqual(last(c), { loss: [0.25, 2], "logs/train#acc": [0.75, 3] });
  c.save();
  await new Promise((r) => setTimeout(r, 20));
  // A new directory holding an event file, deep under an existing one.
  fs.mkdirSync(path.join(run, "logs", "eval", "x"), { recursive: true });
  w = new EventFileWriter(path.join(run, "logs", "eval", "x"), { now: () => 3, host: "h", pid: 3 });
  w.addScalar("f1", 0.5, 1);
  w.close();
  await pause();
  c = new ScalarCache(home);
  assert.equal(last(c)["logs/eval/x#f1"]![0], 0.5);
  // An unchanged run is served from the cache (its stored entry), with the same answer.
  c.save();
  // One header line, then one line per run: its directory (JSON), a tab, its entry (JSON).
  const lines = fs
    .readFileSync(path.join(home, "cache", "guildts", "scalars.json"), "utf8")
    .trimEnd()
    .split("\n");
  assert.equal(lines[0], '{"v":4}');
  const stored = new Map(
    lines
      .slice(1)
      .map((l) => [JSON.parse(l.slice(0, l.indexOf("\t"))) as string, JSON.parse(l.slice(l.indexOf("\t") + 1)) as { f: string[] }]),
  );
  assert.equal(stored.get(run)!.f.length, 3);
  assert.deepEqual(last(new ScalarCache(home)), last(c));
});

test("the scalar cache parses only the runs asked for, keeps the others on save, and survives damaged lines", async () => {
  process.env.GUILDTS_INDEX_RACY_MS = "0";
  const { ScalarCache } = await import("@guildts/runstore");
  const home = tempDir();
  const runs = ["a", "b", "c"].map((id) => {
    const run = path.join(home, "runs", id);
    fs.mkdirSync(path.join(run, ".guild"), { recursive: true });
    const w = new EventFileWriter(path.join(run, ".guild"), { now: () => 1, host: "h", pid: 1 });
    w.addScalar("acc", id === "a" ? 0.1 : id === "b" ? 0.2 : 0.3, 1);
    w.close();
    return run;
  });
  await new Promise((r) => setTimeout(r, 20));
  const acc = (c: InstanceType<typeof ScalarCache>, run: string) => c.get("x", run)[0]!.last;
  let c = new ScalarCache(home);
  for (const run of runs) acc(c, run);
  c.save();
  const file = path.join(home, "cache", "guildts", "scalars.json");
  assert.equal(fs.readFileSync(file, "utf8").trimEnd().split("\n").length, 4);
  // A process that reads one run and changes it writes the other two back untouched.
  fs.rmSync(path.join(runs[1]!, ".guild"), { recursive: true });
  c = new ScalarCache(home);
  assert.deepEqual(c.get("x", runs[1]!), []);
  c.save();
  const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
  assert.equal(lines.length, 4);
  // A damaged line: that run is read again, the others still come from the cache.
  fs.writeFileSync(file, lines.map((l) => (l.includes(`"${runs[0]}"`) ? `${l.slice(0, 40)}` : l)).join("\n") + "\n");
  c = new ScalarCache(home);
  assert.ok(Math.abs(acc(c, runs[0]!) - 0.1) < 1e-6);
  assert.ok(Math.abs(acc(c, runs[2]!) - 0.3) < 1e-6);
  fs.writeFileSync(file, '{"v": 2, "entries": {}}');
  assert.ok(Math.abs(acc(new ScalarCache(home), runs[2]!) - 0.3) < 1e-6); // an older format: rebuilt
});

test("the scalar cache drops the entries of runs that no longer exist", async () => {
  process.env.GUILDTS_INDEX_RACY_MS = "0";
  const { ScalarCache } = await import("@guildts/runstore");
  const home = tempDir();
  const runs = ["r1", "r2", "r3"].map((id) => {
    const run = path.join(home, "runs", id);
    fs.mkdirSync(path.join(run, ".guild", "attrs"), { recursive: true });
    const w = new EventFileWriter(path.join(run, ".guild"), { now: () => 1, host: "h", pid: 1 });
    w.addScalar("loss", 0.5, 1);
    w.close();
    return run;
  });
  await new Promise((r) => setTimeout(r, 20));
  const cacheFile = path.join(home, "cache", "guildts", "scalars.json");
  // One line per run after the header: its key (the run directory, as JSON), a tab, the entry.
  const keys = () =>
    fs
      .readFileSync(cacheFile, "utf8")
      .trimEnd()
      .split("\n")
      .slice(1)
      .map((l) => JSON.parse(l.slice(0, l.indexOf("\t"))) as string)
      .sort();
  let c = new ScalarCache(home);
  for (const [i, run] of runs.entries()) c.get(`r${i + 1}`, run);
  c.save();
  assert.deepEqual(keys(), [...runs].sort());
  // r1 purged, r2 moved to the trash; r3 changes, so the next save writes the file again.
  fs.rmSync(runs[0]!, { recursive: true });
  const trashed = path.join(home, "trash", "runs", "r2");
  fs.mkdirSync(path.dirname(trashed), { recursive: true });
  fs.renameSync(runs[1]!, trashed);
  const w = new EventFileWriter(path.join(runs[2]!, ".guild"), { now: () => 2, host: "h", pid: 2 });
  w.addScalar("acc", 1, 1);
  w.close();
  await new Promise((r) => setTimeout(r, 20));
  c = new ScalarCache(home);
  c.get("r3", runs[2]!);
  c.save();
  assert.deepEqual(keys(), [runs[2]]);
});
