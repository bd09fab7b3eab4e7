import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { binPath, hasTool, placeFixture, Tmux, type PlacedFixture } from "@guildts/testkit";

/** The interactive comparison in a real terminal (tmux): keys in, screen out. */
const enabled = hasTool("tmux");
const term = new Tmux("tui");
const waitFor = (pattern: RegExp, ms?: number) => term.waitFor(pattern, ms);
const keys = (...k: string[]) => term.keys(...k);

describe("guild compare, interactive (tmux)", { skip: !enabled && "needs tmux" }, () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
    const env = Object.entries({ ...fx.env, TERM: "xterm-256color" })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    const cmd = `env -i PATH='${process.env.PATH}' ${env} ${process.execPath} ${binPath("guild")} compare; echo EXIT=$?; sleep 60`;
    term.start(150, 20, fx.alice, cmd);
  });
  after(() => {
    term.kill();
  });

  test("shows the runs, sorts, filters, shows info, labels and deletes marked runs, quits", async () => {
    let s = await waitFor(/Guild run comparison  8\/8 runs/);
    // The run, operation and status, then the flags and scalars; the start time and duration last.
    assert.match(s, /run +operation +status +c +kernel +step +acc +loss +batch .* started +time/);
    assert.doesNotMatch(s.split("\n")[1]!, /label/, "the labels only repeat the flags: their column starts hidden");
    assert.match(s, /b3ca74ef  finetune/);
    keys("s"); // sort by the current column: run, ascending
    s = await waitFor(/sorted by run asc/);
    assert.match(s.split("\n")[2]!, /^\s+2f4b9d7b/);
    keys("/", "train", "Enter");
    s = await waitFor(/5\/8 runs  filter: train/);
    keys("i");
    s = await waitFor(/^id: 2f4b9d7b/m);
    assert.match(s, /exit_status: 3/);
    keys("Space"); // back from the info
    await waitFor(/5\/8 runs/);
    keys("L");
    await waitFor(/label for 1 run\(s\)/);
    keys("tuned", "Enter");
    await waitFor(/Label 1 run\(s\) 'tuned'\? \(y\/n\)/);
    keys("y"); // one key, no Enter
    await waitFor(/Labeled 1 run\(s\)/);
    const dir = fs.readdirSync(path.join(fx.home, "runs")).find((d) => d.startsWith("2f4b9d7b"))!;
    assert.equal(fs.readFileSync(path.join(fx.home, "runs", dir, ".guild", "attrs", "label"), "utf8"), "tuned\n");
    keys("D");
    await waitFor(/Delete 1 run\(s\)\? \(y\/n\)/);
    keys("q"); // any key but y is no, and it answers the question: q does not quit here
    s = await waitFor(/not deleted/);
    assert.match(s, /Guild run comparison  5\/8 runs/);
    assert.ok(fs.existsSync(path.join(fx.home, "runs", dir)));
    // Marks are cleared once an action is done with them.
    keys("Space", "Space", "L");
    await waitFor(/label for 2 run\(s\)/);
    keys("pair", "Enter");
    await waitFor(/Label 2 run\(s\) 'pair'\? \(y\/n\)/);
    keys("y");
    s = await waitFor(/Labeled 2 run\(s\)/);
    assert.doesNotMatch(s, /^\* /m, `no row is still marked:\n${s}`);
    keys("Space", "Space", "D");
    await waitFor(/Delete 2 run\(s\)\? \(y\/n\)/);
    keys("y");
    s = await waitFor(/Deleted 2 run\(s\)/);
    assert.match(s, /3\/6 runs/);
    assert.equal(fs.readdirSync(path.join(fx.home, "trash", "runs")).length, 3);
    keys("q");
    await waitFor(/EXIT=0/);
  });
});

describe("guild compare, interactive, at 80 columns (tmux)", { skip: !enabled && "needs tmux" }, () => {
  const at80 = new Tmux("tui-80");
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
    const env = Object.entries({ ...fx.env, TERM: "xterm-256color" })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    at80.start(
      80,
      16,
      fx.alice,
      `env -i PATH='${process.env.PATH}' ${env} ${process.execPath} ${binPath("guild")} compare; echo EXIT=$?; sleep 60`,
    );
  });
  after(() => {
    at80.kill();
  });

  test("the first screen shows the flags and the scalars beside the run", async () => {
    const s = await at80.waitFor(/Guild run comparison  8\/8 runs/);
    const lines = s.split("\n");
    assert.match(lines[1]!, /^\s+run\s+operation\s+status\s+c\s+kernel\s+step\s+acc\s+loss/);
    assert.match(s, /b3ca74ef  finetune +completed +0\.5 +linear +0 +0\.855000 +0\.144999/);
    for (const l of lines) assert.ok(l.length < 80, `cut at the width: ${l}`);
    at80.keys("q");
    await at80.waitFor(/EXIT=0/);
  });
});

describe("guild compare, interactive, in a narrow terminal (tmux)", { skip: !enabled && "needs tmux" }, () => {
  const narrow = new Tmux("tui-narrow");
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture();
    const env = Object.entries({ ...fx.env, TERM: "xterm-256color" })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    narrow.start(
      60,
      16,
      fx.alice,
      `env -i PATH='${process.env.PATH}' ${env} ${process.execPath} ${binPath("guild")} compare; echo EXIT=$?; sleep 60`,
    );
  });
  after(() => {
    narrow.kill();
  });

  test("scrolling right keeps the run column in place", async () => {
    let s = await narrow.waitFor(/Guild run comparison  8\/8 runs/);
    const header = () => s.split("\n")[1]!;
    assert.match(header(), /^\s+run\s+operation/);
    for (let i = 0; i < 8; i++) narrow.keys("l");
    // Once the columns after the run have scrolled out of view:
    s = await narrow.waitFor(/^(?![^\n]*\n[^\n]*operation)/);
    assert.match(header(), /^\s+run\s/, `the run column stays first:\n${s}`);
    assert.doesNotMatch(header(), /operation/, "the columns after it scrolled away");
    assert.match(s.split("\n")[2]!, /^\s+[0-9a-f]{8}\s/, "each row still starts with its run id");
    narrow.keys("q");
    await narrow.waitFor(/EXIT=0/);
  });
});
