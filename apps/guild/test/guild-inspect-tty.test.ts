import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { binPath, hasTool, placeFixture, Tmux, type PlacedFixture } from "@guildts/testkit";

/** cat, ls and diff in a real terminal (tmux): run data is shown escaped, colour only there. */
const term = new Tmux("inspect-tty");

describe("guild cat, ls and diff in a terminal (tmux)", { skip: !hasTool("tmux") && "needs tmux" }, () => {
  let fx: PlacedFixture;
  let run: string;
  before(() => {
    fx = placeFixture("guild-0.9-batch-home");
    run = path.join(fx.home, "runs", "f43d2ea16efb4bc6a6806d79bf4d476e");
    fs.writeFileSync(path.join(run, ".guild", "output"), "before\x1b[2Jafter\u202eevil\nline 2\n");
    fs.writeFileSync(path.join(run, "odd\x1b[31mname"), "x");
    const env = Object.entries({ ...fx.env, TERM: "xterm-256color", PS1: "$ " })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    term.start(200, 50, fx.alice, `env -i PATH='${process.env.PATH}' ${env} sh`);
    term.run("send-keys", "-t", "t", `alias guild='${process.execPath} ${binPath("guild")}'`, "Enter");
  });
  after(() => {
    term.kill();
  });

  test("cat --output and ls show control characters as escapes on a terminal", async () => {
    await term.typeOnClearScreen("guild cat --output f43d2ea1; echo EXIT=$?");
    await term.waitFor(/EXIT=0/);
    const s = term.screen();
    assert.match(s, /before\\x1b\[2Jafter\\u202eevil/);
    assert.match(s, /^line 2$/m);
    await term.typeOnClearScreen("guild ls f43d2ea1; echo EXIT=$?");
    await term.waitFor(/EXIT=0/);
    assert.match(term.screen(), /^ {2}odd\\x1b\[31mname$/m);
  });

  test("diff is coloured on a terminal", async () => {
    await term.typeOnClearScreen("guild diff f43d2ea1 d97e9238 --flags; echo EXIT=$?");
    await term.waitFor(/EXIT=0/);
    assert.match(term.screen(true), /\x1b\[31m-lr: 0\.1/);
    assert.match(term.screen(), /^\+lr: 0\.01$/m);
  });
});
