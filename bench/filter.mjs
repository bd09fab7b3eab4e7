// Whole-process benchmark of filter expressions (issue 15): `guild runs -F 'lr > 0.01 and acc > 0.5'`
// over a 100k-run home whose runs logged scalars, against the same listing without -F, indexes
// and the scalar cache warm. Target: ≤ 1.5× (Guild 0.9.1 re-reads every run for it).
import { bin, ensureHome, fmtMs, log, measureNode, saveResults } from "./lib.mjs";

const n = Number(process.env.GUILDTS_BENCH_FILTER_RUNS ?? 100000);
const times = Number(process.env.GUILDTS_BENCH_TIMES ?? 5);
const home = ensureHome(n, { scalars: true });
const guild = bin("guild");
const lsRuns = bin("guild-ls-runs");
const expr = "lr > 0.01 and acc > 0.5";
// Warm the run index, the order index and the scalar cache.
measureNode(guild, ["-H", home, "runs"], { times: 1 });
measureNode(guild, ["-H", home, "runs", "-F", expr], { times: 1 });
const cases = [
  ["guild runs (newest 20, no -F)", guild, ["-H", home, "runs"]],
  [`guild runs -F '${expr}'`, guild, ["-H", home, "runs", "-F", expr]],
  ["guild runs -E (a filter without scalars, for reference)", guild, ["-H", home, "runs", "-E"]],
  ["guild-ls-runs --json (every run, no -F)", lsRuns, ["-H", home, "--json"]],
  [`guild-ls-runs -F '${expr}' --json`, lsRuns, ["-H", home, "-F", expr, "--json"]],
];
const rows = [];
for (const [name, script, args] of cases) {
  const m = measureNode(script, args, { times });
  log(`${name}: median ${fmtMs(m.median)} (RSS ${m.rssMB.toFixed(0)} MB)`);
  rows.push({ name, ...m });
}
const ratio = rows[1].median / rows[0].median;
const ratioLs = rows[4].median / rows[3].median;
log(`-F vs without: ${ratio.toFixed(2)}× (porcelain), ${ratioLs.toFixed(2)}× (plumbing)`);
saveResults("filter", { runs: n, times, expr, ratio, ratioLs, rows });
