#!/usr/bin/env node
// npm run mutation [-- GROUP... [--mutate FILE[,FILE...]]]
//
// Mutation testing with StrykerJS over the groups of stryker.config.mjs (all of them by default),
// each in a fresh copy of the repository so the work tree is never mutated; prints each file's
// mutation score and leaves Stryker's JSON reports in reports/mutation/. `--mutate FILE` scopes a
// run to one file (and the group that holds it).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { GROUPS } = await import(path.join(root, "stryker.config.mjs"));

const argv = process.argv.slice(2);
const names = [];
let mutate = null;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--mutate" || a === "-m") mutate = (argv[++i] ?? "").split(",").filter(Boolean);
  else if (a.startsWith("--mutate=")) mutate = a.slice(9).split(",").filter(Boolean);
  else if (a === "--help" || a === "-h") {
    process.stdout.write(`usage: npm run mutation -- [GROUP...] [--mutate FILE[,FILE...]]\ngroups: ${Object.keys(GROUPS).join(", ")}\n`);
    process.exit(0);
  } else if (GROUPS[a]) names.push(a);
  else {
    process.stderr.write(`mutation: unknown group '${a}' (one of ${Object.keys(GROUPS).join(", ")})\n`);
    process.exit(2);
  }
}
if (mutate) {
  for (const f of mutate) {
    const owner = Object.keys(GROUPS).find((g) => GROUPS[g].mutate.some((m) => f === m || f.startsWith(`${m}:`)));
    if (!owner) {
      process.stderr.write(`mutation: '${f}' is in no group of stryker.config.mjs\n`);
      process.exit(2);
    }
    if (!names.includes(owner)) names.push(owner);
  }
}
if (names.length === 0) names.push(...Object.keys(GROUPS));

/** A copy of the repository: sources and builds copied, node_modules hard-linked (never written). */
function copyRepo() {
  const dst = fs.mkdtempSync(path.join(os.tmpdir(), "guildts-mutation-"));
  const skip = new Set([".git", "node_modules", "reports", ".stryker-tmp", ".turbo"]);
  for (const entry of fs.readdirSync(root)) {
    if (skip.has(entry) || entry === "bench") continue;
    fs.cpSync(path.join(root, entry), path.join(dst, entry), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`) && !src.includes(`${path.sep}.turbo`),
    });
  }
  fs.cpSync(path.join(root, "bench"), path.join(dst, "bench"), { recursive: true, filter: (src) => !src.includes("homes") });
  const r = spawnSync("cp", ["-a", "--link", path.join(root, "node_modules"), path.join(dst, "node_modules")], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("cannot copy node_modules");
  return dst;
}

function score(report) {
  const rows = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const n = (s) => mutants.filter((m) => m.status === s).length;
    const detected = n("Killed") + n("Timeout");
    const undetected = n("Survived") + n("NoCoverage");
    const valid = detected + undetected;
    rows.push({ file, mutants: valid, killed: detected, survived: undetected, score: valid ? (100 * detected) / valid : 100 });
  }
  return rows;
}

const out = path.join(root, "reports", "mutation");
fs.mkdirSync(out, { recursive: true });
const summary = [];
for (const name of names) {
  const copy = copyRepo();
  try {
    process.stderr.write(`mutation: ${name} (${(mutate ?? GROUPS[name].mutate).join(", ")}) in ${copy}\n`);
    const args = [path.join(copy, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js"), "run", "stryker.config.mjs"];
    const own = mutate?.filter((f) => GROUPS[name].mutate.some((m) => f === m || f.startsWith(`${m}:`)));
    if (own?.length) args.push("--mutate", own.join(","));
    const r = spawnSync(process.execPath, args, { cwd: copy, stdio: "inherit", env: { ...process.env, GUILDTS_MUTATION_GROUP: name } });
    if (r.status !== 0) {
      process.stderr.write(`mutation: stryker failed on group ${name} (exit ${r.status})\n`);
      process.exitCode = 5;
      continue;
    }
    const report = path.join(copy, "reports", "mutation", `${name}.json`);
    fs.copyFileSync(report, path.join(out, `${name}.json`));
    summary.push(...score(JSON.parse(fs.readFileSync(report, "utf8"))));
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}
process.stdout.write("\nfile\tmutants\tkilled\tsurvived\tscore\n");
for (const s of summary) process.stdout.write(`${s.file}\t${s.mutants}\t${s.killed}\t${s.survived}\t${s.score.toFixed(1)}%\n`);
