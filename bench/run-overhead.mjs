// The overhead of `guild run` around a no-op operation (exec: /bin/true): the whole command,
// start to exit, against spawning /bin/true alone. Target: median <= 150 ms (Guild 0.9.1: ~0.4 s).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bin, fmtMs, log, measureNode, saveResults } from "./lib.mjs";

const times = Number(process.env.GUILDTS_BENCH_TIMES ?? 9);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guildts-bench-run-"));
const project = path.join(dir, "project");
fs.mkdirSync(project);
fs.writeFileSync(path.join(project, "guild.yml"), "noop:\n  exec: /bin/true\n");
const home = path.join(dir, "home");
const run = measureNode(bin("guild"), ["run", "noop", "-y"], { times, cwd: project, env: { GUILD_HOME: home } });
const noop = measureNode(path.join(import.meta.dirname, "noop.mjs"), [], { times });
log(`guild run noop: median ${fmtMs(run.median)} (node start-up ${fmtMs(noop.median)})`);
saveResults("run-overhead", {
  times,
  rows: [
    { name: "guild run <exec: /bin/true> -y", ...run },
    { name: "node start-up (node -e 0), for reference", ...noop },
  ],
});
fs.rmSync(dir, { recursive: true, force: true });
