// Whole-process benchmark of the porcelain on a generated 100k-run home (run index warm).
// Targets: `guild runs` (newest 20) median <= 1.0 s (Guild 0.9.1: ~43 s);
// `guild runs info <8-char prefix>` <= 0.3 s (Guild: ~45 s).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { bin, ensureHome, fmtMs, log, measureNode, saveResults } from "./lib.mjs";

const n = Number(process.env.GUILDTS_BENCH_PORCELAIN_RUNS ?? 100000);
const times = Number(process.env.GUILDTS_BENCH_TIMES ?? 7);
const home = ensureHome(n);
const ids = fs.readdirSync(path.join(home, "runs")).sort();
const target = ids[Math.floor(ids.length / 3)];
const guild = bin("guild");
measureNode(bin("guild-ls-runs"), ["-H", home], { times: 1 }); // warm the indexes, as earlier commands would
measureNode(guild, ["-H", home, "runs"], { times: 1 });
const rows = [];
const add = (name, args) => {
  const m = measureNode(guild, args, { times });
  rows.push({ name, command: `guild ${args.join(" ").replace(home, "$HOME100K")}`, ...m });
  log(`${name}: median ${fmtMs(m.median)}`);
};
add("guild runs (newest 20)", ["-H", home, "runs"]);
add("guild runs -E (newest 20 failed: a filter needs every run checked)", ["-H", home, "runs", "-E"]);
add("guild runs info <8-char prefix>", ["-H", home, "runs", "info", target.slice(0, 8)]);
add("guild runs info (latest)", ["-H", home, "runs", "info"]);

// Deleting the failed runs (-E: about 15% of the generated runs), restored after each measure.
const failed = Number(
  spawnSync(process.execPath, [bin("guild-ls-runs"), "-H", home, "-E", "-z"])
    .stdout.toString()
    .split("\0").length - 1,
);
const restore = () => spawnSync(process.execPath, [guild, "-H", home, "runs", "restore", "-y"], { stdio: "ignore" });
const rm = measureNode(guild, ["-H", home, "runs", "rm", "-E", "-y"], { times: Math.min(times, 5), before: restore });
restore();
rows.push({ name: `guild runs rm -E -y (${failed.toLocaleString("en")} runs to the trash)`, command: "guild runs rm -E -y", ...rm });
log(`guild runs rm -E -y: median ${fmtMs(rm.median)}`);
saveResults("porcelain", { runs: n, times, rows });
