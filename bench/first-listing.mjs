// The first listing of a big home (issue 17, item 4): `guild-ls-runs --json` with no run index
// (it builds the index) beside the naive read of the four files per run a listing needs
// (bench/naive-list.mjs), round by round in one run (target: ≤ 1.5× the naive read, peak RSS
// ≤ 150 MB); then `guild runs rm -E -y` right after a restore (the moved runs keep their index
// entries, so it should not re-read them), beside the same naive read.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { bin, ensureHome, fmtMs, log, measureNode, median, saveResults } from "./lib.mjs";

const n = Number(process.env.GUILDTS_BENCH_FIRST_RUNS ?? 100000);
const rounds = Number(process.env.GUILDTS_BENCH_TIMES ?? 3);
const home = ensureHome(n);
const indexDir = path.join(home, "cache", "guildts");
const naiveScript = path.join(import.meta.dirname, "naive-list.mjs");
const ls = bin("guild-ls-runs");
const guild = bin("guild");
const naive = [];
const first = [];
const rm = [];
let firstRss = 0;
let rmRss = 0;
const restore = () => spawnSync(process.execPath, [guild, "-H", home, "runs", "restore", "-y"], { stdio: "ignore" });
restore();
for (let i = 0; i < rounds; i++) {
  log(`round ${i + 1}/${rounds}: naive read, first listing, rm -E -y after a restore`);
  naive.push(measureNode(naiveScript, [home], { times: 1 }).median);
  const f = measureNode(ls, ["--json", "-H", home], { times: 1, before: () => fs.rmSync(indexDir, { recursive: true, force: true }) });
  first.push(f.median);
  firstRss = Math.max(firstRss, f.rssMB);
  const r = measureNode(guild, ["-H", home, "runs", "rm", "-E", "-y"], { times: 1, before: restore });
  rm.push(r.median);
  rmRss = Math.max(rmRss, r.rssMB);
}
restore();
const result = {
  runs: n,
  rounds,
  naive: median(naive),
  first: median(first),
  firstRss,
  rm: median(rm),
  rmRss,
};
log(
  `${n} runs: naive ${fmtMs(result.naive)}, first listing ${fmtMs(result.first)} (${(result.first / result.naive).toFixed(2)}×, ${firstRss.toFixed(0)} MB), rm after restore ${fmtMs(result.rm)} (${(result.rm / result.naive).toFixed(2)}×)`,
);
saveResults("first-listing", result);
