// Preloaded into benchmarked node processes (NODE_OPTIONS=--require): writes the process's peak
// RSS (KiB) to $GUILDTS_RSS_FILE at exit, and its CPU time (user + system, ms) to
// $GUILDTS_CPU_FILE.
const fs = require("node:fs");
const file = process.env.GUILDTS_RSS_FILE;
if (file) {
  process.on("exit", () => {
    try {
      fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {}
  });
}
const cpuFile = process.env.GUILDTS_CPU_FILE;
if (cpuFile) {
  process.on("exit", () => {
    try {
      const u = process.cpuUsage();
      fs.writeFileSync(cpuFile, String((u.user + u.system) / 1000));
    } catch {}
  });
}
