import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RunRecord } from "@guildts/runstore";
import {
  COLOR,
  compareTable,
  EXACT,
  eachLine,
  opCell,
  runInfoLines,
  runsTable,
  safeText,
  statusCell,
  textFor,
  type CompareData,
} from "../src/index.js";

function rec(id: string, o: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    dir: `/h/runs/${id}`,
    deleted: false,
    opref: { type: "guildfile", pkg: "/proj/mnist/guild.yml", version: "v", model: "mnist", op: "train" },
    operation: "mnist:train",
    status: "completed",
    remote: null,
    pid: null,
    initialized: null,
    started: null,
    stopped: null,
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

const A = "9734f85e0a0a4b4b8c8c2d2d0e0e1f1f";
const B = "e2b2d1aa0a0a4b4b8c8c2d2d0e0e1f1f";

describe("runsTable: Guild's `runs list` rows", () => {
  test("[index:short id], operation, started, status, label; columns padded to the widest plus two", () => {
    const rows = runsTable(
      [
        rec(A, { started: Date.UTC(2017, 11, 14, 7, 56, 32) * 1000, status: "terminated", label: "lr=0.1" }),
        rec(B, { operation: "eval", opref: null, status: "error" }),
      ],
      { cwd: "/proj/mnist" },
    );
    assert.deepEqual(rows, [
      "[1:9734f85e]  mnist:train  2017-12-14 07:56:32  terminated  lr=0.1",
      "[2:e2b2d1aa]  eval                              error       ",
    ]);
  });

  test("firstIndex numbers rows of a list shown from further down", () => {
    const rows = runsTable([rec(A), rec(B)], { cwd: "/proj/mnist", firstIndex: 21 });
    assert.deepEqual(
      rows.map((r) => r.slice(0, 12)),
      ["[21:9734f85e", "[22:e2b2d1aa"],
    );
  });

  test("the operation's directory follows it as ` (dir)` unless it is the cwd; dim only when styled", () => {
    const r = rec(A);
    assert.equal(opCell(r, { cwd: "/proj/mnist" }), "mnist:train");
    assert.equal(opCell(r, { cwd: "/proj" }), "mnist:train (mnist)");
    assert.equal(opCell(r, { cwd: "/proj/iris" }), "mnist:train (../mnist)");
    assert.equal(opCell(r, { cwd: "/proj", style: COLOR }), "mnist:train\x1b[2m (mnist)\x1b[22m");
    assert.equal(opCell(rec(A, { opref: null, operation: null }), { cwd: "/" }), "?");
    assert.equal(opCell(rec(A, { marked: true }), { cwd: "/proj" }), "mnist:train (mnist) [marked]");
  });

  test("widths count visible characters: the dim codes of one row do not pad the others", () => {
    const rows = runsTable([rec(A, { label: "x" }), rec(B, { opref: null, operation: "mnist:train", label: "y" })], {
      cwd: "/proj",
      style: COLOR,
    });
    const plain = rows.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ""));
    assert.equal(plain[0]!.indexOf("completed"), plain[1]!.indexOf("completed"));
    assert.equal(plain[0], "[1:9734f85e]  mnist:train (mnist)    completed  x");
  });

  test("a remote run's status names the remote", () => {
    assert.equal(statusCell(rec(A, { status: "running", remote: "gpu" })), "running (gpu)");
    assert.equal(statusCell(rec(A)), "completed");
    assert.equal(runsTable([rec(A, { remote: "gpu" })], { cwd: "/proj/mnist" })[0], "[1:9734f85e]  mnist:train    completed (gpu)  ");
  });

  test("no runs, no rows", () => {
    assert.deepEqual(runsTable([], { cwd: "/" }), []);
  });
});

describe("run data on a terminal: control, escape and bidi characters escaped", () => {
  const hostile = "\x1b[2J\x1b]0;pwned\x07ok\u202etxt.exe\r\n\t\x9b\u2066";

  test("safeText writes each as an escape and keeps the rest (accents, CJK, emoji)", () => {
    assert.equal(safeText(hostile), "\\x1b[2J\\x1b]0;pwned\\x07ok\\u202etxt.exe\\r\\n\\t\\x9b\\u2066");
    assert.equal(safeText("café 日本 🚀 a\\b"), "café 日本 🚀 a\\b");
    assert.equal(safeText("x".repeat(500)).length, 500, "never cut");
  });

  test("textFor: escaped on a TTY, exact on a pipe; eachLine keeps line breaks", () => {
    assert.equal(textFor({ isTTY: true }), safeText);
    assert.equal(textFor({ isTTY: false }), EXACT);
    assert.equal(textFor({}), EXACT);
    assert.equal(eachLine("a\x1b\nb\u202e", safeText), "a\\x1b\nb\\u202e");
    assert.equal(eachLine("a\x1b\nb", EXACT), "a\x1b\nb");
  });

  test("runsTable escapes the label, the operation, the dir, the remote and the id; exact without a filter", () => {
    const r = rec(`${"\x1b[31m"}abcd`, {
      label: hostile,
      operation: "op\u202e",
      remote: "r\x07",
      opref: { type: "guildfile", pkg: "/proj/a\x1bb/guild.yml", version: "", model: "", op: "x" },
    });
    const [line] = runsTable([r], { cwd: "/proj", text: safeText, style: COLOR });
    assert.doesNotMatch(line!.replace(/\x1b\[(2|22)m/g, ""), /[\x00-\x1f\x7f-\x9f\u202e\u2066]/, "only the table's own dim codes");
    assert.ok(line!.startsWith("[1:\\x1b[31mabc]"), line);
    assert.ok(line!.includes("op\\u202e\x1b[2m (a\\x1bb)\x1b[22m"), line);
    assert.ok(line!.includes("completed (r\\x07)"), line);
    assert.ok(line!.endsWith(safeText(hostile)), line);
    assert.ok(runsTable([r], { cwd: "/proj" })[0]!.endsWith(hostile), "exact by default");
  });

  test("runs info and the compare table escape every line and cell they are given a filter for", () => {
    const r = rec(A, { label: "l\x1b[2J", dir: "/h/runs/\u202eabc", flags: { "f\x1b": 1 } });
    const info = runInfoLines(r, { cmd: null, sourcecode_digest: null, vcs_commit: null, scalars: [] }, { text: safeText });
    assert.ok(info.includes("label: l\\x1b[2J"));
    assert.ok(info.includes("run_dir: /h/runs/\\u202eabc"));
    assert.ok(info.includes("  f\\x1b: 1"), "flag names too (values are YAML-escaped, as Guild writes them)");
    const plain = runInfoLines(r, { cmd: null, sourcecode_digest: null, vcs_commit: null, scalars: [] });
    assert.ok(plain.includes("label: l\x1b[2J"), "exact without a filter");
    const data: CompareData = {
      header: ["run", "label\x1b"],
      rows: [
        {
          run: r,
          cells: new Map<string, string>([
            ["run", "9734f85e"],
            ["label\x1b", "a\u202eb"],
          ]),
        },
      ],
    } as unknown as CompareData;
    assert.deepEqual(compareTable(data, { text: safeText }), ["run       label\\x1b", "9734f85e  a\\u202eb"]);
    assert.deepEqual(compareTable(data), ["run       label\x1b", "9734f85e  a\u202eb"]);
  });
});
