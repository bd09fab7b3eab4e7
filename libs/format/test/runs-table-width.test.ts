import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RunRecord } from "@guildts/runstore";
import { COLOR, ellipsize, runsTable, visibleLength } from "../src/index.js";

function rec(id: string, o: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    dir: `/h/runs/${id}`,
    deleted: false,
    opref: { type: "guildfile", pkg: "/proj/quickstart/guild.yml", version: "v", model: "logreg", op: "train" },
    operation: "logreg:train",
    status: "completed",
    remote: null,
    pid: null,
    initialized: null,
    started: Date.UTC(2026, 11, 3, 6, 16, 11) * 1000,
    stopped: null,
    exit_status: 0,
    label: "epochs=3 lr=0.1 optimizer=adam",
    tags: [],
    marked: false,
    flags: {},
    batch: null,
    batch_proto: null,
    ...o,
  };
}

const A = "9734f85e0a0a4b4b8c8c2d2d0e0e1f1f";
const B = "e2b2d1aa0a0a4b4b8c8c2d2d0e0e1f1f";
const runs = [
  rec(A),
  rec(B, {
    operation: "gpkg.mnist/logreg:train",
    opref: { type: "package", pkg: "gpkg.mnist", version: "1", model: "logreg", op: "train" },
    status: "terminated",
    label: "best so far",
  }),
];
const TZ = process.env.TZ;

describe("runsTable with a terminal width", () => {
  test("no width, or a width it fits in: Guild's rows, unchanged", () => {
    process.env.TZ = "UTC";
    const guild = runsTable(runs, { cwd: "/proj/iris" });
    assert.equal(guild[0], "[1:9734f85e]  logreg:train (../quickstart)  2026-12-03 06:16:11  completed   epochs=3 lr=0.1 optimizer=adam");
    assert.deepEqual(runsTable(runs, { cwd: "/proj/iris", width: 200 }), guild);
    process.env.TZ = TZ;
  });

  test("the directory is shortened first, then goes; then the label is cut; the id, time and status stay whole", () => {
    process.env.TZ = "UTC";
    // The directory only has to shrink (`…/quickstart` is 1 shorter, and the label fits then).
    const wide = runsTable(runs, { cwd: "/proj/iris", width: 106 });
    assert.equal(wide[0], "[1:9734f85e]  logreg:train (…/quickstart)  2026-12-03 06:16:11  completed   epochs=3 lr=0.1 optimizer=adam");
    const at80 = runsTable(runs, { cwd: "/proj/iris", width: 80 });
    assert.deepEqual(at80, [
      "[1:9734f85e]  logreg:train             2026-12-03 06:16:11  completed   epochs=…",
      "[2:e2b2d1aa]  gpkg.mnist/logreg:train  2026-12-03 06:16:11  terminated  best so…",
    ]);
    for (const w of [80, 60, 40, 30]) {
      const rows = runsTable(runs, { cwd: "/proj/iris", width: w, style: COLOR });
      for (const r of rows) assert.ok(visibleLength(r) <= w, `${w}: ${r}`);
      assert.match(rows[0]!, /^\[1:9734f85e\] .* completed\b/, `the id and status stay at ${w}`);
      assert.match(rows[1]!, /^\[2:e2b2d1aa\] .* terminated\b/, `the id and status stay at ${w}`);
    }
    // Narrower still: the start time goes before the status would.
    assert.deepEqual(runsTable(runs, { cwd: "/proj/iris", width: 40 }), [
      "[1:9734f85e]  logreg:train  completed",
      "[2:e2b2d1aa]  gpkg.mnist/…  terminated",
    ]);
    process.env.TZ = TZ;
  });

  test("ellipsize cuts the end (or the start) and marks the cut", () => {
    assert.equal(ellipsize("abcdef", 4), "abc\u2026");
    assert.equal(ellipsize("abcdef", 4, "start"), "\u2026def");
    assert.equal(ellipsize("abc", 4), "abc");
  });
});
