import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { bundlePathDir, generateHome, hasTool, runCommand, Tmux } from "@guildts/testkit";

/**
 * Tables on a real terminal (tmux) at 80 and 200 columns: `guild runs -a` shortens the
 * operation's directory, then the label, never the status or the id; `guild compare -t` fits
 * the width, says which columns it left out in one line, and leaves out a label that only
 * repeats the flags. Piped, both are Guild's bytes. The home is gen-runs' seed 3 (the demo's).
 */
const enabled = hasTool("tmux");
let home = "";
let iris = "";
before(() => {
  home = generateHome({ runs: 12, deleted: 2, seed: 3 });
  iris = path.join(path.dirname(home), "projects", "iris");
});

/** The screen's lines from the command's first output line to the `EXIT=` line (prompt removed). */
function output(screen: string): string[] {
  const lines = screen.split("\n").map((l) => l.replace(/^\$ /, "").trimEnd());
  const end = lines.findIndex((l) => /^EXIT=/.test(l));
  return lines.slice(0, end).filter((l) => l !== "" && !l.startsWith("guild "));
}

for (const width of [80, 200]) {
  describe(`tables in a terminal of ${width} columns (tmux)`, { skip: !enabled && "needs tmux" }, () => {
    const term = new Tmux(`width-${width}`);
    before(async () => {
      const env = `PATH='${bundlePathDir()}:${process.env.PATH}' TERM=xterm-256color GUILD_HOME='${home}' TZ=UTC PS1='$ '`;
      term.start(width, 40, iris, `env -i ${env} sh`);
      await term.waitFor(/^\$/m, 20_000);
    });
    after(() => term.kill());

    const run = async (line: string): Promise<string[]> => {
      await term.typeOnClearScreen(`${line}; echo EXIT=$?`);
      return output(await term.waitFor(/^EXIT=\d+/m, 20_000));
    };

    test("guild runs -a: every row on one line; the id and the status whole", async () => {
      const rows = (await run("guild runs -a")).filter((l) => l.startsWith("["));
      assert.equal(rows.length, 12, rows.join("\n"));
      const piped = runCommand("guild", ["runs", "-a"], { cwd: iris, env: { GUILD_HOME: home, TZ: "UTC" } }).stdout.split("\n");
      for (const [i, row] of rows.entries()) {
        assert.ok(row.length <= width, `fits: ${row}`);
        const [id, , status] = piped[i]!.split(/ {2,}(?=\S)/).filter((c) => !/^\d{4}-/.test(c));
        assert.ok(row.startsWith(id!), `the id stays: ${row}`);
        assert.match(row, new RegExp(`  ${status!.trim()}(  |$)`), `the status stays whole: ${row}`);
      }
      if (width === 200) {
        assert.deepEqual(
          rows,
          piped.slice(0, 12).map((l) => l.trimEnd()),
          "wide enough: Guild's rows",
        );
      } else {
        assert.match(rows.join("\n"), /mnist:train \(\.\.\/mnist\)   2026-01-01 00:04:20  completed  batch=6\u2026$/m);
        assert.doesNotMatch(rows.join("\n"), /comp$|erro$/m, "no status cut short");
      }
    });

    test("the confirmation lists the runs shortened the same way; nothing changes on no", async () => {
      await term.typeOnClearScreen("guild runs rm -a :; echo EXIT=$?");
      const screen = await term.waitFor(/Delete these runs\?|\(y\/N\)/, 20_000);
      const rows = screen.split("\n").filter((l) => /^ {2}\[[0-9a-f]{8}\]/.test(l));
      assert.equal(rows.length, 12, screen);
      for (const row of rows) {
        assert.ok(row.trimEnd().length <= width, `fits: ${row}`);
        assert.match(row, /  (completed|error|pending|staged|terminated|running)( |$)/, `the status stays whole: ${row}`);
      }
      if (width === 80)
        assert.match(screen, /^ {2}\[ccc7f455\]  mnist:train \(\.\.\/mnist\) +2026-01-01 00:04:20  completed  batch=64\u2026$/m);
      term.keys("n", "Enter");
      await term.waitFor(/^EXIT=\d+/m, 20_000);
      assert.equal(
        runCommand("guild", ["runs", "-a"], { cwd: iris, env: { GUILD_HOME: home } }).stdout.split("\n").length,
        13,
        "no run deleted",
      );
    });

    test("guild compare -t: fits the width; the cut columns named in one line; piped is Guild's table", async () => {
      const lines = await run("guild compare -t -a");
      const piped = runCommand("guild", ["compare", "-t", "-a"], { cwd: iris, env: { GUILD_HOME: home, TZ: "UTC" } }).stdout.split("\n");
      const table = lines.filter((l) => /^(run  |[0-9a-f]{8}(  |$))/.test(l));
      assert.equal(table.length, 13, lines.join("\n"));
      for (const l of table) assert.ok(l.length <= width, `fits: ${l}`);
      const notes = lines.filter((l) => /column\(s\) not shown/.test(l));
      if (width === 80) {
        assert.equal(notes.length, 1, lines.join("\n"));
        // The operation and status go before any flag or scalar: every flag asked for stays.
        assert.match(notes[0]!, /^5 column\(s\) not shown to fit 80 columns: operation, started, time, status, label$/);
        assert.match(table[0]!, /^run       batch  epochs  fail  lr     optimizer  sleep  c    kernel$/);
      } else {
        assert.equal(notes.length, 0, lines.join("\n"));
        assert.match(piped[0]!, /status     label/, "piped: Guild's columns, label included");
      }
      // In one project, the default labels only repeat the flags: the label column goes.
      const local = await run("guild compare -t");
      assert.match(local.find((l) => l.startsWith("run"))!, /^run +operation +started +time +status +c +kernel$/);
      const localPiped = runCommand("guild", ["compare", "-t"], { cwd: iris, env: { GUILD_HOME: home, TZ: "UTC" } }).stdout;
      assert.match(localPiped, /status +label +c +kernel/);
    });
  });
}
