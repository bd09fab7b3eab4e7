import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunRecord } from "@guildts/runstore";
import { runsTable } from "../src/index.js";

test("runsTable simplified: [N], operation, status, label (Guild's -s)", () => {
  const r = (id: string, status: "completed" | "error", label: string | null): RunRecord =>
    ({
      id,
      dir: "/x",
      deleted: false,
      opref: null,
      operation: "fail",
      status,
      remote: null,
      pid: null,
      initialized: null,
      started: 5,
      stopped: null,
      exit_status: 1,
      label,
      tags: [],
      marked: false,
      flags: {},
      batch: null,
      batch_proto: null,
    }) as RunRecord;
  assert.deepEqual(runsTable([r("a".repeat(32), "error", "oops"), r("b".repeat(32), "completed", null)], { cwd: "/", simplified: true }), [
    "[1]  fail  error      oops",
    "[2]  fail  completed  ",
  ]);
});
