import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { assertBundleFresh, commandEnv, generateHome, placeFixture, quickProject, repoRoot, tempDir } from "@guildts/testkit";

// The installable package: `npm pack` at the root, `npm install -g` of the tarball into a fresh
// prefix (offline: everything the commands need is in the tarball), then the installed commands
// run end to end, outside this checkout.

const npm = (args: string[], cwd: string, cache: string) => {
  const r = spawnSync("npm", [...args, "--cache", cache, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, `npm ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

describe("the installable package (npm pack, npm install -g --prefix)", () => {
  let prefix = "";
  let packed: { path: string }[] = [];
  const installed = (name: string) => path.join(prefix, "bin", name);
  /** Runs an installed command by its bin link (its shebang), outside the checkout. */
  const run = (name: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
    const r = spawnSync(installed(name), args, {
      cwd: opts.cwd ?? prefix,
      env: commandEnv({ PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, ...opts.env }),
      encoding: "utf8",
    });
    return { stdout: String(r.stdout), stderr: String(r.stderr), status: r.status };
  };

  before(() => {
    assertBundleFresh();
    const dir = tempDir("guildts-pack-");
    const cache = path.join(dir, "npm-cache");
    // --ignore-scripts: the checkout is built already (a user's `npm pack` runs `prepare`, the build).
    const out = JSON.parse(npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dir], repoRoot(), cache));
    packed = out[0].files;
    prefix = path.join(dir, "prefix");
    npm(["install", "-g", "--offline", "--prefix", prefix, path.join(dir, out[0].filename)], dir, cache);
  });

  test("the tarball holds the bundles, their vendor files and maps, and no sources, tests or workspaces", () => {
    const files = packed.map((f) => f.path);
    for (const f of ["package.json", "README.md", "LICENSE", "dist/bin/guild.js", "dist/bin/guild-ls-runs.js", "dist/bin/vendor/yaml.cjs"])
      assert.ok(files.includes(f), `the tarball has ${f}`);
    assert.ok(
      files.some((f) => /^dist\/bin\/chunk-.*\.js\.map$/.test(f)),
      "source maps are shipped",
    );
    assert.ok(
      files.some((f) => f.startsWith("dist/bin/python/")),
      "the runner's Python bootstrap is shipped",
    );
    assert.deepEqual(
      files.filter((f) => /^(apps|libs|bench|fixtures|scripts)\/|node_modules|\.ts$|meta\.json$/.test(f)),
      [],
      "nothing of the workspaces",
    );
  });

  test("the installed package is a plain copy: no links into the checkout, no dependencies installed", () => {
    const pkgDir = path.join(prefix, "lib", "node_modules", "guildts");
    assert.ok(!fs.lstatSync(pkgDir).isSymbolicLink(), "not a workspace link");
    assert.ok(!fs.realpathSync(pkgDir).startsWith(repoRoot()), "outside the checkout");
    assert.ok(!fs.existsSync(path.join(pkgDir, "node_modules")), "no dependency installed (all is bundled)");
    const bins = JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")).bin as Record<string, string>;
    for (const name of Object.keys(bins)) assert.ok(fs.existsSync(installed(name)), `${name} is installed in ${prefix}/bin`);
  });

  test("guild --version, guild-ls-runs --json and guild runs work from the install", () => {
    const v = run("guild", ["--version"]);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^guild \(guildts\) 0\.1\.0\n$/);
    const home = generateHome({ runs: 30, seed: 3 });
    const ls = run("guild-ls-runs", ["--json", "-H", home]);
    assert.equal(ls.status, 0, ls.stderr);
    const records = ls.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string });
    assert.equal(records.length, 30);
    assert.deepEqual(records.map((r) => r.id).sort(), fs.readdirSync(path.join(home, "runs")).sort());
    const runs = run("guild", ["runs", "-H", home]);
    assert.equal(runs.status, 0, runs.stderr);
    assert.equal(runs.stdout.trimEnd().split("\n").length, 20, `the newest 20:\n${runs.stdout}`);
    assert.match(runs.stdout, /^\[1:[0-9a-f]{8}\]/);
  });

  test("the lazily loaded parts work from the install: Guild's attrs, compare --csv, a run", () => {
    const fx = placeFixture();
    const expected = spawnSync(process.execPath, [path.join(repoRoot(), "dist", "bin", "guild.js"), "compare", "-a", "--csv", "-"], {
      cwd: fx.alice,
      env: commandEnv(fx.env),
      encoding: "utf8",
    });
    assert.equal(expected.status, 0, expected.stderr);
    const csv = run("guild", ["compare", "-a", "--csv", "-"], { cwd: fx.alice, env: fx.env });
    assert.equal(csv.status, 0, csv.stderr);
    assert.equal(csv.stdout, expected.stdout, "the installed compare --csv prints what the checkout's does");
    const project = quickProject(path.join(tempDir("guildts-pack-run-"), "project"), { files: 2 });
    const home = path.join(path.dirname(project), "home");
    const r = run("guild", ["run", "quick", "-y"], { cwd: project, env: { GUILD_HOME: home } });
    assert.equal(r.status, 0, r.stderr);
    const ls = run("guild-ls-runs", ["--json", "-H", home]);
    assert.equal(JSON.parse(ls.stdout).status, "completed", ls.stdout);
  });
});
