// Preloaded into benchmarked node processes (NODE_OPTIONS=--require): writes the process's peak
// RSS (KiB) to $GUILDTS_RSS_FILE at exit.
const fs = require("node:fs");
const file = process.env.GUILDTS_RSS_FILE;
if (file) {
  process.on("exit", () => {
    try {
      fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {}
  });
}
