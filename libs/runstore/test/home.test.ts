import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { HomeError, resolveGuildHome } from "../src/home.js";

function tmp(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "guildts-home-")));
}

test("-H wins over GUILD_HOME, which wins over discovery", () => {
  const d = tmp();
  fs.mkdirSync(path.join(d, "a", ".guild"), { recursive: true });
  fs.mkdirSync(path.join(d, "h"));
  const env = { HOME: d, GUILD_HOME: path.join(d, "h") };
  assert.deepEqual(resolveGuildHome({ option: path.join(d, "a"), env, cwd: d }), {
    path: path.join(d, "a"),
    source: "option",
    exists: true,
  });
  assert.equal(resolveGuildHome({ env, cwd: path.join(d, "a") }).source, "env");
  assert.equal(resolveGuildHome({ env: { ...env, GUILD_HOME: "" }, cwd: path.join(d, "a") }).path, path.join(d, "a", ".guild"));
});

test("an explicit home is relative to the cwd, ~-expanded, and may be missing", () => {
  const d = tmp();
  const r = resolveGuildHome({ option: "nope", env: { HOME: d }, cwd: d });
  assert.deepEqual(r, { path: path.join(d, "nope"), source: "option", exists: false });
  assert.equal(resolveGuildHome({ option: "~/x", env: { HOME: d }, cwd: "/" }).path, path.join(d, "x"));
});

test("an explicit home that is a file is an error naming it", () => {
  const d = tmp();
  fs.writeFileSync(path.join(d, "f"), "");
  assert.throws(
    () => resolveGuildHome({ option: path.join(d, "f"), env: {}, cwd: d }),
    (e: unknown) => e instanceof HomeError && /is not a directory/.test((e as Error).message),
  );
});

test("discovery walks up to the nearest .guild, then falls back to ~/.guild", () => {
  const d = tmp();
  fs.mkdirSync(path.join(d, "p", ".guild"), { recursive: true });
  fs.mkdirSync(path.join(d, "p", "a", "b"), { recursive: true });
  const env = { HOME: path.join(d, "user") };
  assert.equal(resolveGuildHome({ env, cwd: path.join(d, "p", "a", "b") }).path, path.join(d, "p", ".guild"));
  const fallback = resolveGuildHome({ env, cwd: path.join(d, "user") });
  assert.deepEqual(fallback, { path: path.join(d, "user", ".guild"), source: "default", exists: false });
});

test("an activated venv holding .guild is used before discovery", () => {
  const d = tmp();
  fs.mkdirSync(path.join(d, "venv", ".guild"), { recursive: true });
  fs.mkdirSync(path.join(d, "p", ".guild"), { recursive: true });
  const r = resolveGuildHome({ env: { HOME: d, VIRTUAL_ENV: path.join(d, "venv") }, cwd: path.join(d, "p") });
  assert.equal(r.source, "venv");
  assert.equal(r.path, path.join(d, "venv", ".guild"));
  // A venv without .guild does not count.
  const r2 = resolveGuildHome({ env: { HOME: d, VIRTUAL_ENV: path.join(d, "none") }, cwd: path.join(d, "p") });
  assert.equal(r2.source, "discovered");
});

test("discovery stops at the user's home", () => {
  const d = tmp();
  fs.mkdirSync(path.join(d, ".guild"));
  fs.mkdirSync(path.join(d, "u", "w"), { recursive: true });
  // d/.guild is above HOME (d/u): not found from d/u/w.
  const r = resolveGuildHome({ env: { HOME: path.join(d, "u") }, cwd: path.join(d, "u", "w") });
  assert.equal(r.source, "default");
  void os;
});
