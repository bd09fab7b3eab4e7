import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { binPath, hasTool, placeFixture, runCommand, Tmux, type PlacedFixture } from "@guildts/testkit";

/**
 * The porcelain in a real terminal: tmux runs it, send-keys types, capture-pane reads the screen.
 */
const term = new Tmux("tty");
const tmux = (...args: string[]) => term.run(...args);
const screen = (escapes = false) => term.screen(escapes);
const waitFor = (pattern: RegExp, ms?: number) => term.waitFor(pattern, ms);

const enabled = hasTool("tmux");

describe("guild in a terminal (tmux)", { skip: !enabled && "needs tmux" }, () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
    const env = Object.entries({ ...fx.env, TERM: "xterm-256color", PS1: "$ " })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    term.start(220, 50, fx.alice, `env -i PATH='${process.env.PATH}' ${env} sh`);
    tmux("send-keys", "-t", "t", `alias guild='${process.execPath} ${binPath("guild")}'`, "Enter");
  });
  after(() => {
    term.kill();
  });

  const type = (line: string) => term.typeOnClearScreen(line);

  test("the table on a TTY: aligned like Guild's, the directory dimmed; NO_COLOR turns colour off", async () => {
    await type("guild runs list; echo EXIT=$?");
    await waitFor(/EXIT=0/);
    const colored = screen(true);
    assert.match(colored, /finetune\x1b\[2m \(iris\)\x1b\[/, "the dir suffix is dim (tmux re-encodes the reset)");
    // A command typed while `clear` runs is echoed before the screen clears, so the first row can
    // follow the shell's prompt on its line.
    const plain = screen()
      .split("\n")
      .map((l) => l.replace(/^\$ /, ""))
      .filter((l) => l.startsWith("["));
    assert.deepEqual(
      plain,
      fx
        .expected("runs-list.stdout")
        .trimEnd()
        .split("\n")
        .map((l) => l.trimEnd()),
    );
    await type("NO_COLOR=1 guild runs list; echo EXIT=$?");
    await waitFor(/EXIT=0/);
    assert.doesNotMatch(screen(true), /\x1b\[2m/);
  });

  test("the label prompt: lists the runs, defaults to no, changes only on y", async () => {
    const dir = fs.readdirSync(path.join(fx.home, "runs")).find((d) => d.startsWith("b3ca74ef"))!;
    const file = path.join(fx.home, "runs", dir, ".guild", "attrs", "label");
    const before = fs.readFileSync(file, "utf8");

    await type("guild runs label 1 tuned; echo EXIT=$?");
    let s = await waitFor(/Label 1 run\(s\)\? \(y\/N\)/);
    assert.match(
      s,
      /You are about to label the following runs with 'tuned':\n  \[b3ca74ef\]  finetune \(iris\)  2026-11-26 17:42:52  completed  c=0\.5 kernel=linear/,
    );
    tmux("send-keys", "-t", "t", "", "Enter"); // just Enter: the default is no
    await waitFor(/EXIT=4/);
    assert.equal(fs.readFileSync(file, "utf8"), before);

    await type("guild runs label 1 tuned; echo EXIT=$?");
    await waitFor(/\(y\/N\)/);
    tmux("send-keys", "-t", "t", "n", "Enter");
    await waitFor(/EXIT=4/);
    assert.equal(fs.readFileSync(file, "utf8"), before);

    await type("guild runs label 1 tuned; echo EXIT=$?");
    await waitFor(/\(y\/N\)/);
    tmux("send-keys", "-t", "t", "y", "Enter");
    s = await waitFor(/EXIT=0/);
    assert.match(s, /Labeled 1 run\(s\)/);
    assert.equal(fs.readFileSync(file, "utf8"), "tuned\n");
  });
});

describe("guild runs rm in a terminal (tmux)", { skip: !enabled && "needs tmux" }, () => {
  const term2 = new Tmux("rm");
  const t = (...args: string[]) => term2.run(...args);
  const waitScreen = (pattern: RegExp) => term2.waitFor(pattern);
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
    const env = Object.entries({ ...fx.env, TERM: "xterm-256color", PS1: "$ " })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    term2.start(200, 50, fx.alice, `env -i PATH='${process.env.PATH}' ${env} sh`);
    t("send-keys", "-t", "t", `alias guild='${process.execPath} ${binPath("guild")}'`, "Enter");
  });
  after(() => {
    term2.kill();
  });

  test("the delete prompt defaults to no; y deletes; -p warns", async () => {
    const live = () => fs.readdirSync(path.join(fx.home, "runs")).length;
    t("send-keys", "-t", "t", "clear; guild runs rm 1; echo EXIT=$?", "Enter");
    const s = await waitScreen(/Delete 1 run\(s\)\? \(y\/N\)/);
    assert.match(s, /You are about to delete the following runs:\n  \[b3ca74ef\]/);
    t("send-keys", "-t", "t", "", "Enter");
    await waitScreen(/EXIT=4/);
    assert.equal(live(), 8);
    t("send-keys", "-t", "t", "clear; guild runs rm 1; echo EXIT=$?", "Enter");
    await waitScreen(/\(y\/N\)/);
    t("send-keys", "-t", "t", "y", "Enter");
    await waitScreen(/Deleted 1 run\(s\)\nEXIT=0/);
    assert.equal(live(), 7);
    t("send-keys", "-t", "t", "clear; guild runs rm -p 1; echo EXIT=$?", "Enter");
    // (The previous prompt stays on the screen until `clear` runs: wait for this one.)
    const p = await waitScreen(/Permanently delete 1 run\(s\)\? \(y\/N\)/);
    assert.match(p, /WARNING: You are about to permanently delete the following runs:/);
    assert.match(p, /Permanently deleted runs cannot be recovered! Permanently delete 1 run\(s\)\? \(y\/N\)/);
    t("send-keys", "-t", "t", "no", "Enter");
    await waitScreen(/EXIT=4/);
    assert.equal(live(), 7);
  });
});

describe("run data on a terminal is shown escaped (tmux)", { skip: !enabled && "needs tmux" }, () => {
  const term3 = new Tmux("safe");
  const t = (...args: string[]) => term3.run(...args);
  const shell = (line: string) => term3.typeOnClearScreen(line);
  // Clears the screen, sets the window title, rings the bell, and reverses the rest of the line.
  const HOSTILE = "A\x1b[2J\x1b]0;owned\x07B\u202eC";
  const SHOWN = "A\\x1b[2J\\x1b]0;owned\\x07B\\u202eC";
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
    const r = runCommand("guild", ["runs", "label", "1", "-y", HOSTILE], { env: fx.env });
    assert.equal(r.status, 0, r.stderr);
    fs.mkdirSync(path.join(fx.home, "runs", "stray\x1b[2Jdir"));
    const env = Object.entries({ ...fx.env, TERM: "xterm-256color", PS1: "$ " })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    term3.start(220, 50, fx.alice, `env -i PATH='${process.env.PATH}' ${env} sh`);
    t("send-keys", "-t", "t", `alias guild='${process.execPath} ${binPath("guild")}'`, "Enter");
  });
  after(() => {
    term3.kill();
  });

  test("the runs table, runs info and warnings escape control, escape and bidi characters", async () => {
    await shell("echo BEGIN; guild runs list; echo EXIT=$?");
    let s = await term3.waitFor(/EXIT=0/);
    assert.match(s, /BEGIN/, "nothing cleared the screen");
    assert.ok(s.includes(`completed   ${SHOWN}\n`), s);
    assert.ok(s.includes("guild: warning: run stray\\x1b[2Jdir: skipped"), s);
    await shell("echo BEGIN; guild runs info 1; echo EXIT=$?");
    s = await term3.waitFor(/EXIT=0/);
    assert.match(s, /BEGIN/);
    assert.ok(s.includes(`label: ${SHOWN}`), s);
  });

  test("the delete prompt lists the label escaped; the same commands piped write it exactly", async () => {
    await shell("echo BEGIN; guild runs rm 1; echo EXIT=$?");
    const s = await term3.waitFor(/\(y\/N\)/);
    assert.match(s, /BEGIN/);
    assert.ok(s.includes(`completed  ${SHOWN}\n`), s);
    t("send-keys", "-t", "t", "", "Enter");
    await term3.waitFor(/EXIT=4/);
    const piped = runCommand("guild", ["runs", "list"], { env: fx.env });
    assert.ok(piped.stdout.includes(`completed   ${HOSTILE}\n`), "a pipe gets the label's exact bytes");
    assert.ok(piped.stderr.includes("run stray\x1b[2Jdir: skipped"));
    const json = runCommand("guild-ls-runs", ["--json"], { env: fx.env });
    assert.ok(json.stdout.split("\n").some((l) => l && JSON.parse(l).label === HOSTILE));
  });
});
