import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { repoRoot, runCommand } from "@guildts/testkit";
import { callNames, commandOptions, GROUPS, loadCommand, lookup } from "../src/command.js";
import { COMMANDS } from "../src/commands/index.js";

const guild = (args: string[]) => runCommand("guild", args);
// The table's rows with their modules loaded (a row's own fields win over its module's).
const visible = await Promise.all(COMMANDS.filter((c) => !c.hidden).map(loadCommand));

describe("the command table (apps/guild/src/commands/index.ts)", () => {
  test("every entry's --help exits 0 and prints its usage and its examples", () => {
    for (const c of visible) {
      for (const name of callNames(c)) {
        const r = guild([...name.split(" "), "--help"]);
        const what = `guild ${name} --help`;
        assert.equal(r.status, 0, `${what}: ${r.stderr}`);
        assert.equal(r.stderr, "", what);
        const prog = c.program ?? `guild ${name}`;
        assert.ok(r.stdout.includes(`Usage:\n  $ ${prog} ${c.usage.split("\n")[0]}`), `${what} shows its usage:\n${r.stdout}`);
        assert.ok(c.examples.length >= 2, `${c.name} has at least two examples`);
        const examples = r.stdout.slice(r.stdout.indexOf("\nExamples:\n"));
        for (const e of c.examples) assert.ok(examples.includes(`\n  ${e}\n`), `${what} ends with the example '${e}'`);
      }
    }
  });

  test("README.md mentions every command", () => {
    const readme = fs.readFileSync(path.join(repoRoot(), "README.md"), "utf8");
    for (const c of visible) {
      const name = c.program ?? `guild ${c.name}`;
      assert.ok(readme.includes(`\`${name}`), `README.md mentions \`${name}\``);
    }
  });

  test("no two entries answer to the same words; each group has one default", () => {
    const names = COMMANDS.flatMap(callNames);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
    );
    for (const n of names)
      assert.equal(
        lookup(COMMANDS, n.split(" "))!.command,
        COMMANDS.find((c) => callNames(c).includes(n)),
      );
    for (const g of Object.values(GROUPS)) {
      if (!g.word) continue;
      const inGroup = COMMANDS.filter((c) => c.name.startsWith(`${g.word} `));
      assert.equal(inGroup.filter((c) => c.groupDefault).length, 1, `one default in '${g.word}'`);
    }
    assert.ok(COMMANDS.every((c) => !c.groupDefault || c.name.includes(" ")));
  });

  test("guild --help lists every command under its group, aligned", () => {
    const help = guild(["--help"]).stdout;
    for (const c of visible) {
      const { word, title } = GROUPS[c.group];
      const section = `${help.slice(help.indexOf(`${title}:\n`)).split("\n\n")[0]!}\n`;
      const shown = callNames(c)
        .filter((n) => !word || n.startsWith(`${word} `))
        .map((n) => (word ? n.slice(word.length + 1) : n))
        .join(", ");
      assert.match(
        section,
        new RegExp(`\\n  ${shown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}  +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`),
      );
    }
    const lines = help.split("\n");
    const starts = new Set(visible.map((c) => lines.find((l) => l.endsWith(`  ${c.summary}`))!.lastIndexOf(c.summary)));
    assert.equal(starts.size, 1, `summaries start in one column:\n${help}`);
    assert.doesNotMatch(help, /\S(Plumbing|List|Show):/, "no name runs into its summary");
  });

  test("completion offers every command word and each command's options, read from its definition", () => {
    const complete = (...words: string[]) =>
      guild(["__complete", String(words.length), "guild", ...words])
        .stdout.split("\n")
        .filter(Boolean);
    const first = complete("");
    for (const c of visible) {
      const words = callNames(c)[0]!.split(" ");
      assert.ok(first.includes(words[0]!), `'${words[0]}' is offered first`);
      if (words.length === 2) assert.ok(complete(words[0]!, "").includes(words[1]!), `'${words.join(" ")}' is offered`);
      const options = complete(...words, "-");
      assert.deepEqual(options, commandOptions(c), `${c.name}: its options`);
      assert.ok(options.includes("--help"));
    }
    assert.ok(!first.includes("__complete"), "hidden commands are not offered");
    assert.ok(complete("runs", "list", "--js").includes("--json"));
    assert.ok(complete("compare", "--mi").includes("--min"), "every command's options, not a hand-kept list");
  });

  test("an unknown option suggests a declared one; a word too far from any gets no guess", () => {
    const r = guild(["runs", "info", "--jsno"]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "guild: unknown option '--jsno' (did you mean '--json'?)\nTry 'guild runs info --help' for more information.\n");
    assert.match(guild(["compare", "--tbale"]).stderr, /did you mean '--table'/);
    assert.match(guild(["runs", "rm", "--dry"]).stderr, /did you mean '--dry-run'/, "a prefix");
    assert.equal(
      guild(["runs", "info", "--zzzz"]).stderr,
      "guild: unknown option '--zzzz'\nTry 'guild runs info --help' for more information.\n",
    );
  });
});
