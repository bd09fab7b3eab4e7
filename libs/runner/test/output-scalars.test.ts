import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { readAttr, readEventFile } from "@guildts/runstore";
import { fixtureDir, tempDir } from "@guildts/testkit";
import {
  compileOutputScalars,
  DEFAULT_OUTPUT_SCALARS,
  EventFileWriter,
  OutputScalarsConfigError,
  ScalarLogger,
  StepTracker,
  type ScalarWriter,
} from "../src/scalars-index.js";

type Row = [tag: string, value: number, step: number];

/** A writer that records what it is given (values as the float32 the event file stores). */
function recorder(): ScalarWriter & { rows: Row[]; calls: string[] } {
  const rows: Row[] = [];
  const calls: string[] = [];
  return {
    rows,
    calls,
    addScalar(tag, value, step) {
      rows.push([tag, Math.fround(value), step]);
      calls.push("add");
    },
    flush() {
      calls.push("flush");
    },
    close() {
      calls.push("close");
    },
  };
}

function run(config: unknown, lines: (string | Uint8Array)[], flags: string[] = [], warnings: string[] = []): Row[] {
  const matcher = compileOutputScalars(config, flags, { warn: (m) => warnings.push(m) });
  assert.ok(matcher, "output scalars enabled");
  const w = recorder();
  const logger = new ScalarLogger(matcher, w);
  for (const l of lines) logger.onLine(l);
  logger.close();
  return w.rows;
}

const f = Math.fround;
const steps = (rows: Row[]) => rows.map((r) => r[2]);

/* ------------------------------------------------------------------------------------------ */

interface FixtureRun {
  id: string;
  dir: string;
  /** Complete output lines as Guild's tee hands them to the callback: bytes below 9 dropped. */
  lines: Uint8Array[];
  flags: string[];
  eventFile: string | null;
}

function fixtureRuns(): FixtureRun[] {
  const runs = path.join(fixtureDir(), "home", "runs");
  return fs
    .readdirSync(runs)
    .sort()
    .filter((id) => fs.existsSync(path.join(runs, id, ".guild", "output")))
    .map((id) => {
      const dir = path.join(runs, id);
      const out = fs.readFileSync(path.join(dir, ".guild", "output"));
      const lines: Uint8Array[] = [];
      let line: number[] = [];
      for (const b of out) {
        if (b < 9) continue;
        line.push(b);
        if (b === 10) {
          lines.push(Uint8Array.from(line));
          line = [];
        }
      }
      const flags = readAttr(dir, "flags");
      const events = fs.readdirSync(path.join(dir, ".guild")).filter((n) => n.startsWith("events.out.tfevents."));
      assert.ok(events.length <= 1);
      return {
        id,
        dir,
        lines,
        flags: flags && typeof flags === "object" && !Array.isArray(flags) ? Object.keys(flags) : [],
        eventFile: events[0] ? path.join(dir, ".guild", events[0]) : null,
      };
    });
}

function eventRows(file: string | null): Row[] {
  const rows: Row[] = [];
  if (file) readEventFile(fs.readFileSync(file), (tag, value, step) => rows.push([tag, value, step]));
  return rows;
}

/** The wall times of a fixture file's scalar records (field 1 comes first in each record). */
function wallTimes(file: string): number[] {
  const buf = fs.readFileSync(file);
  const out: number[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const len = Number(buf.readBigUInt64LE(pos));
    if (buf[pos + 12] === 0x09) out.push(buf.readDoubleLE(pos + 13));
    pos += 16 + len;
  }
  return out;
}

describe("output scalars: the fixture runs", () => {
  test("each run's .guild/output gives exactly the (tag, value, step) sequence of its event file", () => {
    const all = fixtureRuns();
    assert.equal(all.length, 7);
    let compared = 0;
    for (const r of all) {
      const got = run(undefined, r.lines, r.flags);
      assert.deepEqual(got, eventRows(r.eventFile), r.id);
      compared += got.length;
    }
    assert.equal(compared, 28);
  });

  test("the iris runs print acc/loss without a step: both at step 0", () => {
    const iris = fixtureRuns().filter((r) => fs.readFileSync(path.join(r.dir, ".guild", "opref"), "utf8").includes("/iris/"));
    assert.equal(iris.length, 2);
    for (const r of iris) {
      const got = run(undefined, r.lines, r.flags);
      assert.deepEqual(steps(got), [0, 0]);
      assert.deepEqual(
        got.map((x) => x[0]),
        ["acc", "loss"],
      );
    }
  });

  test("matcher + writer with Guild's clock write each fixture event file again, byte for byte", () => {
    for (const r of fixtureRuns()) {
      const dir = tempDir();
      let created = 0;
      let clock: number[] = [];
      let host = "h";
      let pid = 1;
      if (r.eventFile) {
        const [, , , secs, h, p] = path.basename(r.eventFile).split(".") as [string, string, string, string, string, string];
        host = h;
        pid = Number(p);
        clock = [Number(secs) + 0.5, ...wallTimes(r.eventFile)]; // the file name, then each scalar
      }
      let writer: EventFileWriter | null = null;
      const logger = new ScalarLogger(compileOutputScalars(undefined, r.flags)!, () => {
        created++;
        writer = new EventFileWriter(path.join(dir, ".guild"), { now: () => clock.shift()!, host, pid, uid: 0 });
        return writer;
      });
      for (const l of r.lines) logger.onLine(l);
      logger.close();
      if (!r.eventFile) {
        assert.equal(created, 0, `${r.id}: no scalars, no event file`);
        assert.equal(fs.existsSync(path.join(dir, ".guild")), false);
        continue;
      }
      assert.equal(created, 1);
      const w = writer as EventFileWriter | null;
      assert.ok(w);
      assert.equal(path.basename(w.path), path.basename(r.eventFile));
      assert.ok(fs.readFileSync(w.path).equals(fs.readFileSync(r.eventFile)), r.id);
      assert.equal(clock.length, 0);
    }
  });
});

/* ------------------------------------------------------------------------------------------ */

describe("output scalars: default patterns (spec §5.1)", () => {
  test("the defaults are Guild 0.9's two patterns, step pattern first", () => {
    assert.equal(DEFAULT_OUTPUT_SCALARS.length, 2);
    const m = compileOutputScalars(undefined)!;
    assert.deepEqual(
      m.patterns.map((p) => p.key),
      [null, null],
    );
    assert.match(m.patterns[0]!.pattern, /\(\?P<step>\[0-9\]\+\)\\\)\$$/);
    assert.ok(m.patterns[1]!.pattern.startsWith("^([_a-zA-Z]\\S*):\\s+((?:[-+]?[0-9]*"));
  });

  test("`key: value`, and a step from `(step N)` or `(N)`", () => {
    const m = compileOutputScalars(undefined)!;
    assert.deepEqual(m.match("loss: 0.5"), [{ key: "loss", value: 0.5 }]);
    assert.deepEqual(m.match("loss: 0.5 (step 3)"), [
      { key: "step", value: 3 },
      { key: "loss", value: 0.5 },
    ]);
    assert.deepEqual(m.match("acc: 1 (10)"), [
      { key: "step", value: 10 },
      { key: "acc", value: 1 },
    ]);
    assert.deepEqual(run(undefined, ["loss: 0.5 (step 3)", "acc: 1 (10)"]), [
      ["loss", 0.5, 3],
      ["acc", 1, 10],
    ]);
  });

  test("anything in trailing parentheses is ignored", () => {
    assert.deepEqual(run(undefined, ["loss: 0.25 (best so far)"]), [["loss", 0.25, 0]]);
  });

  test("\\key is [_a-zA-Z]\\S*: no leading digit or blank; any non-blank after", () => {
    assert.deepEqual(run(undefined, ["1x: 2", "  indented: 1", "_x: 2", "a.b/c-d: 3"]), [
      ["_x", 2, 0],
      ["a.b/c-d", 3, 0],
    ]);
  });

  test("\\value forms: signs, exponents, leading/trailing dots, nan, inf", () => {
    const rows = run(undefined, ["a: -1.5e-3", "b: +2", "c: .5", "d: 5.", "e: nan", "f: -inf", "g: +INF", "h: 1E2"]);
    assert.deepEqual(
      rows.map((r) => r[0]),
      ["a", "b", "c", "d", "e", "f", "g", "h"],
    );
    assert.deepEqual(
      rows.map((r) => r[1]),
      [f(-1.5e-3), 2, 0.5, 5, NaN, -Infinity, Infinity, 100],
    );
  });

  test("\\value also matches `e6`, `.` and the empty string; those fail float() and are dropped", () => {
    assert.deepEqual(run(undefined, ["x: e6", "x: .", "x: ", "x: -", "WARNING: Invalid input", "error: simulated failure"]), []);
  });

  test("lines are right-stripped (Unicode whitespace, \\r) before matching", () => {
    assert.deepEqual(run(undefined, ["loss: 1   ", "acc: 2\r", "x: 3\u00a0\u3000", "y: 4\x1c"]), [
      ["loss", 1, 0],
      ["acc", 2, 0],
      ["x", 3, 0],
      ["y", 4, 0],
    ]);
  });

  test("bytes are decoded as UTF-8 ignoring errors: invalid bytes vanish, they are not replaced", () => {
    assert.deepEqual(run(undefined, [Buffer.from([0x6c, 0x6f, 0xff, 0x73, 0x73, 0x3a, 0x20, 0x31, 0x0a])]), [["loss", 1, 0]]);
    // A BOM is kept (Python's "utf-8", not "utf-8-sig"), so `^\\key` does not match after it.
    assert.deepEqual(run(undefined, [Buffer.from("\ufeffloss: 1\n")]), []);
  });

  test("flag names are ignored by the default patterns (spec [obs]: `x: 99` with flag x)", () => {
    assert.deepEqual(run(undefined, ["x: 99", "note: hello", "y: 1"], ["x"]), [["y", 1, 0]]);
  });

  test("... but ignored keys still count for the implied step", () => {
    // x is a flag: not written, yet its repeat moves the implied step as in Guild.
    assert.deepEqual(run(undefined, ["x: 1", "y: 1", "x: 2", "y: 2"], ["x"]), [
      ["y", 1, 0],
      ["y", 2, 1],
    ]);
  });
});

describe("output scalars: steps (spec §5.3)", () => {
  test("implied steps: x,y,x,y → 0,0,1,1 and x,y,y,y,x,y → 0,0,1,2,2,3", () => {
    assert.deepEqual(steps(run(undefined, ["x: 1", "y: 2", "x: 3", "y: 4"])), [0, 0, 1, 1]);
    assert.deepEqual(steps(run(undefined, ["x: 1", "y: 2", "y: 3", "y: 4", "x: 5", "y: 6"])), [0, 0, 1, 2, 2, 3]);
    assert.deepEqual(steps(run(undefined, ["x: 1", "y: 2", "z: 3"])), [0, 0, 0]);
    assert.deepEqual(steps(run(undefined, ["x: 1", "x: 2", "x: 3"])), [0, 1, 2]);
  });

  test("a `step` key is sticky for all following lines (spec [obs]: val 0.1@0, val 0.2@5)", () => {
    assert.deepEqual(run(undefined, ["val: 0.1", "step: 5", "val: 0.2"]), [
      ["val", f(0.1), 0],
      ["val", f(0.2), 5],
    ]);
    assert.deepEqual(run(undefined, ["step: 1", "loss: 1", "loss: 2", "acc: 3", "step: 2", "loss: 4"]), [
      ["loss", 1, 1],
      ["loss", 2, 1],
      ["acc", 3, 1],
      ["loss", 4, 2],
    ]);
  });

  test("once a step was given, implied steps stop (Guild's output-scalars test)", () => {
    assert.deepEqual(run(undefined, ["x: 1.1", "y: 2.2", "x: 3.3", "y: 4.4 (10)", "x: 5.5", "y: 6.6"]), [
      ["x", f(1.1), 0],
      ["y", f(2.2), 0],
      ["x", f(3.3), 1],
      ["y", f(4.4), 10],
      ["x", f(5.5), 10],
      ["y", f(6.6), 10],
    ]);
  });

  test("steps are written as Python's int(step): 1.7 → 1; step 0 is kept", () => {
    assert.deepEqual(run(undefined, ["step: 1.7", "a: 1", "step: 0", "a: 2"]), [
      ["a", 1, 1],
      ["a", 2, 0],
    ]);
  });

  test("a step that int() rejects (nan, inf) stops the logger, as Guild drops its output callback", () => {
    const w = recorder();
    const errors: unknown[] = [];
    const logger = new ScalarLogger(compileOutputScalars(undefined)!, w, { onError: (e) => errors.push(e) });
    logger.onLine("a: 1");
    logger.onLine("step: nan");
    logger.onLine("a: 2");
    logger.onLine("step: 3");
    logger.onLine("a: 3");
    assert.deepEqual(w.rows, [["a", 1, 0]]);
    assert.equal(errors.length, 1);
    assert.ok(logger.error instanceof RangeError);
  });

  test("StepTracker on its own", () => {
    const s = new StepTracker();
    assert.equal(s.forLineKeys(["a", "b"]), 0);
    assert.equal(s.forLineKeys(["c"]), 0);
    assert.equal(s.forLineKeys(["a"]), 1);
    assert.equal(s.forLineKeys(["b"]), 1);
    assert.equal(s.forLineKeys(["b"]), 2);
    s.setStep(7);
    assert.equal(s.forLineKeys(["b"]), 7);
  });

  test("keys of a line are written in sorted (code point) order, each followed by a flush", () => {
    const m = compileOutputScalars(["(?P<zeta>\\value) (?P<alpha>\\value) (?P<Beta>\\value)"])!;
    const w = recorder();
    const logger = new ScalarLogger(m, w);
    assert.deepEqual(logger.onLine("1 2 3"), ["zeta", "alpha", "Beta", "step"]);
    assert.deepEqual(
      w.rows.map((r) => r[0]),
      ["Beta", "alpha", "zeta"],
    );
    assert.deepEqual(w.calls, ["add", "flush", "add", "flush", "add", "flush"]);
  });

  test("onLine returns the captured keys (step included), which Guild keeps out of output attrs", () => {
    const logger = new ScalarLogger(compileOutputScalars(undefined, ["x"])!, recorder());
    assert.deepEqual(logger.onLine("loss: 1 (step 2)"), ["loss", "step"]);
    assert.deepEqual(logger.onLine("step: 3"), ["step"]);
    assert.deepEqual(logger.onLine("x: 1"), ["x", "step"]);
    assert.deepEqual(logger.onLine("hello"), []);
  });

  test("a writer factory is called on the first scalar only (the event file is created lazily)", () => {
    let made = 0;
    const w = recorder();
    const logger = new ScalarLogger(compileOutputScalars(undefined)!, () => (made++, w));
    logger.onLine("hello");
    logger.onLine("step: 1");
    assert.equal(made, 0);
    logger.onLine("loss: 1");
    logger.onLine("loss: 2");
    assert.equal(made, 1);
    logger.close();
    assert.deepEqual(w.calls.at(-1), "close");
    const idle = new ScalarLogger(compileOutputScalars(undefined)!, () => assert.fail("not needed"));
    idle.onLine("nothing here");
    idle.close();
  });
});

describe("output scalars: configuration forms (spec §5.2)", () => {
  test("unset (undefined or null) → the defaults", () => {
    assert.deepEqual(run(null, ["a: 1"]), [["a", 1, 0]]);
  });

  test("`no` (false) and [] → disabled", () => {
    assert.equal(compileOutputScalars(false), null);
    assert.equal(compileOutputScalars([]), null);
  });

  test("a string → one pattern; two groups are key and value", () => {
    assert.deepEqual(run("(\\key)=(\\value)", ["a=1 b=2", "loss: 3"]), [
      ["a", 1, 0],
      ["b", 2, 0],
    ]);
  });

  test("a mapping → {key: pattern}, the single group is the value; keys in sorted order", () => {
    const m = compileOutputScalars({ loss: "loss=(\\value)", acc: "accuracy=(\\value)" })!;
    assert.deepEqual(
      m.patterns.map((p) => p.key),
      ["acc", "loss"],
    );
    assert.deepEqual(run({ loss: "loss=(\\value)", acc: "accuracy=(\\value)" }, ["loss=0.5 accuracy=0.75"]), [
      ["acc", 0.75, 0],
      ["loss", 0.5, 0],
    ]);
  });

  test("a mapping key `step` sets the step", () => {
    assert.deepEqual(run({ step: "Epoch (\\step)", loss: "loss=(\\value)" }, ["Epoch 4", "loss=0.5"]), [["loss", 0.5, 4]]);
  });

  test("a list mixes strings and mappings; later patterns overwrite earlier ones for the same key", () => {
    assert.deepEqual(run(["(\\key)=(\\value)", { a: "A is (\\value)" }], ["a=1 b=2 A is 9"]), [
      ["a", 9, 0],
      ["b", 2, 0],
    ]);
  });

  test("later matches of one pattern overwrite earlier ones", () => {
    assert.deepEqual(run(["(\\key)=(\\value)"], ["a=1 a=2"]), [["a", 2, 0]]);
  });

  test("named groups: each name is a key, `step` is the step, unnamed groups are then ignored", () => {
    assert.deepEqual(run(["epoch (?P<step>\\step): loss=(?P<loss>\\value) (\\value)"], ["epoch 4: loss=0.25 7"]), [["loss", 0.25, 4]]);
  });

  test("a _key/_val pair sets key and value explicitly (other named groups then ignored)", () => {
    assert.deepEqual(run(["(?P<_key>\\w+) is (?P<_val>\\value)(?P<other>!?)"], ["speed is 12! mass is 3"]), [
      ["mass", 3, 0],
      ["speed", 12, 0],
    ]);
  });

  test("with explicit config, flag names are not ignored", () => {
    assert.deepEqual(run(["^(\\key):\\s+(\\value)$"], ["x: 99"], ["x"]), [["x", 99, 0]]);
  });

  test("invalid regexes and bad items are warned about and skipped", () => {
    const warnings: string[] = [];
    const rows = run(
      ["(unclosed", 42, { a: 7, b: "b=(\\value)" }, "x\\e", "(a)(b)(c)", "ok=(?P<ok>\\value)"],
      ["b=1 ok=2 abc"],
      [],
      warnings,
    );
    assert.deepEqual(rows, [
      ["b", 1, 0],
      ["ok", 2, 0],
    ]);
    assert.equal(warnings.length, 5);
    assert.match(warnings[0]!, /^error compiling pattern \(unclosed: missing \), unterminated subpattern/);
    assert.equal(warnings[1], "invalid item config: 42");
    assert.equal(warnings[2], "invalid output scalar pattern: 7");
    assert.match(warnings[3]!, /^error compiling pattern x\\e: bad escape \\e/);
    assert.equal(warnings[4], "bad unnamed group count 3 for '(a)(b)(c)' (expected 1 or 2) skipping");
  });

  test("a plain string pattern with one group has no key (Python's None): written with an empty tag", () => {
    assert.deepEqual(run(["loss=(\\value)"], ["loss=0.5"]), [["", 0.5, 0]]);
  });

  test("any other top-level value is rejected as Guild's Guild file check does", () => {
    assert.throws(() => compileOutputScalars(true), OutputScalarsConfigError);
    assert.throws(
      () => compileOutputScalars(3),
      /^OutputScalarsConfigError: invalid output-scalars 3: expected a mapping, list, string, or false$/,
    );
  });
});
