import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { GuildFloat } from "@guildts/py";
import { tempDir } from "@guildts/testkit";
import {
  expandGrid,
  FlagError,
  functionDim,
  gridSize,
  gridTrials,
  impliedOptimizer,
  randomTrials,
  readBatchFile,
  sampleIndexes,
} from "../src/index.js";

describe("batches: when a run becomes one, and its trials (batch spec §1.2-1.5)", () => {
  test("a flag function makes a random search even beside lists; a list a grid; else none", () => {
    assert.equal(impliedOptimizer({ a: [1, 2], b: "uniform[0:1]" }), "random");
    assert.equal(impliedOptimizer({ a: [1, 2], b: 3 }), "+");
    assert.equal(impliedOptimizer({ a: 1, b: "x" }), null);
    assert.equal(impliedOptimizer({ a: "foo[1:2]" }), "random", "an unknown function still makes a batch (its error comes later)");
  });

  test("the grid: flags sorted by name, each list in its order, the last name varying fastest", () => {
    assert.deepEqual(expandGrid({ msg: ["b", "a"], loud: [false, true] }, 1), [
      { loud: false, msg: "b" },
      { loud: false, msg: "a" },
      { loud: true, msg: "b" },
      { loud: true, msg: "a" },
    ]);
    assert.equal(gridSize({ a: [1, 2, 3], b: [1, 2], c: 5 }), 6);
    assert.deepEqual(expandGrid({ a: [] }, 1), []);
  });

  test("-m on a grid: N distinct trials, seeded, in grid order; the bound without -m", () => {
    const flags = { x: Array.from({ length: 50 }, (_v, i) => i) };
    const a = gridTrials(flags, { maxTrials: 7, seed: 3 });
    assert.deepEqual(gridTrials(flags, { maxTrials: 7, seed: 3 }), a);
    assert.equal(new Set(a.map((t) => t.x)).size, 7);
    assert.deepEqual(
      a.map((t) => t.x),
      [...a.map((t) => t.x as number)].sort((p, q) => p - q),
    );
    assert.throws(
      () => gridTrials({ x: Array.from({ length: 101 }, (_v, i) => i), y: Array.from({ length: 100 }, (_v, i) => i) }, { seed: 1 }),
      /would run 10100 trials, more than 10000/,
    );
    // A grid too big to list is still sampled without listing it.
    const big = { x: Array.from({ length: 1000 }, (_v, i) => i), y: Array.from({ length: 1000 }, (_v, i) => i) };
    assert.equal(gridTrials(big, { maxTrials: 5, seed: 9 }).length, 5);
  });

  test("sampleIndexes: distinct, ascending, in range, for any size and count", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 2 ** 32 }),
        (size, n, seed) => {
          const idx = sampleIndexes(size, n, seed);
          assert.equal(idx.length, Math.min(size, n));
          for (let i = 0; i < idx.length; i++) {
            assert.ok(idx[i]! >= 0 && idx[i]! < size);
            if (i) assert.ok(idx[i]! > idx[i - 1]!);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test("random trials: in range, ints for int bounds, INITIAL first, lists as choices, seeded", () => {
    const flags = { lr: "loguniform[1e-4:1e-1]", n: "[2:5:3]", opt: ["sgd", "adam"], fixed: "x" };
    const trials = randomTrials(flags, 50, 11);
    assert.deepEqual(randomTrials(flags, 50, 11), trials);
    assert.notDeepEqual(randomTrials(flags, 50, 12), trials);
    assert.equal(trials[0]!.n, 3);
    for (const t of trials) {
      const lr = Number(t.lr);
      assert.ok(lr >= 1e-4 && lr <= 0.1, String(lr));
      assert.ok(Number.isInteger(t.n) && (t.n as number) >= 2 && (t.n as number) <= 5);
      assert.ok(t.opt === "sgd" || t.opt === "adam");
      assert.equal(t.fixed, "x");
    }
    assert.ok(new Set(trials.map((t) => t.n)).size > 2, "ints spread over the range");
    const real = randomTrials({ x: "uniform[0.0:1.0]" }, 5, 1);
    for (const t of real) assert.ok(typeof t.x === "number" || t.x instanceof GuildFloat);
    assert.throws(
      () => randomTrials({ x: 1, y: "a" }, 3, 1),
      (e: Error) =>
        e instanceof FlagError &&
        e.message ===
          "flags for batch (x=1, y=a) do not contain any search dimensions\nTry specifying a range for one or more flags as NAME=[MIN:MAX].",
    );
  });

  test("function errors are Guild's texts", () => {
    const msg = (v: string) => {
      try {
        functionDim("lr", v);
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.equal(msg("foo[1:2]"), "unknown function 'foo' used for flag lr");
    assert.equal(msg("uniform[1:2:3:4]"), "uniform requires 2 or 3 args, got (1, 2, 3, 4) for flag lr");
    assert.equal(
      msg("loguniform[0:1]"),
      "invalid function args in 'lr=loguniform[0:1]': the lower bound 0 must be greater than 0 for a log-uniform prior",
    );
    assert.deepEqual(functionDim("lr", "[1:4]"), { kind: "int", low: 1, high: 4, initial: null });
    assert.equal(functionDim("lr", "[0.5:4]").kind, "real");
  });

  test("batch files: CSV cells decoded as flag values; a CSV error names its line", () => {
    const dir = tempDir("guildts-batchfile-unit-");
    fs.writeFileSync(path.join(dir, "t.csv"), 'a,b,c\n1,x,"[1,2]"\n2.5,yes,\n');
    assert.deepEqual(readBatchFile("t.csv", dir), [
      { a: 1, b: "x", c: [1, 2] },
      { a: 2.5, b: true, c: "" },
    ]);
    fs.writeFileSync(path.join(dir, "bad.csv"), 'a,b\n1,2\n3,"4\n');
    assert.throws(() => readBatchFile("bad.csv", dir), /^FlagError: cannot read trials for \.\/bad\.csv \(line \d+\): /);
    fs.writeFileSync(path.join(dir, "ragged.csv"), "a,b\n1,2,3\n");
    assert.throws(
      () => readBatchFile("ragged.csv", dir),
      /^FlagError: cannot read trials for \.\/ragged\.csv \(line 2\): Invalid Record Length: expect 2, got 3$/,
    );
  });
});
