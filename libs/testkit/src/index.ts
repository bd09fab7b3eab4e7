import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest directory above this file holding turbo.json. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, "turbo.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("repository root (turbo.json) not found");
    dir = parent;
  }
  return dir;
}

/** The Guild-written homes in the repository's `fixtures/` (see fixtures/README.md). */
export type FixtureName = "guild-0.9-home" | "guild-0.9-batch-home";

/** A fixture's folder; an error (never a skip) when its data is missing. */
export function fixtureDir(name: FixtureName = "guild-0.9-home"): string {
  const dir = path.join(repoRoot(), "fixtures", name);
  if (!fs.existsSync(path.join(dir, "home", "runs"))) throw new Error(`fixture ${name} is missing at ${dir}: the checkout is incomplete`);
  return dir;
}

export function tempDir(prefix = "guildts-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const ORIGINAL_ROOT = "/home/alice";

export interface PlacedFixture {
  /** Stands for /home/alice. */
  alice: string;
  /** GUILD_HOME (stands for /home/alice/.guild). */
  home: string;
  /** Project folders of guild-0.9-home (stand for /home/alice/mnist and /home/alice/iris). */
  mnist: string;
  iris: string;
  /** Project folder of guild-0.9-batch-home (stands for /home/alice/cls). */
  cls: string;
  /** The environment the fixture's outputs were recorded with, mapped. */
  env: NodeJS.ProcessEnv;
  /** A recorded output (`NAME.stdout`, `NAME.stderr`, `NAME.exit`) with paths mapped. */
  expected(file: string): string;
  /** Maps an original /home/alice path to its place here. */
  map(p: string): string;
}

function walk(dir: string, visit: (p: string, st: fs.Stats) => void): void {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    visit(p, st);
    if (st.isDirectory()) walk(p, visit);
  }
}

/**
 * Copies a Guild 0.9.1 fixture into a temp dir laid out like /home/alice (home in `.guild`, each
 * project in `projects/NAME` at `NAME/`, `exports/` when the fixture has one), writable, with every
 * `/home/alice` inside text files rewritten to the new place (run files hold absolute paths:
 * opref, env, op attrs). Relative symlinks (trial links, dependency links) are kept as links.
 */
export function placeFixture(name: FixtureName = "guild-0.9-home"): PlacedFixture {
  const src = fixtureDir(name);
  const alice = path.join(tempDir("guildts-fixture-"), "alice");
  const home = path.join(alice, ".guild");
  fs.mkdirSync(alice, { recursive: true });
  fs.cpSync(path.join(src, "home"), home, { recursive: true, verbatimSymlinks: true });
  for (const project of fs.readdirSync(path.join(src, "projects"))) {
    fs.cpSync(path.join(src, "projects", project), path.join(alice, project), { recursive: true, verbatimSymlinks: true });
  }
  if (fs.existsSync(path.join(src, "exports"))) {
    fs.cpSync(path.join(src, "exports"), path.join(alice, "exports"), { recursive: true, verbatimSymlinks: true });
  }
  walk(alice, (p, st) => {
    if (st.isSymbolicLink()) return;
    fs.chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
    if (st.isFile() && st.size < 1 << 20) {
      const buf = fs.readFileSync(p);
      const text = buf.toString("latin1");
      if (text.includes(ORIGINAL_ROOT)) fs.writeFileSync(p, Buffer.from(text.replaceAll(ORIGINAL_ROOT, alice), "latin1"));
    }
  });
  const map = (s: string) => s.replaceAll(ORIGINAL_ROOT, alice);
  return {
    alice,
    home,
    mnist: path.join(alice, "mnist"),
    iris: path.join(alice, "iris"),
    cls: path.join(alice, "cls"),
    env: { HOME: alice, USER: "alice", LANG: "C.UTF-8", TZ: "UTC", GUILD_HOME: home },
    expected: (file) => map(fs.readFileSync(path.join(src, "expected", file), "utf8")),
    map,
  };
}

export interface GenOptions {
  runs: number;
  deleted?: number;
  seed?: number;
  runningPid?: number;
  /** Runs that ran log `loss`/`acc` in event files. */
  scalars?: boolean;
}

/** Generates a home with scripts/gen-runs.mjs; returns its path (projects beside it). */
export function generateHome(opts: GenOptions, dir = tempDir("guildts-gen-")): string {
  const home = path.join(dir, "home");
  const args = [path.join(repoRoot(), "scripts", "gen-runs.mjs"), "--home", home, "--runs", String(opts.runs), "--quiet"];
  if (opts.deleted) args.push("--deleted", String(opts.deleted));
  if (opts.seed !== undefined) args.push("--seed", String(opts.seed));
  if (opts.runningPid !== undefined) args.push("--running-pid", String(opts.runningPid));
  if (opts.scalars) args.push("--scalars");
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gen-runs failed: ${r.stderr}`);
  return home;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/**
 * Variables passed through to the commands a test runs: StrykerJS's active mutant (`npm run
 * mutation`), without which no end-to-end test could kill a mutant in the code the command runs.
 */
export const PASSED_THROUGH_ENV = ["__STRYKER_ACTIVE_MUTANT__"] as const;

/** The clean, deterministic environment commands run with in tests (UTC, no colour, no user config), plus `extra`. */
export function commandEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const passed = Object.fromEntries(PASSED_THROUGH_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  // No user config (~/.config/guildts) unless a test gives one: XDG_CONFIG_HOME names no directory.
  const noConfig = "/nonexistent/guildts-test-config";
  return {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    XDG_CONFIG_HOME: noConfig,
    TZ: "UTC",
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    ...passed,
    ...extra,
  };
}

/** The bundled commands (scripts/bundle.mjs): dist/bin/<name>.js, what users and the package run. */
export function bundleDir(): string {
  return path.join(repoRoot(), "dist", "bin");
}

/** dist/path: a directory of `guild`, `guild-ls-runs`... links to the bundled commands, for a PATH. */
export function bundlePathDir(): string {
  return path.join(repoRoot(), "dist", "path");
}

let bundleChecked = false;

/**
 * Throws unless the bundle is newer than every file it was made from (tsc's output, the apps'
 * package.json): a test must never run stale commands after a package-only `tsc` build.
 */
export function assertBundleFresh(): void {
  if (bundleChecked) return;
  const metaFile = path.join(repoRoot(), "dist", "meta.json");
  const hint = "run `npm run build` (or `node scripts/bundle.mjs` after tsc)";
  if (!fs.existsSync(metaFile)) throw new Error(`the commands are not bundled (no dist/meta.json): ${hint}`);
  const made = fs.statSync(metaFile).mtimeMs;
  const meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as { inputs: Record<string, unknown> };
  const apps = fs.readdirSync(path.join(repoRoot(), "apps")).map((a) => path.join("apps", a, "package.json"));
  for (const input of [...Object.keys(meta.inputs), ...apps]) {
    if (input.includes(":")) continue; // a virtual module of the bundler
    const file = path.join(repoRoot(), input);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st && st.mtimeMs > made) throw new Error(`the bundled commands are older than ${input}: ${hint}`);
  }
  bundleChecked = true;
}

/** The path of a bundled command (`guild-ls-runs`, `guild`...): dist/bin/<name>.js. */
export function binPath(name: string): string {
  assertBundleFresh();
  const p = path.join(bundleDir(), `${name}.js`);
  if (!fs.existsSync(p)) throw new Error(`no bundled command ${name} (dist/bin/${name}.js)`);
  return p;
}

/**
 * Runs a built command with a clean, deterministic environment (UTC, no colour, no TTY), plus
 * `env`. Standard input is `input` or empty.
 */
export function runCommand(name: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
  const env = commandEnv(opts.env);
  const spawnOpts: SpawnSyncOptions = { cwd: opts.cwd ?? os.tmpdir(), env, input: opts.input ?? "", encoding: "utf8", maxBuffer: 1 << 28 };
  const r = spawnSync(process.execPath, [binPath(name), ...args], spawnOpts);
  if (r.error) throw r.error;
  return { stdout: String(r.stdout), stderr: String(r.stderr), status: r.status };
}

/** Runs a shell pipeline (`bash -c`) with the bundled commands on PATH. For jq/xargs tests. */
export function runShell(script: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  assertBundleFresh();
  const bins = [bundlePathDir(), path.join(repoRoot(), "node_modules", ".bin")];
  const env = commandEnv({ PATH: `${bins.join(":")}:${process.env.PATH}`, ...opts.env });
  const r = spawnSync("bash", ["-o", "pipefail", "-c", script], {
    cwd: opts.cwd ?? os.tmpdir(),
    env,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  return { stdout: String(r.stdout), stderr: String(r.stderr), status: r.status };
}

/** Whether a tool is on PATH; under GUILDTS_REQUIRE_TOOLS (CI) a missing tool is an error. */
export function hasTool(tool: string): boolean {
  const ok = spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
  if (!ok && process.env.GUILDTS_REQUIRE_TOOLS) throw new Error(`${tool} is required (GUILDTS_REQUIRE_TOOLS is set) but not on PATH`);
  return ok;
}
export * from "./reliability.js";
export * from "./property.js";
export * from "./tmux.js";
export * from "./tree.js";
export * from "./sshd.js";
