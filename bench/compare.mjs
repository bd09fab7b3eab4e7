// Whole-process benchmark of `guild compare --csv -` over a generated 10k-run home whose runs
// logged scalars (event files as Guild writes them). Target: median <= 2 s (Guild 0.9.1: ~17 s).
import { spawnSync } from "node:child_process";
import { bin, ensureHome, fmtMs, log, measureNode, median, saveResults } from "./lib.mjs";

const n = Number(process.env.GUILDTS_BENCH_COMPARE_RUNS ?? 10000);
const times = Number(process.env.GUILDTS_BENCH_TIMES ?? 5);
const home = ensureHome(n, { scalars: true });
const guild = bin("guild");
measureNode(guild, ["-H", home, "runs"], { times: 1 }); // warm the run indexes
const csv = measureNode(guild, ["-H", home, "compare", "--csv", "-"], { times });
log(`compare --csv over ${n} runs: median ${fmtMs(csv.median)}`);
const table = measureNode(guild, ["-H", home, "compare", "--table", "--top", "20", "--max", "acc"], { times });
// The interactive view's first screen, in a real terminal (tmux): time from start to the title.
const firstScreen = [];
if (spawnSync("sh", ["-c", "command -v tmux"]).status === 0) {
  for (let i = 0; i < times; i++) {
    const sock = `guildts-bench-${process.pid}`;
    const t0 = Date.now();
    spawnSync("tmux", [
      "-L",
      sock,
      "new-session",
      "-d",
      "-s",
      "b",
      "-x",
      "160",
      "-y",
      "40",
      `${process.execPath} ${guild} -H ${home} compare`,
    ]);
    let ms = null;
    while (Date.now() - t0 < 20000) {
      const screen = spawnSync("tmux", ["-L", sock, "capture-pane", "-p", "-t", "b"], { encoding: "utf8" }).stdout;
      if (/Guild run comparison\s+\d+\/\d+ runs/.test(screen)) {
        ms = Date.now() - t0;
        break;
      }
      spawnSync("sleep", ["0.01"]);
    }
    spawnSync("tmux", ["-L", sock, "kill-server"]);
    if (ms !== null) firstScreen.push(ms);
  }
  log(`interactive first screen: median ${fmtMs(median(firstScreen))}`);
}
const rows = [
  { name: "guild compare --csv -", ...csv },
  { name: "guild compare --table --max acc --top 20", ...table },
];
if (firstScreen.length)
  rows.push({
    name: "guild compare (interactive): first screen in tmux",
    median: median(firstScreen),
    min: Math.min(...firstScreen),
    max: Math.max(...firstScreen),
    runs: firstScreen.length,
    rssMB: 0,
  });
saveResults("compare", { runs: n, times, rows });
