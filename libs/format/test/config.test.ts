import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { ConfigError, configPaths, loadUserConfig, parseConfig, useColor } from "../src/index.js";

const F = "/cfg/config.json5";
const parseError = (text: string) => {
  try {
    parseConfig(F, text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
};

describe("the user config (JSON5)", () => {
  test("every field, with JSON5's comments, unquoted keys and trailing commas", () => {
    const c = parseConfig(
      F,
      `// my defaults\n{\n  runs: { limit: 50 },\n  compare: { columns: ['=lr', 'max acc'], },\n  color: 'never',\n  view: { host: '0.0.0.0', port: 8080 },\n  remote: 'lab', /* the cluster */\n}\n`,
    );
    assert.deepEqual(c, {
      runs: { limit: 50 },
      compare: { columns: "=lr, max acc" },
      color: "never",
      view: { host: "0.0.0.0", port: 8080 },
      remote: "lab",
    });
    assert.deepEqual(parseConfig(F, "{}"), { runs: {}, compare: {}, view: {} });
  });

  test("a file that does not parse: the file, line and column", () => {
    assert.equal(parseError("{\n  runs: { limit: 5 }\n  color: 'never'\n}"), `${F}:3:3: not valid JSON5: invalid character 'c'`);
    assert.equal(parseError("{ runs: "), `${F}:1:9: not valid JSON5: invalid end of input`);
    assert.equal(parseError(""), `${F}:1:1: not valid JSON5: invalid end of input`);
  });

  test("a value of the wrong type is an error naming the key, what it must be and what it is", () => {
    assert.equal(parseError("{ runs: { limit: '50' } }"), `${F}: 'runs.limit' must be a whole number of 1 or more, not "50"`);
    assert.equal(parseError("{ runs: { limit: 0 } }"), `${F}: 'runs.limit' must be a whole number of 1 or more, not 0`);
    assert.equal(parseError("{ runs: { limit: 2.5 } }"), `${F}: 'runs.limit' must be a whole number of 1 or more, not 2.5`);
    assert.equal(parseError("{ color: true }"), `${F}: 'color' must be "auto", "always" or "never", not true`);
    assert.equal(parseError("{ view: { port: 70000 } }"), `${F}: 'view.port' must be a port number (0 to 65535), not 70000`);
    assert.equal(parseError("{ view: 'localhost' }"), `${F}: 'view' must be an object ({ host, port }), not "localhost"`);
    assert.equal(
      parseError("{ compare: { columns: [1] } }"),
      `${F}: 'compare.columns' must be a column spec (as -c takes) or a list of them, not a list`,
    );
    assert.equal(parseError("{ remote: null }"), `${F}: 'remote' must be a non-empty string, not null`);
    assert.equal(parseError("[1, 2]"), `${F}: the config must be an object ({ ... }), not a list`);
  });

  test("an unknown key warns (and is ignored); the known ones still apply", () => {
    const warnings: string[] = [];
    const c = parseConfig(F, "{ runs: { limt: 5, limit: 7 }, colour: 'never' }", warnings);
    assert.deepEqual(c.runs, { limit: 7 });
    assert.equal(c.color, undefined);
    assert.deepEqual(warnings, [
      `${F}: unknown key 'runs.limt' (ignored; known: limit)`,
      `${F}: unknown key 'colour' (ignored; known: runs, compare, color, view, remote)`,
    ]);
  });

  test("the files: XDG_CONFIG_HOME (else ~/.config), then the home's; the nearer wins field by field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guildts-config-"));
    const home = path.join(dir, "guild-home");
    const xdg = path.join(dir, "xdg");
    assert.deepEqual(configPaths(home, { HOME: "/u", XDG_CONFIG_HOME: xdg }), [
      path.join(xdg, "guildts", "config.json5"),
      path.join(home, "guildts.json5"),
    ]);
    assert.deepEqual(configPaths(home, { HOME: "/u" }), ["/u/.config/guildts/config.json5", path.join(home, "guildts.json5")]);
    assert.deepEqual(configPaths(home, { HOME: "/u", XDG_CONFIG_HOME: "relative" })[0], "/u/.config/guildts/config.json5");

    const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: xdg };
    assert.deepEqual(loadUserConfig(home, env), {
      config: { runs: {}, compare: {}, view: {} },
      files: configPaths(home, env).map((p) => ({ path: p, read: false })),
      warnings: [],
    });
    fs.mkdirSync(path.join(xdg, "guildts"), { recursive: true });
    fs.writeFileSync(path.join(xdg, "guildts", "config.json5"), "{ runs: { limit: 5 }, view: { host: 'a', port: 1 }, color: 'always' }");
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, "guildts.json5"), "{ view: { port: 2 }, remote: 'r' }");
    const c = loadUserConfig(home, env);
    assert.deepEqual(c.config, { runs: { limit: 5 }, compare: {}, view: { host: "a", port: 2 }, color: "always", remote: "r" });
    assert.deepEqual(
      c.files.map((f) => f.read),
      [true, true],
    );
    // A directory where the file should be is an error naming it, not a crash.
    fs.rmSync(path.join(home, "guildts.json5"));
    fs.mkdirSync(path.join(home, "guildts.json5"));
    assert.throws(() => loadUserConfig(home, env), {
      name: "ConfigError",
      message: `${path.join(home, "guildts.json5")}: not a regular file`,
    });
  });

  test("colour: the environment first (NO_COLOR, FORCE_COLOR), then the config, then the terminal", () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    assert.equal(useColor(tty, {}, "never"), false);
    assert.equal(useColor(pipe, {}, "always"), true);
    assert.equal(useColor(tty, {}, "auto"), true);
    assert.equal(useColor(pipe, {}), false);
    assert.equal(useColor(pipe, { NO_COLOR: "1" }, "always"), false);
    assert.equal(useColor(tty, { FORCE_COLOR: "1" }, "never"), true);
  });
});
