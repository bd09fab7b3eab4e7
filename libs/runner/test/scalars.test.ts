import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { readEventFile } from "@guildts/runstore";
import { fixtureDir, tempDir } from "@guildts/testkit";
import { compileOutputScalars, crc32c, encodeEvent, encodeRecord, EventFileWriter, maskedCrc, ScalarLogger } from "../src/index.js";

/** Records of a TFRecord file: [data, wall_time, step] with the raw bytes of each record. */
function records(buf: Buffer): { raw: Buffer; data: Buffer }[] {
  const out = [];
  for (let pos = 0; pos + 12 <= buf.length; ) {
    const len = Number(buf.readBigUInt64LE(pos));
    out.push({ raw: buf.subarray(pos, pos + 16 + len), data: buf.subarray(pos + 12, pos + 12 + len) });
    pos += 16 + len;
  }
  return out;
}

const eventFiles = (): string[] => {
  const runs = path.join(fixtureDir(), "home", "runs");
  return fs.readdirSync(runs).flatMap((id) =>
    fs
      .readdirSync(path.join(runs, id, ".guild"))
      .filter((f) => f.startsWith("events.out.tfevents."))
      .map((f) => path.join(runs, id, ".guild", f)),
  );
};

describe("TensorBoard event files", () => {
  test("CRC32C and its mask", () => {
    assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  test("every record Guild 0.9.1 wrote in the fixture is reproduced byte for byte", () => {
    const files = eventFiles();
    assert.ok(files.length >= 6);
    let n = 0;
    for (const file of files) {
      const recs = records(fs.readFileSync(file));
      assert.deepEqual(Buffer.from(encodeRecord(encodeEvent({ fileVersion: "brain.Event:2" }))), recs[0]!.raw);
      const scalars: { tag: string; value: number; step: number }[] = [];
      readEventFile(fs.readFileSync(file), (tag, value, step) => scalars.push({ tag, value, step }));
      recs.slice(1).forEach((r, i) => {
        const s = scalars[i]!;
        const wallTime = r.data.readDoubleLE(1); // field 1 (0x09) comes first
        const again = Buffer.from(encodeRecord(encodeEvent({ wallTime, step: s.step, scalars: [{ tag: s.tag, value: s.value }] })));
        assert.deepEqual(again, r.raw, `${path.basename(file)} record ${i + 1}`);
        assert.equal(r.raw.readUInt32LE(8), maskedCrc(r.raw.subarray(0, 8)));
        n++;
      });
    }
    assert.ok(n >= 20, `${n} scalar records compared`);
  });

  test("a file written here reads back with the same scalars", () => {
    const dir = tempDir();
    const w = new EventFileWriter(dir, { now: () => 1795714964.5, host: "h", pid: 7 });
    w.addScalar("loss", 0.25, 0);
    w.addScalar("acc", 0.75, 3);
    w.close();
    assert.equal(path.basename(w.path), "events.out.tfevents.1795714964.h.7." + path.basename(w.path).split(".").pop());
    const got: unknown[] = [];
    readEventFile(fs.readFileSync(w.path), (tag, value, step) => got.push([tag, value, step]));
    assert.deepEqual(got, [
      ["loss", 0.25, 0],
      ["acc", 0.75, 3],
    ]);
  });
});

describe("output scalars", () => {
  const run = (config: unknown, lines: string[], flags: string[] = []) => {
    const got: [string, number, number][] = [];
    const logger = new ScalarLogger(compileOutputScalars(config, flags)!, {
      addScalar: (t, v, s) => got.push([t, Math.fround(v), s]),
      flush() {},
      close() {},
    });
    for (const l of lines) logger.onLine(l);
    return got;
  };

  test("the fixture runs' output gives exactly the scalars Guild logged", () => {
    for (const file of eventFiles()) {
      const output = fs.readFileSync(path.join(path.dirname(file), "output"), "utf8").split("\n");
      const want: [string, number, number][] = [];
      readEventFile(fs.readFileSync(file), (tag, value, step) => want.push([tag, value, step]));
      assert.deepEqual(run(undefined, output), want, file);
    }
  });

  test("the spec's examples: implied steps, sticky step, flag names ignored, trailing parentheses", () => {
    assert.deepEqual(
      run(undefined, ["x: 1", "y: 2", "x: 3", "y: 4"]).map((r) => r[2]),
      [0, 0, 1, 1],
    );
    assert.deepEqual(
      run(undefined, ["x: 1", "y: 1", "y: 1", "y: 1", "x: 1", "y: 1"]).map((r) => r[2]),
      [0, 0, 1, 2, 2, 3],
    );
    assert.deepEqual(run(undefined, ["val: 0.1", "step: 5", "val: 0.2"]), [
      ["val", Math.fround(0.1), 0],
      ["val", Math.fround(0.2), 5],
    ]);
    assert.deepEqual(run(undefined, ["x: 99", "note: hello"], ["x"]), []);
    assert.deepEqual(
      run(undefined, ["loss: 0.5 (step 3)", "acc: 1 (10)"]).map((r) => r[2]),
      [3, 10],
    );
    assert.deepEqual(run(undefined, ["WARNING: bad thing", "  indented: 1"]), []);
    assert.equal(compileOutputScalars(false), null);
    assert.equal(compileOutputScalars([]), null);
    assert.deepEqual(run({ acc: "accuracy=(\\value)" }, ["accuracy=0.5"]), [["acc", 0.5, 0]]);
    assert.deepEqual(run(["(\\key)=(\\value)"], ["a=1 b=2"]), [
      ["a", 1, 0],
      ["b", 2, 0],
    ]);
    assert.deepEqual(run(["epoch (?P<step>\\step): loss=(?P<loss>\\value)"], ["epoch 4: loss=0.25"]), [["loss", 0.25, 4]]);
  });
});
