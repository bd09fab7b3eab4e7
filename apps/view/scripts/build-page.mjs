#!/usr/bin/env node
// Bundles the page (src/page/main.ts: Preact, uPlot, our code) with esbuild into
// dist/page/app.js and dist/page/app.css, which the server serves at /app.js and /app.css and
// `guild view --export` inlines. Type-checks it first (tsconfig.page.json: DOM types, JSX).
// Run by the workspace's `build` script, after tsc.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const dir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(dir, "dist", "page");
const tsc = path.join(dir, "..", "..", "node_modules", "typescript", "bin", "tsc");
try {
  execFileSync(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.page.json")], { stdio: "inherit" });
} catch {
  process.stderr.write("build-page: the page does not type-check (see above)\n");
  process.exit(1);
}
fs.mkdirSync(outdir, { recursive: true });
const result = await esbuild.build({
  entryPoints: { app: path.join(dir, "src", "page", "main.ts") },
  outdir,
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});
const size = (f) => fs.statSync(path.join(outdir, f)).size;
if (!process.env.GUILDTS_QUIET_BUILD)
  process.stdout.write(
    `build-page: dist/page/app.js ${(size("app.js") / 1024).toFixed(1)} KiB, app.css ${(size("app.css") / 1024).toFixed(1)} KiB\n`,
  );
fs.writeFileSync(path.join(outdir, "meta.json"), JSON.stringify(result.metafile));
