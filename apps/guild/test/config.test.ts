import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { generateHome, runCommand, tempDir } from "@guildts/testkit";

// The user's config (JSON5): ~/.config/guildts/config.json5 (XDG_CONFIG_HOME) and
// $GUILD_HOME/guildts.json5, read by the porcelain, never by plumbing.

function setup(files: { user?: string; home?: string } = {}) {
  const dir = tempDir("guildts-config-e2e-");
  const home = generateHome({ runs: 30, seed: 5, scalars: true }, dir);
  const xdg = path.join(dir, "xdg");
  const userFile = path.join(xdg, "guildts", "config.json5");
  const homeFile = path.join(home, "guildts.json5");
  if (files.user !== undefined) {
    fs.mkdirSync(path.dirname(userFile), { recursive: true });
    fs.writeFileSync(userFile, files.user);
  }
  if (files.home !== undefined) fs.writeFileSync(homeFile, files.home);
  const env = { GUILD_HOME: home, XDG_CONFIG_HOME: xdg };
  return { home, userFile, homeFile, run: (name: string, args: string[]) => runCommand(name, args, { env }) };
}

const rows = (out: string) => out.trimEnd().split("\n").filter(Boolean).length;

describe("the user config (guildts.json5, config.json5)", () => {
  test("runs.limit: the user's file, the home's file nearer, -n still first; plumbing reads neither", () => {
    const user = setup({ user: "{ runs: { limit: 7 } }" });
    let r = user.run("guild", ["runs"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(rows(r.stdout), 7);
    assert.match(r.stderr, /Showing the newest 7 runs \(30 total\)/);
    assert.equal(rows(user.run("guild", ["runs", "-m"]).stdout), 14, "-m shows a page more");
    assert.equal(rows(user.run("guild", ["runs", "-n", "3"]).stdout), 3);

    const both = setup({ user: "{ runs: { limit: 7 }, color: 'never' }", home: "// this home\n{ runs: { limit: 4 } }" });
    r = both.run("guild", ["runs"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(rows(r.stdout), 4, "the home's file wins");
    const plain = both.run("guild-ls-runs", []);
    assert.equal(rows(plain.stdout), 30, "guild-ls-runs lists every run whatever the config");
    assert.equal(plain.stderr, "");
  });

  test("compare.columns: the default columns without -c; a default no run has is left out", () => {
    const s = setup({ home: "{ compare: { columns: ['min loss as best_loss', 'nosuch'] } }" });
    const r = s.run("guild", ["compare", "--csv", "-"]);
    assert.equal(r.status, 0, r.stderr);
    const header = r.stdout.split("\n")[0]!.split(",");
    assert.equal(header.at(-1), "best_loss", `header: ${header}`);
    assert.ok(!header.includes("nosuch"), `header: ${header}`);
    const explicit = s.run("guild", ["compare", "--csv", "-", "-c", "nosuch"]);
    assert.equal(explicit.status, 2, "-c with an unknown column is still an error");
    const c = s.run("guild", ["compare", "--csv", "-", "-c", "max acc as top"]);
    const cHeader = c.stdout.split("\n")[0]!.split(",");
    assert.equal(cHeader.at(-1), "top", "-c replaces the default columns");
    assert.ok(!cHeader.includes("best_loss"));
  });

  test("an unknown key warns on stderr and the command goes on", () => {
    const s = setup({ user: "{ runs: { limit: 5, limt: 3 } }" });
    const r = s.run("guild", ["runs"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(rows(r.stdout), 5);
    assert.equal(r.stderr.split("\n")[0], `guild: warning: ${s.userFile}: unknown key 'runs.limt' (ignored; known: limit)`);
  });

  test("a config that does not parse, or a value of the wrong type: one line naming it, exit 5", () => {
    const bad = setup({ home: "{\n  runs: { limit: 5 },\n  color: never,\n}\n" });
    let r = bad.run("guild", ["runs"]);
    assert.equal(r.status, 5);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `guild: ${bad.homeFile}:3:11: not valid JSON5: invalid character 'e'\n`);
    const wrong = setup({ user: "{ runs: { limit: 'all' } }" });
    r = wrong.run("guild", ["compare", "--csv", "-"]);
    assert.equal(r.status, 5);
    assert.equal(r.stderr, `guild: ${wrong.userFile}: 'runs.limit' must be a whole number of 1 or more, not "all"\n`);
    assert.equal(wrong.run("guild-ls-runs", []).status, 0, "plumbing does not read it");
  });

  test("guild check lists the config files and whether each was read, and reports their problems", () => {
    const s = setup({ home: "{ remote: 'lab', view: { port: 9000 }, extra: 1 }" });
    let r = s.run("guild", ["check"]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`config_file:               ${s.userFile} (none)\n`), r.stdout);
    assert.ok(r.stdout.includes(`config_file:               ${s.homeFile} (read)\n`), r.stdout);
    assert.ok(r.stdout.includes(`warning: ${s.homeFile}: unknown key 'extra'`), r.stdout);
    fs.writeFileSync(s.homeFile, "{ view: { port: 'x' } }");
    r = s.run("guild", ["check"]);
    assert.equal(r.status, 1, r.stdout);
    assert.ok(r.stdout.includes(`error: ${s.homeFile}: 'view.port' must be a port number (0 to 65535), not "x"\n`), r.stdout);
  });
});
