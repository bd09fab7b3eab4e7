import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { binPath, bundleDir, commandEnv, placeFixture, repoRoot, tempDir } from "@guildts/testkit";

// The bundled commands (scripts/bundle.mjs): one entry per bin, start-up code apart from what is
// loaded only when needed.

interface Meta {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}
const meta = (): Meta => JSON.parse(fs.readFileSync(path.join(repoRoot(), "dist", "meta.json"), "utf8"));

function appBins(): Record<string, string> {
  const bins: Record<string, string> = {};
  for (const app of fs.readdirSync(path.join(repoRoot(), "apps"))) {
    const file = path.join(repoRoot(), "apps", app, "package.json");
    if (fs.existsSync(file)) Object.assign(bins, JSON.parse(fs.readFileSync(file, "utf8")).bin ?? {});
  }
  return bins;
}

/** The output files a command's start-up loads: its entry and what it reaches by static imports. */
function startupOutputs(m: Meta, name: string): Set<string> {
  const loaded = new Set<string>();
  const visit = (out: string) => {
    if (loaded.has(out)) return;
    loaded.add(out);
    for (const i of m.outputs[out]!.imports) if (!i.external && i.kind === "import-statement") visit(i.path);
  };
  visit(`dist/bin/${name}.js`);
  return loaded;
}

/** The source files a command's start-up evaluates (those of its start-up outputs). */
function startupInputs(m: Meta, name: string): Set<string> {
  return new Set([...startupOutputs(m, name)].flatMap((o) => Object.keys(m.outputs[o]!.inputs)));
}

/** What no command's start-up may evaluate: each is loaded when its feature is used. */
const HEAVY = [
  /node_modules\/yaml\//,
  /node_modules\/fast-glob\//,
  /node_modules\/(picomatch|micromatch)\//,
  /node_modules\/csv-stringify\//,
  /node_modules\/json5\//,
  /compare-tui\.js$/,
];

/**
 * Runs a bundled command with hooks that record every ES module and CommonJS file it loads
 * (module.register's load hook; require.cache at exit), returning those under dist/bin/.
 */
function loadedFiles(name: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const dir = tempDir("guildts-hooks-");
  const log = path.join(dir, "loaded.txt");
  const hooks = path.join(dir, "hooks.mjs");
  fs.writeFileSync(
    hooks,
    `import fs from "node:fs";\nexport async function load(url, context, next) {\n  fs.appendFileSync(${JSON.stringify(log)}, url + "\\n");\n  return next(url, context);\n}\n`,
  );
  const register = path.join(dir, "register.mjs");
  fs.writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  const cjs = path.join(dir, "cjs.cjs");
  fs.writeFileSync(
    cjs,
    `process.on("exit", () => require("node:fs").appendFileSync(${JSON.stringify(log)}, Object.keys(require.cache).map((f) => "file://" + f + "\\n").join("")));\n`,
  );
  const r = spawnSync(process.execPath, ["--import", register, "--require", cjs, binPath(name), ...args], {
    cwd: opts.cwd ?? dir,
    env: commandEnv(opts.env),
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `${name} ${args.join(" ")}: ${r.stderr}`);
  const prefix = `file://${bundleDir()}/`;
  const files = fs
    .readFileSync(log, "utf8")
    .split("\n")
    .filter((u) => u.startsWith(prefix))
    .map((u) => u.slice(prefix.length));
  return { files: [...new Set(files)], stdout: r.stdout };
}

describe("the bundled commands (dist/bin)", () => {
  test("every bin of the apps is bundled, and the package's bin map points at the bundles", () => {
    const bins = appBins();
    assert.ok(Object.keys(bins).length >= 7, "the apps define their bins");
    const rootBin = JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")).bin;
    const expected = Object.fromEntries(Object.keys(bins).map((n) => [n, `dist/bin/${n}.js`]));
    assert.deepEqual(rootBin, expected, "package.json's bin: one dist/bin/NAME.js per bin of apps/*/package.json");
    for (const name of Object.keys(bins)) {
      const file = path.join(bundleDir(), `${name}.js`);
      assert.ok(fs.statSync(file).mode & 0o100, `${file} is executable`);
      assert.ok(fs.readFileSync(file, "utf8").startsWith("#!/usr/bin/env node\n"), `${file} starts with a node shebang`);
    }
  });

  test("no command's start-up evaluates the YAML fallback, fast-glob, the CSV writer, the JSON5 parser or the compare TUI", () => {
    const m = meta();
    const all = Object.keys(m.inputs);
    // Each of these is in the bundle somewhere (else the check below could not fail).
    for (const heavy of [/compare-tui\.js$/])
      assert.ok(
        all.some((i) => heavy.test(i)),
        `${heavy} is bundled`,
      );
    for (const name of Object.keys(appBins())) {
      const inputs = [...startupInputs(m, name)];
      for (const heavy of HEAVY) {
        const hit = inputs.filter((i) => heavy.test(i));
        assert.deepEqual(hit, [], `${name}'s start-up does not include ${heavy}`);
      }
    }
    // guild's start-up holds its command table and no command: each command's module (and the
    // runner, the store, the selection) is loaded when that command is used.
    const guild = [...startupInputs(m, "guild")];
    assert.ok(guild.some((i) => i.endsWith("apps/guild/dist/src/commands/index.js")));
    assert.deepEqual(
      guild.filter((i) => /apps\/guild\/dist\/src\/commands\/(?!index\.js$)/.test(i)),
      [],
      "no command body at start-up",
    );
    for (const lib of ["runner", "runstore/dist/src/index", "select", "guildfile", "py"])
      assert.deepEqual(
        guild.filter((i) => i.includes(`libs/${lib}`)),
        [],
        `guild's start-up evaluates nothing of libs/${lib}`,
      );
  });

  test("guild --version, --help and guild runs load no file holding the runner", () => {
    const m = meta();
    const runner = new Set(
      Object.entries(m.outputs)
        .filter(([, o]) => Object.keys(o.inputs).some((i) => i.includes("libs/runner/dist/src/run.js")))
        .map(([f]) => f.replace(/^dist\/bin\//, "")),
    );
    assert.ok(runner.size > 0, "the runner is bundled");
    const fx = placeFixture();
    for (const args of [["--version"], ["runs", "-a"], ["--help"]]) {
      const { files } = loadedFiles("guild", args, { cwd: fx.alice, env: fx.env });
      assert.deepEqual(
        files.filter((f) => runner.has(f)),
        [],
        `guild ${args.join(" ")} loads no file holding the runner`,
      );
    }
  });

  test("guild --version loads its entry and start-up chunks only; compare --csv loads the CSV writer then", () => {
    const version = loadedFiles("guild", ["--version"]);
    assert.match(version.stdout, /^guild \(guildts\) \d+\.\d+\.\d+\n$/);
    assert.ok(version.files.includes("guild.js"), `the hooks saw the entry: ${version.files}`);
    const startup = startupOutputs(meta(), "guild");
    for (const f of version.files) {
      assert.ok(startup.has(`dist/bin/${f}`), `guild --version loaded ${f}, not a start-up file`);
      assert.ok(!f.startsWith("vendor/"), `guild --version loaded ${f}`);
    }
    // The same hooks see a lazily loaded package when a command needs it.
    const fx = placeFixture();
    const csv = loadedFiles("guild", ["compare", "-a", "--csv", "-"], { cwd: fx.alice, env: fx.env });
    assert.ok(csv.stdout.startsWith("run,"), csv.stdout);
    assert.ok(csv.files.includes("vendor/csv-stringify-sync.cjs"), `compare --csv loaded the CSV writer: ${csv.files}`);
  });

  test("a stack trace of a bundled command points at the TypeScript source", () => {
    const chunk = fs.readdirSync(bundleDir()).find((f) => f.startsWith("chunk-") && f.endsWith(".js.map"));
    assert.ok(chunk, "chunks have source maps");
    // A fault injected under the store's directory listing: the command reports an internal error
    // with its stack, whose frames name the .ts files and lines.
    const dir = tempDir("guildts-trace-");
    const inject = path.join(dir, "inject.cjs");
    fs.writeFileSync(inject, `const fs = require("node:fs"); fs.readdirSync = () => { throw new Error("injected fault"); };\n`);
    const home = path.join(dir, "home");
    fs.mkdirSync(path.join(home, "runs"), { recursive: true });
    const r = spawnSync(process.execPath, ["--require", inject, binPath("guild-ls-runs"), "-H", home], {
      env: commandEnv(),
      encoding: "utf8",
    });
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /internal error: Error: injected fault/);
    assert.match(r.stderr, /\((\/[^)]*)?\/libs\/runstore\/src\/[a-z-]+\.ts:\d+:\d+\)/, r.stderr);
    assert.doesNotMatch(r.stderr, /dist\/bin\/chunk-/, "no frame left in the bundle's JavaScript");
  });
});
