// Whole-process benchmark of `guild compare --csv -` over a generated 10k-run home whose runs
// logged scalars (event files as Guild writes them). Target: median <= 2 s (Guild 0.9.1: ~17 s).
import { bin, ensureHome, fmtMs, log, measureNode, saveResults } from "./lib.mjs";

const n = Number(process.env.GUILDTS_BENCH_COMPARE_RUNS ?? 10000);
const times = Number(process.env.GUILDTS_BENCH_TIMES ?? 5);
const home = ensureHome(n, { scalars: true });
const guild = bin("guild");
measureNode(guild, ["-H", home, "runs"], { times: 1 }); // warm the run indexes
const csv = measureNode(guild, ["-H", home, "compare", "--csv", "-"], { times });
log(`compare --csv over ${n} runs: median ${fmtMs(csv.median)}`);
const table = measureNode(guild, ["-H", home, "compare", "--table", "--top", "20", "--max", "acc"], { times });
saveResults("compare", { runs: n, times, rows: [{ name: "guild compare --csv -", ...csv }, { name: "guild compare --table --max acc --top 20", ...table }] });
