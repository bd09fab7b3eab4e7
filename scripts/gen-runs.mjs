#!/usr/bin/env node
// Generates a deterministic synthetic GUILD_HOME in Guild 0.9's on-disk format, for tests and
// benchmarks. Same arguments, same home, byte for byte (except the directory path).
//
//   node scripts/gen-runs.mjs --home DIR [--runs N] [--deleted N] [--seed S]
//        [--running-pid PID] [--project DIR] [--scalars] [--quiet]
//
// --scalars: runs that ran log `loss` and `acc` for a few steps in a TensorBoard event file,
// written as Guild writes them.
//
// Runs are spread over two projects (a model-form `mnist` and an operation-only `iris` guild
// file under --project), a script and a package; statuses mix completed, error, terminated,
// staged and pending. "running" runs exist only when --running-pid is given: they get a LOCK
// holding that pid (pass a live process, or a dead pid to get runs that crashed).
import fs from "node:fs";
import path from "node:path";
import { argv } from "zx";
import { encodeAttr, formatOpRef, GuildFloat } from "@guildts/runstore";
import { EventFileWriter } from "@guildts/runner";

const home = argv.home;
if (!home || argv.help) {
  process.stderr.write("usage: gen-runs --home DIR [--runs N] [--deleted N] [--seed S] [--running-pid PID] [--project DIR] [--quiet]\n");
  process.exit(argv.help ? 0 : 2);
}
const count = Number(argv.runs ?? 100);
const deletedCount = Number(argv.deleted ?? 0);
const runningPid = argv["running-pid"] === undefined ? null : Number(argv["running-pid"]);
const project = path.resolve(argv.project ?? path.join(path.dirname(path.resolve(home)), "projects"));
for (const [name, v] of [
  ["--runs", count],
  ["--deleted", deletedCount],
]) {
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`gen-runs: ${name} needs a whole number, got '${v}'\n`);
    process.exit(2);
  }
}

// mulberry32: small, fast, deterministic.
let seed = Number(argv.seed ?? 1) >>> 0;
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");

const OPS = [
  {
    opref: {
      type: "guildfile",
      pkg: `${project}/mnist/guild.yml`,
      version: "7d11b1c1c0c60d8ddf75cc4fb676237c",
      model: "mnist",
      op: "train",
    },
    weight: 5,
    flags: "train",
  },
  {
    opref: {
      type: "guildfile",
      pkg: `${project}/mnist/guild.yml`,
      version: "7d11b1c1c0c60d8ddf75cc4fb676237c",
      model: "mnist",
      op: "test",
    },
    weight: 2,
    flags: "none",
  },
  {
    opref: {
      type: "guildfile",
      pkg: `${project}/mnist/guild.yml`,
      version: "7d11b1c1c0c60d8ddf75cc4fb676237c",
      model: "mnist",
      op: "prepare",
    },
    weight: 1,
    flags: "none",
  },
  {
    opref: { type: "guildfile", pkg: `${project}/iris/guild.yml`, version: "30a2c59e0d2684dd0d04affa68857791", model: "", op: "train" },
    weight: 3,
    flags: "iris",
  },
  {
    opref: { type: "guildfile", pkg: `${project}/iris/guild.yml`, version: "30a2c59e0d2684dd0d04affa68857791", model: "", op: "finetune" },
    weight: 2,
    flags: "iris",
  },
  { opref: { type: "script", pkg: `${project}/scripts`, version: "", model: "", op: "sweep.py" }, weight: 1, flags: "iris" },
  { opref: { type: "package", pkg: "gpkg.mnist", version: "0.6.1", model: "logreg", op: "train" }, weight: 1, flags: "train" },
];
const WEIGHTED = OPS.flatMap((o) => Array(o.weight).fill(o));

function flagsFor(kind) {
  if (kind === "train") {
    return {
      batch: pick([32, 64, 128]),
      epochs: pick([3, 5, 10, 50]),
      fail: rand() < 0.1,
      lr: pick([0.1, 0.01, 0.001, new GuildFloat(1)]),
      optimizer: pick(["sgd", "adam", "rmsprop"]),
      sleep: new GuildFloat(pick([0, 1])),
    };
  }
  if (kind === "iris") return { c: pick([0.5, new GuildFloat(1), 2.5]), kernel: pick(["linear", "rbf", "poly"]) };
  return {};
}

function flagLabel(flags) {
  return Object.keys(flags)
    .sort()
    .map((k) => {
      const v = flags[k];
      const s = typeof v === "boolean" ? (v ? "yes" : "no") : v instanceof GuildFloat ? encodeAttr(v).trim() : String(v);
      return `${k}=${s}`;
    })
    .join(" ");
}

const BASE_US = 1767225600000000; // 2026-01-01T00:00:00Z
function writeRun(root, i) {
  const id = hex(32);
  const dir = path.join(root, id);
  const g = path.join(dir, ".guild");
  const attrs = path.join(g, "attrs");
  fs.mkdirSync(attrs, { recursive: true });
  const op = pick(WEIGHTED);
  const flags = flagsFor(op.flags);
  const initialized = BASE_US + i * 37_000_000 + Math.floor(rand() * 1_000_000);
  const r = rand();
  let status = r < 0.6 ? "completed" : r < 0.75 ? "error" : r < 0.85 ? "terminated" : r < 0.9 ? "staged" : r < 0.95 ? "pending" : "running";
  if (status === "running" && runningPid === null) status = "completed";
  const put = (name, value) => fs.writeFileSync(path.join(attrs, name), encodeAttr(value));
  put("id", id);
  put("initialized", initialized);
  fs.writeFileSync(path.join(g, "opref"), formatOpRef(op.opref));
  put("cmd", ["/usr/bin/python3", "-um", "guild.op_main", op.opref.op, "--"]);
  const lr = rand();
  if (lr < 0.1) put("label", pick(["baseline", "first try", "candidate", "best so far"]));
  else if (lr < 0.8 && Object.keys(flags).length) put("label", flagLabel(flags));
  if (rand() < 0.1) put("tags", [pick(["candidate", "green", "red"])]);
  if (rand() < 0.05) put("marked", true);
  put("flags", flags);
  put("host", "bench-host");
  put("user", "bench");
  if (status === "pending") {
    fs.writeFileSync(path.join(g, "PENDING"), "");
    return id;
  }
  const started = initialized + 400_000;
  put("started", started);
  if (status === "staged") {
    fs.writeFileSync(path.join(g, "STAGED"), "");
    return id;
  }
  if (status === "running") {
    fs.writeFileSync(path.join(g, "LOCK"), String(runningPid));
    return id;
  }
  if (argv.scalars) {
    const w = new EventFileWriter(g, { now: () => started / 1e6, host: "bench-host", pid: 1 });
    let loss = 1;
    for (let step = 1; step <= 1 + Math.floor(rand() * 5); step++) {
      loss = Math.round(loss * (0.5 + rand() * 0.4) * 1e4) / 1e4;
      w.addScalar("loss", loss, step, started / 1e6 + step);
      w.addScalar("acc", 1 - loss / 2, step, started / 1e6 + step);
    }
    w.close();
  }
  const exit = { completed: 0, error: pick([1, 2, 3]), terminated: pick([-15, -2]) }[status];
  put("exit_status", exit);
  put("stopped", started + Math.floor(rand() * 60_000_000));
  return id;
}

function generate(root, n, offset, label) {
  fs.mkdirSync(root, { recursive: true });
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    writeRun(root, offset + i);
    if (!argv.quiet && process.stderr.isTTY && i % 1000 === 999) {
      process.stderr.write(`\rgen-runs: ${label} ${i + 1}/${n}`);
    }
  }
  if (!argv.quiet && process.stderr.isTTY && n >= 1000) process.stderr.write("\n");
  return Date.now() - t0;
}

// The projects the runs point at, so that a cwd inside one gives the local scope.
const GUILD_FILES = {
  mnist: "- model: mnist\n  operations:\n    prepare:\n      main: prepare\n    train:\n      main: train\n    test:\n      main: test\n",
  iris: "train:\n  main: train\nfinetune:\n  main: train\n",
};
for (const [name, text] of Object.entries(GUILD_FILES)) {
  const file = path.join(project, name, "guild.yml");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

const ms =
  generate(path.join(home, "runs"), count, 0, "runs") + generate(path.join(home, "trash", "runs"), deletedCount, count, "deleted runs");
if (!argv.quiet) process.stderr.write(`gen-runs: wrote ${count} runs and ${deletedCount} deleted runs to ${home} in ${ms} ms\n`);
