// Shared helpers of the whole-process benchmarks: generated homes, timing, peak RSS, results.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.dirname(benchDir);
export const homesDir = process.env.GUILDTS_BENCH_HOMES ?? path.join(benchDir, "homes");
const rssPreload = path.join(benchDir, "report-rss.cjs");

export function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

/** A generated home of `runs` runs (seed 1), made once and reused: bench/homes/<runs>/home. */
export function ensureHome(runs, { scalars = false } = {}) {
  const dir = path.join(homesDir, `${runs}${scalars ? "-scalars" : ""}`);
  const home = path.join(dir, "home");
  const marker = path.join(dir, "COMPLETE");
  if (fs.existsSync(marker)) return home;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  log(`generating a home of ${runs} runs in ${dir} (once)...`);
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      path.join(repoRoot, "scripts", "gen-runs.mjs"),
      "--home",
      home,
      "--runs",
      String(runs),
      "--seed",
      "1",
      "--quiet",
      ...(scalars ? ["--scalars"] : []),
    ],
    { stdio: "inherit" },
  );
  if (r.status !== 0) throw new Error("gen-runs failed");
  fs.writeFileSync(marker, "");
  log(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return home;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs a node script `times` times (stdout to /dev/null), returning wall-clock ms per run and the
 * largest peak RSS (MB) the process reported through the report-rss preload.
 */
export function measureNode(script, args, { times = 5, env = {}, cwd = repoRoot, before } = {}) {
  const wall = [];
  let rss = 0;
  const rssFile = path.join(os.tmpdir(), `guildts-bench-rss-${process.pid}`);
  for (let i = 0; i < times; i++) {
    if (before) before(i);
    fs.rmSync(rssFile, { force: true });
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [script, ...args], {
      cwd,
      env: { ...process.env, ...env, GUILDTS_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${rssPreload}` },
      stdio: ["ignore", "ignore", "pipe"],
      maxBuffer: 1 << 26,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${script} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
    wall.push(ms);
    if (fs.existsSync(rssFile)) rss = Math.max(rss, Number(fs.readFileSync(rssFile, "utf8")) / 1024);
  }
  return { median: median(wall), min: Math.min(...wall), max: Math.max(...wall), runs: wall.length, rssMB: rss };
}

/** A bundled command (scripts/bundle.mjs), as the package installs it. */
export function bin(name) {
  return path.join(repoRoot, "dist", "bin", `${name}.js`);
}

export function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    cpu: `${cpus.length} × ${cpus[0]?.model ?? "?"}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

/** Saves one suite's results as bench/results/<name>.json (RESULTS.md is built from them). */
export function saveResults(name, data) {
  const dir = path.join(benchDir, "results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ machine: machine(), ...data }, null, 2) + "\n");
}

export const fmtMs = (ms) =>
  ms >= 1000
    ? `${(ms / 1000).toFixed(2)} s`
    : ms >= 1
      ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms`
      : `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
