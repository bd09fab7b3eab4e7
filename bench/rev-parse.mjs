// Whole-process benchmark of `guild-rev-parse-run` on a generated 100k-run home.
// Targets: a full id, median <= 150 ms; `1` no slower than `guild-ls-runs` on the same home.
import fs from "node:fs";
import path from "node:path";
import { bin, ensureHome, fmtMs, log, measureNode, saveResults } from "./lib.mjs";

const n = Number(process.env.GUILDTS_BENCH_REVPARSE_RUNS ?? 100000);
const times = Number(process.env.GUILDTS_BENCH_TIMES ?? 7);
const home = ensureHome(n);
const ids = fs.readdirSync(path.join(home, "runs")).sort();
const fullId = ids[Math.floor(ids.length / 2)];
const rp = bin("guild-rev-parse-run");
const ls = bin("guild-ls-runs");
measureNode(ls, ["--json", "-H", home], { times: 1 }); // warm the run index, as a user's second command would
const rows = [];
const add = (name, script, args) => {
  const m = measureNode(script, args, { times });
  rows.push({ name, command: `${path.basename(script, ".js")} ${args.join(" ").replace(home, "$HOME100K")}`, ...m });
  log(`${name}: median ${fmtMs(m.median)}`);
};
add("node start-up (node -e 0), for reference", path.join(import.meta.dirname, "noop.mjs"), []);
add("rev-parse full id", rp, ["-H", home, fullId]);
add("rev-parse 8-char prefix", rp, ["-H", home, fullId.slice(0, 8)]);
add("rev-parse 1", rp, ["-H", home, "1"]);
add("rev-parse 1:20", rp, ["-H", home, "1:20"]);
add("ls-runs (plain)", ls, ["-H", home]);
add("ls-runs --json", ls, ["-H", home, "--json"]);
saveResults("rev-parse", { runs: n, times, rows });
