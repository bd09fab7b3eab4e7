import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { runCommand, tempDir } from "@guildts/testkit";

/**
 * Negated options read naturally in --help: cac's "(default: true)" never follows `--no-wait`,
 * `--no-open` (the help formatter prints the description only).
 */
const home = path.join(tempDir("guildts-help-negated-"), "home");
const help = (words: string[]) => runCommand("guild", [...words, "--help"], { env: { GUILD_HOME: home } });

for (const [words, option] of [
  [["run"], "--no-wait"],
  [["view"], "--no-open"],
] as const) {
  test(`guild ${words.join(" ")} --help: ${option} without cac's default`, () => {
    const r = help([...words]);
    assert.equal(r.status, 0, r.stderr);
    const line = r.stdout.split("\n").find((l) => l.trimStart().startsWith(option));
    assert.ok(line, r.stdout);
    assert.doesNotMatch(line, /\(default: (true|false)\)/);
    assert.doesNotMatch(r.stdout, /\(default: (true|false)\)/);
  });
}
