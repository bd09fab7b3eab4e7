#!/usr/bin/env node
// Bundles every command into dist/bin/ (run by `npm run build`, after tsc):
//
//   dist/bin/<name>.js        one ESM entry per bin of apps/*/package.json (found there, so a new
//                             command needs no edit here), one esbuild build each, with code
//                             splitting: what a command needs at start-up is in its entry (or a chunk
//                             it shares with its lazy chunks); what is reached only through
//                             `await import()` (the runner, the compare TUI) is in chunks loaded then
//   dist/bin/chunk-*.js       the shared and lazy chunks
//   dist/bin/vendor/*.cjs     packages loaded synchronously on first use (the YAML fallback,
//                             fast-glob), through libs/runstore's requireLazy
//   dist/bin/<file>.js        each file the code starts by path (`new URL("./FILE.js", import.meta.url)`
//                             in tsc's output: the run index's worker, the background runner...)
//   dist/bin/python/          the runner's Python bootstrap
//   dist/path/<name>          executable links to the entries, for a PATH (tests, CI)
//   dist/meta.json            esbuild's metafile (the start-up test reads it; the test kit checks
//                             the bundle is newer than its inputs)
//
// Source maps (.js.map beside each file, chained through tsc's maps to the TypeScript) are read
// only when a stack trace is formatted: each entry first installs libs/format's mapBundleStacks
// (not process.setSourceMapsEnabled, which reads every map at start-up): traces point at src/*.ts.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, "dist", "bin");
const pathDir = path.join(root, "dist", "path");

/** Every bin of the apps, name -> absolute path of its (tsc-built) script. */
export function appBins() {
  const bins = {};
  for (const app of fs.readdirSync(path.join(root, "apps")).sort()) {
    const pkgFile = path.join(root, "apps", app, "package.json");
    if (!fs.existsSync(pkgFile)) continue;
    const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
    const bin = typeof pkg.bin === "string" ? { [pkg.name.replace(/^@.*\//, "")]: pkg.bin } : (pkg.bin ?? {});
    for (const [name, file] of Object.entries(bin)) {
      if (bins[name]) throw new Error(`bundle: bin ${name} is defined twice (apps/${app})`);
      bins[name] = path.join(root, "apps", app, file);
    }
  }
  return bins;
}

/** `new URL("./NAME.js", import.meta.url)` targets in the packages' tsc output: NAME -> file. */
function urlEntries() {
  const found = {};
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".js")) {
        const text = fs.readFileSync(p, "utf8");
        for (const m of text.matchAll(/new URL\("\.\/([A-Za-z0-9_-]+)\.js", import\.meta\.url\)/g)) {
          const target = path.join(path.dirname(p), `${m[1]}.js`);
          if (found[m[1]] && found[m[1]] !== target) throw new Error(`bundle: two files named ${m[1]}.js are started by path`);
          if (fs.existsSync(target)) found[m[1]] = target;
        }
      }
    }
  };
  for (const top of ["libs", "apps"]) {
    for (const pkg of fs.readdirSync(path.join(root, top))) {
      const src = path.join(root, top, pkg, "dist", "src");
      if (fs.existsSync(src)) walk(src);
    }
  }
  return found;
}

/** Packages loaded synchronously on first use (requireLazy in libs/runstore), bundled apart. */
async function lazyPackages() {
  const mod = await import(path.join(root, "libs", "runstore", "dist", "src", "lazy-require.js"));
  return mod.LAZY_PACKAGES;
}

async function main() {
  const t0 = Date.now();
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(pathDir, { recursive: true, force: true });
  const bins = appBins();
  const common = {
    bundle: true,
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    sourcesContent: false,
    define: { GUILDTS_BUNDLE: "true" },
    logLevel: "warning",
    legalComments: "none",
    absWorkingDir: root,
  };
  const meta = { inputs: {}, outputs: {} };
  const add = (m) => {
    Object.assign(meta.inputs, m.inputs);
    Object.assign(meta.outputs, m.outputs);
  };
  // One build per command: what its start-up needs is in its entry file (or, where a lazy chunk
  // needs it too, a chunk shared with that); chunks are named by content, so two builds that make
  // the same chunk write the same file.
  for (const [name, file] of Object.entries(bins)) {
    const result = await esbuild.build({
      ...common,
      entryPoints: [{ in: `guildts-entry:${path.relative(root, file)}`, out: name }],
      outdir: out,
      format: "esm",
      splitting: true,
      chunkNames: "chunk-[hash]",
      metafile: true,
      plugins: [entries()],
    });
    add(result.metafile);
  }
  // Files the code starts by path (workers, background processes): `new URL("./NAME.js",
  // import.meta.url)` in tsc's output; each becomes dist/bin/NAME.js beside the chunks.
  for (const [name, file] of Object.entries(urlEntries())) {
    const worker = await esbuild.build({
      ...common,
      entryPoints: [{ in: file, out: name }],
      outdir: out,
      format: "esm",
      splitting: true,
      chunkNames: "chunk-[hash]",
      metafile: true,
    });
    add(worker.metafile);
  }
  for (const [name, file] of Object.entries(await lazyPackages())) {
    await esbuild.build({
      ...common,
      entryPoints: [name],
      outfile: path.join(out, "vendor", `${file}.cjs`),
      format: "cjs",
      absWorkingDir: path.join(root, "libs", "runstore"),
    });
  }
  fs.cpSync(path.join(root, "libs", "runner", "python"), path.join(out, "python"), { recursive: true });
  fs.writeFileSync(path.join(root, "dist", "meta.json"), JSON.stringify(meta));
  fs.mkdirSync(pathDir, { recursive: true });
  for (const name of Object.keys(bins)) {
    const file = path.join(out, `${name}.js`);
    fs.chmodSync(file, 0o755);
    fs.symlinkSync(path.join("..", "bin", `${name}.js`), path.join(pathDir, name));
  }
  const bytes = Object.values(meta.outputs).reduce((s, o) => s + o.bytes, 0);
  process.stderr.write(
    `bundle: ${Object.keys(bins).length} commands into dist/bin (${(bytes / 1024).toFixed(0)} KiB of JS and maps, ${Date.now() - t0} ms)\n`,
  );
}

/**
 * `guildts-entry:FILE`, the entry of the bin script FILE: a module that installs the lazy
 * source-map stack mapper (libs/format's stack-map.ts) evaluated first, then the bin script.
 */
function entries() {
  const stackMap = path.join(root, "libs", "format", "dist", "src", "stack-map.js");
  return {
    name: "guildts-entries",
    setup(build) {
      build.onResolve({ filter: /^guildts-entry:/ }, (args) => ({ path: args.path.slice(14), namespace: "guildts-entry" }));
      build.onLoad({ filter: /.*/, namespace: "guildts-entry" }, (args) => ({
        contents: `#!/usr/bin/env node\nimport "guildts:stack-map";\nimport ${JSON.stringify(`./${path.basename(args.path)}`)};\n`,
        loader: "js",
        resolveDir: path.join(root, path.dirname(args.path)),
      }));
      build.onResolve({ filter: /^guildts:stack-map$/ }, () => ({ path: "stack-map", namespace: "guildts" }));
      build.onLoad({ filter: /.*/, namespace: "guildts" }, () => ({
        contents:
          `import path from "node:path";\nimport { fileURLToPath } from "node:url";\nimport { mapBundleStacks } from ${JSON.stringify(stackMap)};\n` +
          "mapBundleStacks(path.dirname(fileURLToPath(import.meta.url)));\n",
        loader: "js",
        resolveDir: root,
      }));
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`bundle: ${e.message}\n`);
    process.exit(1);
  });
}
