// The page of `guild view` in headless Debian chromium (playwright-core) on a 100k-run home
// (issue 18: first rows <= 1.0 s after the page is requested, interactive <= 2.0 s, sorting or
// filtering 100k rows <= 150 ms, 100 runs x 10k points drawn <= 300 ms), beside the CLI doing
// the same work (guild-ls-runs --json; guild-ls-runs -F).
//
//   GUILDTS_BENCH_HOMES=/tmp/view-page-homes node bench/view-page.mjs
import { spawn } from "node:child_process";
import fs from "node:fs";
import { chromium } from "playwright-core";
import { bin, ensureHome, fmtMs, log, measureNode, median, saveResults } from "./lib.mjs";

const N = Number(process.env.GUILDTS_BENCH_VIEW_RUNS ?? 100_000);
const TIMES = Number(process.env.GUILDTS_BENCH_TIMES ?? 3);
const FILTER = "status = completed";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const home = ensureHome(N, { scalars: true });

function serve() {
  const child = spawn(process.execPath, [bin("guild"), "-H", home, "view", "--no-open"], {
    cwd: home,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (b) => {
      out += b;
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve({ child, url: out.slice(0, nl), origin: new URL(out.slice(0, nl)).origin });
    });
    child.once("exit", (c) => reject(new Error(`guild view exited ${c}`)));
  });
}

log(`CLI: guild-ls-runs --json on ${N} runs, and with -F '${FILTER}'...`);
measureNode(bin("guild-ls-runs"), ["--json", "-H", home], { times: 1 }); // the run index
const cliList = measureNode(bin("guild-ls-runs"), ["--json", "--scalars", "-H", home, "-a"], { times: TIMES });
const cliFilter = measureNode(bin("guild-ls-runs"), ["--json", "--scalars", "-H", home, "-a", "-F", FILTER], { times: TIMES });
log(`CLI: list ${fmtMs(cliList.median)}, filter ${fmtMs(cliFilter.median)}`);

const server = { ...(await serve()), server: "guild view (the real server)" };
log(`server: ${server.server}`);
/** The server's memory (VmRSS, VmHWM: its peak) and CPU time so far, from /proc. */
function serverStats() {
  const status = fs.readFileSync(`/proc/${server.child.pid}/status`, "utf8");
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  const stat = fs.readFileSync(`/proc/${server.child.pid}/stat`, "utf8").split(") ")[1].split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { rss: kb("VmRSS"), hwm: kb("VmHWM"), cpuMs: (ticks * 1000) / 100 };
}
let sse = null;
let mem = null;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
const loads = [];
let sorts = [];
const filters = [];
let charts = [];
try {
  for (let i = 0; i < TIMES; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const t0 = Date.now();
    await page.goto(server.url, { waitUntil: "commit" });
    await page.waitForSelector(".tr", { timeout: 60_000 });
    const firstRows = Date.now() - t0;
    // Interactive: a click on a column header answered (the sort applied to what is loaded).
    await page.click('.th[data-col="operation"]');
    await page.waitForSelector('.th.sorted[data-col="operation"]');
    const interactive = Date.now() - t0;
    await page.waitForFunction(() => window.guildView.perf.loadedAt > 0 && !window.guildView.store.loading, null, { timeout: 120_000 });
    const all = Date.now() - t0;
    const rows = await page.evaluate(() => window.guildView.store.runs.length);
    loads.push({ firstRows, interactive, all, rows });
    log(`load ${i + 1}: first rows ${fmtMs(firstRows)}, interactive ${fmtMs(interactive)}, all ${rows} rows ${fmtMs(all)}`);
    if (i === TIMES - 1) {
      // Sorting 100k rows on a column (the keys read, the permutation sorted, the rows in view redrawn).
      sorts = await page.evaluate(() => {
        const g = window.guildView;
        // A home smaller than 100k: its records repeated (new ids) up to 100k rows, so the sort
        // is timed on 100k rows whatever the home.
        const base = g.store.runs.slice();
        for (let k = 0; g.store.runs.length < 100_000; k++) {
          const r = base[k % base.length];
          g.store.runs.push({ ...r, id: `${r.id.slice(0, 24)}${String(k).padStart(8, "0")}` });
        }
        const out = [];
        for (const [sort, desc] of [
          ["started", false],
          ["flag:lr", false],
          ["scalar:loss", true],
          ["operation", false],
          ["label", true],
          ["time", true],
        ]) {
          const t = performance.now();
          g.update({ sort, desc });
          g.table()?.render();
          out.push({ sort, ms: performance.now() - t });
        }
        return out;
      });
      log(`sorts: ${sorts.map((s) => `${s.sort} ${fmtMs(s.ms)}`).join(", ")}`);
      // Filtering: the filter box sends the CLI expression to /api/runs?filter= (the server lists).
      for (let k = 0; k < TIMES; k++) {
        const f = k % 2 ? FILTER : "status = error";
        const t = Date.now();
        await page.fill('input[name="filter"]', f);
        await page.press('input[name="filter"]', "Enter");
        await page.waitForFunction((ff) => window.guildView.store.loadedFilter === ff && !window.guildView.store.loading, f, {
          timeout: 60_000,
        });
        filters.push({ filter: f, ms: Date.now() - t, rows: await page.evaluate(() => window.guildView.store.runs.length) });
      }
      log(`filters: ${filters.map((f) => `${f.filter} ${fmtMs(f.ms)} (${f.rows} rows)`).join(", ")}`);
      // 100 runs x 10k points, through the page's own chart code (downsampling + uPlot), timed
      // from the call to the second animation frame after it.
      charts = await page.evaluate(async () => {
        const runs = [];
        for (let r = 0; r < 100; r++) {
          const x = new Float64Array(10_000);
          const y = new Float64Array(10_000);
          let v = 1;
          for (let i = 0; i < 10_000; i++) {
            x[i] = i;
            v = v * 0.9995 + (Math.sin(i * 0.37 + r) + 1) * 0.0004;
            y[i] = v + r * 0.01;
          }
          runs.push({ id: `run${r}`, label: `run ${r}`, x, y });
        }
        const host = document.createElement("div");
        document.body.append(host);
        const out = [];
        for (const smooth of [0, 0, 0.6, 0]) {
          host.replaceChildren();
          const frame = () => new Promise((res) => requestAnimationFrame(() => res()));
          const t = performance.now();
          const u = window.guildView.drawChart(host, runs, {
            title: "bench",
            width: 1200,
            height: 600,
            time: false,
            smooth,
            log: false,
            zoom: null,
            onZoom() {},
          });
          await frame();
          await frame();
          out.push({ smooth, ms: performance.now() - t });
          u.destroy();
        }
        return out;
      });
      log(`charts 100 x 10k: ${charts.map((c) => `${fmtMs(c.ms)}${c.smooth ? " (smoothed)" : ""}`).join(", ")}`);
      // The live stream's cost when nothing changes: the page open (its one /api/events), 10 s idle.
      let bytes = 0;
      const es = await page.evaluate(async () => {
        const got = [];
        const src = new EventSource("/api/events");
        src.onmessage = (e) => got.push(e.data);
        src.addEventListener("runs", (e) => got.push(e.data));
        src.addEventListener("series", (e) => got.push(e.data));
        window.__sse = got;
        await new Promise((r) => setTimeout(r, 500));
        return true;
      });
      const before = serverStats();
      const t = Date.now();
      await page.waitForTimeout(10_000);
      const after = serverStats();
      bytes = await page.evaluate(() => window.__sse.length);
      sse = {
        seconds: (Date.now() - t) / 1000,
        cpuMsPerS: (after.cpuMs - before.cpuMs) / ((Date.now() - t) / 1000),
        events: bytes,
        ok: es,
      };
      log(`idle live stream: ${sse.cpuMsPerS.toFixed(0)} ms of server CPU per second, ${sse.events} events in ${sse.seconds.toFixed(1)} s`);
    }
    await ctx.close();
  }
} finally {
  mem = serverStats();
  log(`server memory: RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB, peak ${(mem.hwm / 2 ** 20).toFixed(0)} MiB`);
  await browser.close();
  server.child.kill("SIGINT");
}

saveResults("view-page", {
  runs: N,
  server: server.server,
  times: TIMES,
  cli: { list: cliList, filter: cliFilter, filterExpr: FILTER },
  load: {
    firstRows: median(loads.map((l) => l.firstRows)),
    interactive: median(loads.map((l) => l.interactive)),
    all: median(loads.map((l) => l.all)),
    rows: loads[0]?.rows,
  },
  sorts,
  sortMedian: median(sorts.map((s) => s.ms)),
  sortMax: Math.max(...sorts.map((s) => s.ms)),
  filters,
  filterMedian: median(filters.map((f) => f.ms)),
  charts,
  chartMedian: median(charts.filter((c) => !c.smooth).map((c) => c.ms)),
  memory: mem,
  sse,
});
