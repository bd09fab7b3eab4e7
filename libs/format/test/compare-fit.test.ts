import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GuildFloat, type RunRecord } from "@guildts/runstore";
import { compareData, compareTable, fitCompareTable, labelRepeatsFlags } from "../src/index.js";

function rec(id: string, o: Partial<RunRecord> = {}): RunRecord {
  return {
    id: id.padEnd(32, "0"),
    dir: `/h/runs/${id}`,
    deleted: false,
    opref: null,
    operation: "logreg:train",
    status: "completed",
    remote: null,
    pid: null,
    initialized: null,
    started: Date.UTC(2026, 11, 3, 6, 16, 11) * 1000,
    stopped: Date.UTC(2026, 11, 3, 6, 16, 12) * 1000,
    exit_status: 0,
    label: null,
    tags: [],
    marked: false,
    flags: {},
    batch: null,
    batch_proto: null,
    ...o,
  };
}

const runs = [
  rec("40db6ff8", { flags: { epochs: 3, lr: new GuildFloat(0.1), optimizer: "adam" }, label: "epochs=3 lr=0.1 optimizer=adam" }),
  rec("cb24ca02", { flags: { epochs: 5, lr: new GuildFloat(0.05), optimizer: "sgd" }, label: "epochs=5 lr=0.05 optimizer=sgd" }),
];
const data = () => compareData(runs, () => []);

describe("compare --table fitted to a terminal", () => {
  test("the label column is known to repeat the flags only when every label is NAME=VALUE of the row", () => {
    assert.equal(labelRepeatsFlags(data()), true);
    const other = compareData([...runs, rec("4c84f4e1", { label: "best so far" })], () => []);
    assert.equal(labelRepeatsFlags(other), false);
    const wrong = compareData([rec("4c84f4e1", { flags: { lr: 1 }, label: "lr=2" })], () => []);
    assert.equal(labelRepeatsFlags(wrong), false, "a value that differs from the flag's");
  });

  test("wide enough: only the repeating label goes; narrower: the start time, the duration, the status, the operation; the flags stay", () => {
    process.env.TZ = "UTC";
    const wide = fitCompareTable(data(), 200);
    assert.deepEqual(wide.cut, []);
    assert.equal(wide.lines[0], "run       operation     started              time     status     epochs  lr    optimizer");
    assert.equal(wide.lines[1], "40db6ff8  logreg:train  2026-12-03 06:16:11  0:00:01  completed  3       0.1   adam");
    const at60 = fitCompareTable(data(), 60);
    assert.deepEqual(at60.cut, ["started", "time"]);
    assert.equal(at60.lines[0], "run       operation     status     epochs  lr    optimizer");
    const at40 = fitCompareTable(data(), 41);
    assert.deepEqual(at40.cut, ["started", "time", "status", "operation"]);
    assert.equal(at40.lines[0], "run       epochs  lr    optimizer", "the run and every flag asked for");
    for (const l of at40.lines) assert.ok(l.length <= 41, l);
    // Piped (no width): Guild's table, label and all.
    assert.match(compareTable(data())[0]!, /status +label +epochs/);
  });
});
