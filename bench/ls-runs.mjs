// Whole-process benchmark of `guild-ls-runs --json` on generated homes, beside the naive
// baseline, measured in the same run (issue: target at 100k runs median <= 2.5 s, RSS <= 300 MB).
import fs from "node:fs";
import path from "node:path";
import { bin, ensureHome, fmtMs, log, measureNode, saveResults } from "./lib.mjs";

const sizes = (process.env.GUILDTS_BENCH_SIZES ?? "10000,100000").split(",").map(Number);
const times = Number(process.env.GUILDTS_BENCH_TIMES ?? 5);
const rows = [];
for (const n of sizes) {
  const home = ensureHome(n);
  const indexDir = path.join(home, "cache", "guildts");
  const ls = bin("guild-ls-runs");
  log(`${n} runs: naive baseline...`);
  const baseline = measureNode(path.join(import.meta.dirname, "naive-list.mjs"), [home], { times });
  log(`${n} runs: guild-ls-runs --json without its index (cold: every run read)...`);
  const cold = measureNode(ls, ["--json", "-H", home], {
    times: Math.max(3, Math.ceil(times / 2)),
    before: () => fs.rmSync(indexDir, { recursive: true, force: true }),
  });
  log(`${n} runs: guild-ls-runs --json with its index (warm)...`);
  measureNode(ls, ["--json", "-H", home], { times: 1 }); // writes the index
  const warm = measureNode(ls, ["--json", "-H", home], { times });
  const row = { runs: n, baseline, cold, warm, ratioWarm: baseline.median / warm.median, ratioCold: baseline.median / cold.median };
  rows.push(row);
  log(
    `${n} runs: baseline ${fmtMs(baseline.median)}, cold ${fmtMs(cold.median)} (${cold.rssMB.toFixed(0)} MB), warm ${fmtMs(warm.median)} (${warm.rssMB.toFixed(0)} MB)`,
  );
}
saveResults("ls-runs", { times, rows });
