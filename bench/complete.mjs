// Whole-process benchmark of completion (`guild __complete`, what each Tab runs) on a generated
// home: run ids of a command's listing, an id prefix, and the commands (no store read).
import path from "node:path";
import { bin, ensureHome, fmtMs, log, measureNode, saveResults } from "./lib.mjs";

const n = Number(process.env.GUILDTS_BENCH_COMPLETE_RUNS ?? 100000);
const times = Number(process.env.GUILDTS_BENCH_TIMES ?? 7);
const home = ensureHome(n);
const guild = bin("guild");
const ls = bin("guild-ls-runs");
measureNode(ls, ["--json", "-H", home], { times: 1 }); // warm the run index, as a user's second command would
const rows = [];
const add = (name, args) => {
  const m = measureNode(guild, args, { times, env: { GUILD_HOME: home } });
  rows.push({ name, command: `guild ${args.map((a) => (a.includes(" ") ? `"${a}"` : a)).join(" ")}`, ...m });
  log(`${name}: median ${fmtMs(m.median)}`);
};
const noop = measureNode(path.join(import.meta.dirname, "noop.mjs"), [], { times });
rows.push({ name: "node start-up (node -e 0), for reference", command: "node -e 0", ...noop });
add("Tab after `guild `: the commands", ["__complete", "bash", "guild "]);
add("Tab after `guild runs info `: the newest 100 ids", ["__complete", "bash", "guild runs info "]);
add("Tab after `guild runs info 4`: ids starting with 4, and indexes", ["__complete", "bash", "guild runs info 4"]);
add("Tab after `guild runs info -E `: a filter typed", ["__complete", "bash", "guild runs info -E "]);
add("guild runs -n 20, for comparison (the same listing, printed)", ["runs", "-n", "20"]);
saveResults("complete", { runs: n, times, rows });
