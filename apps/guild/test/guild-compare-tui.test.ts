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
    assert.match(s, /run +operation +started +time +status +label/);
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
    await waitFor(/Label 1 run\(s\) 'tuned'\? \(y\/N\)/);
    keys("y", "Enter");
    await waitFor(/Labeled 1 run\(s\)/);
    const dir = fs.readdirSync(path.join(fx.home, "runs")).find((d) => d.startsWith("2f4b9d7b"))!;
    assert.equal(fs.readFileSync(path.join(fx.home, "runs", dir, ".guild", "attrs", "label"), "utf8"), "tuned\n");
    keys("D");
    await waitFor(/Delete 1 run\(s\)\? \(y\/N\)/);
    keys("Enter"); // the default is no
    await waitFor(/not deleted/);
    assert.ok(fs.existsSync(path.join(fx.home, "runs", dir)));
    keys("Space", "Space", "D");
    await waitFor(/Delete 2 run\(s\)\? \(y\/N\)/);
    keys("y", "Enter");
    s = await waitFor(/Deleted 2 run\(s\)/);
    assert.match(s, /3\/6 runs/);
    assert.equal(fs.readdirSync(path.join(fx.home, "trash", "runs")).length, 3);
    keys("q");
    await waitFor(/EXIT=0/);
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
