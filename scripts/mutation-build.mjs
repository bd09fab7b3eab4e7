#!/usr/bin/env node
// Stryker's build step (stryker.config.mjs): rebuilds one package from scratch, without its
// .tsbuildinfo, which could otherwise make tsc keep the unmutated output in place.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const pkg = process.argv[2];
if (!pkg) throw new Error("usage: mutation-build.mjs PACKAGE_DIR");
fs.rmSync(path.join(pkg, "dist", ".tsbuildinfo"), { force: true });
const tsc = path.join("node_modules", "typescript", "bin", "tsc");
const r = spawnSync(process.execPath, [tsc, "-p", pkg], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);
// The end-to-end tests run the bundled commands: bundle the mutated build.
const b = spawnSync(process.execPath, [path.join("scripts", "bundle.mjs")], { stdio: "inherit" });
process.exit(b.status ?? 1);
