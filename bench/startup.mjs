// Start-up: whole commands paired with a bare `node -e 0` in the same run (issue 17). Each round
// runs every command once, in turn, so the machine's load falls on all of them alike; the figures
// are medians over the rounds and their ratios to node's own median.
// Targets: `guild --version`, `guild-ls-runs --version` <= 1.3x; `guild runs` (newest 20) on 1k
// runs <= 2x, on 10k runs <= 2.5x (run index warm); `guild-rev-parse-run <full id>` on 100k runs
// <= 1.5x.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchDir, bin, ensureHome, fmtMs, log, median, repoRoot, saveResults } from "./lib.mjs";

const rounds = Number(process.env.GUILDTS_BENCH_TIMES ?? 21);
const rssPreload = path.join(benchDir, "report-rss.cjs");
const cpuFile = path.join(os.tmpdir(), `guildts-bench-cpu-${process.pid}`);
const home1k = ensureHome(1000);
const home10k = ensureHome(10000);
const home100k = ensureHome(100000);
// A full id: the newest run's (any run would do; a full id needs no listing).
const fullId = fs.readdirSync(path.join(home100k, "runs")).sort()[0];

const commands = [
  { name: "node -e 0 (node's own start-up)", argv: ["-e", "0"] },
  { name: "guild --version", argv: [bin("guild"), "--version"] },
  { name: "guild-ls-runs --version", argv: [bin("guild-ls-runs"), "--version"] },
  { name: "guild-rev-parse-run --version", argv: [bin("guild-rev-parse-run"), "--version"] },
  {
    name: "guild --version, unbundled (tsc's output, for reference)",
    argv: [path.join(repoRoot, "apps", "guild", "bin", "guild.js"), "--version"],
  },
  { name: "guild runs on 1,000 runs (newest 20)", argv: [bin("guild"), "-H", home1k, "runs"] },
  { name: "guild runs on 10,000 runs (newest 20)", argv: [bin("guild"), "-H", home10k, "runs"] },
  { name: "guild-rev-parse-run <full id> on 100,000 runs", argv: [bin("guild-rev-parse-run"), "-H", home100k, fullId] },
];

// Warm the run indexes, as any earlier listing would.
for (const home of [home1k, home10k, home100k]) spawnSync(process.execPath, [bin("guild-ls-runs"), "-H", home], { stdio: "ignore" });

const wall = commands.map(() => []);
const cpu = commands.map(() => []);
for (let i = 0; i < rounds; i++) {
  commands.forEach((c, j) => {
    fs.rmSync(cpuFile, { force: true });
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.argv, {
      cwd: os.tmpdir(),
      env: { ...process.env, GUILDTS_CPU_FILE: cpuFile, NODE_OPTIONS: `--require ${rssPreload}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    wall[j].push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr}`);
    cpu[j].push(Number(fs.readFileSync(cpuFile, "utf8")));
  });
}
const base = { wall: median(wall[0]), cpu: median(cpu[0]) };
const rows = commands.map((c, j) => {
  const w = median(wall[j]);
  const u = median(cpu[j]);
  log(`${c.name}: ${fmtMs(w)} (${(w / base.wall).toFixed(2)}x), CPU ${fmtMs(u)} (${(u / base.cpu).toFixed(2)}x)`);
  return { name: c.name, median: w, min: Math.min(...wall[j]), cpu: u, ratio: w / base.wall, cpuRatio: u / base.cpu };
});
saveResults("startup", { rounds, loadavg: os.loadavg(), rows });
