import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { generateHome, hasTool, runCommand } from "@guildts/testkit";

describe("guild cat, ls and diff on a generated home", () => {
  let home: string;
  before(() => {
    home = generateHome({ runs: 6, seed: 15 });
  });
  const guild = (args: string[], env: NodeJS.ProcessEnv = {}) => runCommand("guild", args, { env: { GUILD_HOME: home, ...env } });
  const dirOf = (spec: string) => guild(["select", spec, "--path"]).stdout.trim();

  test("the built-in diff prints exactly what GNU diff -ru prints, for whole runs and for attrs dirs", { skip: !hasTool("diff") }, () => {
    for (const [args, a, b] of [
      [["diff"], dirOf("2"), dirOf("1")],
      [["diff", "3", "4", "--attrs"], path.join(dirOf("3"), ".guild", "attrs"), path.join(dirOf("4"), ".guild", "attrs")],
      [["diff", "1", "5", "--flags"], path.join(dirOf("1"), ".guild", "attrs", "flags"), path.join(dirOf("5"), ".guild", "attrs", "flags")],
    ] as const) {
      const ours = guild([...args]);
      const gnu = spawnSync("diff", ["-ru", a, b], { encoding: "utf8" });
      assert.equal(ours.status, 0, ours.stderr);
      assert.ok(gnu.stdout.length > 0, "the runs differ");
      assert.equal(ours.stdout, gnu.stdout, args.join(" "));
    }
  });

  test("colour only when asked for (a terminal, FORCE_COLOR); never in a pipe", () => {
    const plain = guild(["diff", "--flags"]);
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    const coloured = guild(["diff", "--flags"], { NO_COLOR: "", FORCE_COLOR: "1" });
    assert.match(coloured.stdout, /\x1b\[31m-/);
    assert.match(coloured.stdout, /\x1b\[32m\+/);
    assert.equal(coloured.stdout.replace(/\x1b\[[0-9;]*m/g, ""), plain.stdout);
  });

  test("ls -a lists every file of the run; cat -p prints its bytes; a missing output is an error naming it", () => {
    const dir = dirOf("1");
    const ls = guild(["ls", "-a", "-n", "1"]);
    assert.equal(ls.status, 0, ls.stderr);
    const found: string[] = [];
    const walk = (d: string, rel: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        found.push(e.isDirectory() ? `${r}/` : r);
        if (e.isDirectory()) walk(path.join(d, e.name), r);
      }
    };
    walk(dir, "");
    assert.deepEqual(ls.stdout.trim().split("\n").sort(), found.sort());
    const cat = guild(["cat", "-p", ".guild/attrs/flags"]);
    assert.equal(cat.stdout, fs.readFileSync(path.join(dir, ".guild", "attrs", "flags"), "utf8"));
    fs.rmSync(path.join(dir, ".guild", "output"), { force: true });
    const none = guild(["cat", "--output"]);
    assert.deepEqual([none.status, none.stdout, none.stderr], [1, "", `guild: ${dir}/.guild/output does not exist\n`]);
    const big = Buffer.alloc(300_000, "x\n");
    fs.writeFileSync(path.join(dir, ".guild", "output"), big);
    const out = runCommand("guild", ["cat", "--output"], { env: { GUILD_HOME: home } });
    assert.equal(out.stdout.length, big.length);
    fs.rmSync(path.join(dir, ".guild", "output"));
  });
});
