// Batch runs (issue 14): the batch's own overhead per trial of a 100-trial grid of an
// `exec: /bin/true` operation, against one `guild run` of it (target: per trial <= 1.2x a single
// run); and 20 trials that each sleep 0.5 s with --jobs 2 against --jobs 1 (target: <= 0.6x).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bin, fmtMs, log, measureNode, saveResults } from "./lib.mjs";

const times = Number(process.env.GUILDTS_BENCH_TIMES ?? 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guildts-bench-batch-"));
const project = path.join(dir, "project");
fs.mkdirSync(project);
fs.writeFileSync(
  path.join(project, "guild.yml"),
  "noop:\n  exec: /bin/true\n  flags:\n    x: 0\nnap:\n  exec: sleep 0.5\n  flags:\n    i: 0\n",
);
let n = 0;
const home = () => path.join(dir, `home-${n++}`);
const opts = (t) => ({ times: t, cwd: project, env: { GUILD_HOME: home() } });

const single = measureNode(bin("guild"), ["run", "noop", "-y"], opts(times * 3));
const grid = measureNode(bin("guild"), ["run", "noop", "x=range[1:100]", "-y", "-q"], opts(times));
const perTrial = grid.median / 100;
log(`single run ${fmtMs(single.median)}; grid of 100: ${fmtMs(grid.median)} (${fmtMs(perTrial)} per trial)`);
const jobs1 = measureNode(bin("guild"), ["run", "nap", "i=range[1:20]", "-y", "-q"], opts(1));
const jobs2 = measureNode(bin("guild"), ["run", "nap", "i=range[1:20]", "-y", "-q", "--jobs", "2"], opts(1));
log(`20 x sleep 0.5: --jobs 1 ${fmtMs(jobs1.median)}, --jobs 2 ${fmtMs(jobs2.median)} (${(jobs2.median / jobs1.median).toFixed(2)}x)`);
saveResults("batch", {
  times,
  load: os.loadavg()[0].toFixed(1),
  single,
  grid,
  perTrial,
  jobs1,
  jobs2,
});
fs.rmSync(dir, { recursive: true, force: true });
