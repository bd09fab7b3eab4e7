import assert from "node:assert/strict";
import { test } from "node:test";
import { compileFilter, FilterError, isEmptyFilter, runView, scopePredicate, sortRuns } from "../src/index.js";
import { rec } from "./records.js";

const runs = [
  rec("a1", { operation: "mnist:train", status: "completed", label: "baseline", started: 5 }),
  rec("b2", { operation: "mnist:test", status: "error", label: null, started: 4 }),
  rec("c3", { operation: "train", status: "terminated", label: "  ", started: 3, tags: ["candidate"] }),
  rec("d4", { operation: "finetune", status: "staged", label: "first try", started: 2, marked: true }),
];
const ids = (f: Parameters<typeof compileFilter>[0]) => runs.filter(compileFilter(f)).map((r) => r.id);

test("operation filter: substring as in the runs guide, OR over values, regex with ^ or $", () => {
  assert.deepEqual(ids({ ops: ["train"] }), ["a1", "c3"]);
  assert.deepEqual(ids({ ops: ["test", "fine"] }), ["b2", "d4"]);
  assert.deepEqual(ids({ ops: ["^train$"] }), ["c3"]);
  assert.deepEqual(ids({ ops: ["^mnist:"] }), ["a1", "b2"]);
  assert.throws(() => compileFilter({ ops: ["^("] }), FilterError);
});

test("status filters combine with OR (-ET = error or terminated)", () => {
  assert.deepEqual(ids({ statuses: ["error", "terminated"] }), ["b2", "c3"]);
  assert.deepEqual(ids({ statuses: ["running"] }), []);
  assert.deepEqual(ids({ statuses: [] }), ["a1", "b2", "c3", "d4"]);
});

test("label, unlabeled, tag and marked filters; different kinds AND together", () => {
  assert.deepEqual(ids({ labels: ["base"] }), ["a1"]);
  assert.deepEqual(ids({ labels: ["-"] }), ["b2", "c3"]);
  assert.deepEqual(ids({ unlabeled: true }), ["b2", "c3"]);
  assert.deepEqual(ids({ tags: ["candidate"] }), ["c3"]);
  assert.deepEqual(ids({ marked: true }), ["d4"]);
  assert.deepEqual(ids({ unmarked: true }), ["a1", "b2", "c3"]);
  assert.deepEqual(ids({ ops: ["train"], statuses: ["completed"] }), ["a1"]);
  assert.throws(() => compileFilter({ labels: ["x"], unlabeled: true }), /--label and --unlabeled cannot both be used/);
});

test("sorting: newest first by started, else initialized; no timestamp last; ties by id", () => {
  const rs = [
    rec("z", { started: null, initialized: null }),
    rec("y", { started: null, initialized: 10 }),
    rec("b", { started: 7 }),
    rec("a", { started: 7 }),
    rec("x", { started: 20 }),
  ];
  assert.deepEqual(
    sortRuns(rs).map((r) => r.id),
    ["x", "y", "a", "b", "z"],
  );
});

test("local scope keeps guildfile runs of the directory's model definition only", () => {
  const p = (pkg: string, type = "guildfile") => rec(pkg, { opref: { type, pkg, version: "", model: "", op: "o" } });
  const keep = scopePredicate({ kind: "local", dir: "/home/alice/mnist" });
  assert.equal(keep(p("/home/alice/mnist/guild.yml")), true);
  assert.equal(keep(p("/home/alice/mnist/MODELS")), true);
  assert.equal(keep(p("/home/alice/mnist")), true, "pre-0.9 runs stored the project dir");
  assert.equal(keep(p("/home/alice/iris/guild.yml")), false);
  assert.equal(keep(p("/home/alice/mnist/sub/guild.yml")), false);
  assert.equal(keep(p("/home/alice/mnist", "script")), false);
  assert.equal(keep(rec("n", { opref: null })), false);
  assert.equal(scopePredicate({ kind: "global" })(rec("n", { opref: null })), true);
});

test("runView scopes, filters and sorts without touching its input", () => {
  const input = [...runs].reverse();
  const v = runView(input, { scope: { kind: "global" }, filter: { ops: ["train"] } });
  assert.deepEqual(
    v.map((r) => r.id),
    ["a1", "c3"],
  );
  assert.deepEqual(
    input.map((r) => r.id),
    ["d4", "c3", "b2", "a1"],
  );
});

// ---- cases mutation testing found untested (bench/MUTATION.md) ----

test("several --label or --tag values are OR: a run needs only one of them", () => {
  const rs = [
    rec("p", { label: "alpha beta", tags: ["x", "y"] }),
    rec("q", { label: "alpha", tags: ["x"] }),
    rec("r", { label: "gamma", tags: ["y"] }),
    rec("s", { label: null, tags: [] }),
  ];
  const pick = (f: Parameters<typeof compileFilter>[0]) => rs.filter(compileFilter(f)).map((r) => r.id);
  assert.deepEqual(pick({ labels: ["alpha", "gamma"] }), ["p", "q", "r"]);
  assert.deepEqual(pick({ labels: ["beta", "-"] }), ["p", "s"]);
  assert.deepEqual(pick({ tags: ["x", "y"] }), ["p", "q", "r"]);
  assert.deepEqual(pick({ tags: ["y"], labels: ["alpha"] }), ["p"], "different kinds still AND");
});

test("an operation pattern is a regex when it starts with ^ or ends with $ (op$), a substring otherwise", () => {
  const rs = [rec("a", { operation: "mnist:train" }), rec("b", { operation: "train2" }), rec("c", { operation: "x$y" })];
  const pick = (op: string) => rs.filter(compileFilter({ ops: [op] })).map((r) => r.id);
  assert.deepEqual(pick("train$"), ["a"], "`$` anchors at the end");
  assert.deepEqual(pick("^train"), ["b"]);
  assert.deepEqual(pick("$y"), ["c"], "a `$` elsewhere is text");
  assert.deepEqual(pick("^x\\$"), ["c"]);
  assert.throws(() => compileFilter({ ops: ["(train$"] }), /invalid operation pattern '\(train\$'/);
});

test("--marked with --unmarked is refused", () => {
  assert.throws(() => compileFilter({ marked: true, unmarked: true }), /--marked and --unmarked cannot both be used/);
  assert.throws(() => compileFilter({ marked: true, unmarked: true }), FilterError);
});

test("isEmptyFilter: true only when no filter of any kind is set", () => {
  assert.equal(isEmptyFilter({}), true);
  assert.equal(isEmptyFilter({ ops: [], statuses: [], labels: [], tags: [], unlabeled: false, marked: false, unmarked: false }), true);
  for (const f of [
    { ops: ["t"] },
    { statuses: ["error" as const] },
    { labels: ["l"] },
    { unlabeled: true },
    { tags: ["t"] },
    { marked: true },
    { unmarked: true },
  ]) {
    assert.equal(isEmptyFilter(f), false, JSON.stringify(f));
  }
});
