import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { readEventFile } from "@guildts/runstore";
import { fixtureDir, tempDir } from "@guildts/testkit";
import {
  crc32c,
  encodeEvent,
  encodeRecord,
  eventFileName,
  EventFileWriter,
  maskCrc,
  maskedCrc,
  stepToInt64,
} from "../src/scalars-index.js";

/* A decoder written independently of the encoder: TFRecord framing, then the Event fields. */

interface RawRecord {
  raw: Buffer;
  lenBytes: Buffer;
  lenCrc: number;
  data: Buffer;
  dataCrc: number;
}

function records(buf: Buffer): RawRecord[] {
  const out: RawRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    assert.ok(pos + 12 <= buf.length, "truncated record header");
    const len = Number(buf.readBigUInt64LE(pos));
    const end = pos + 12 + len + 4;
    assert.ok(end <= buf.length, "truncated record");
    out.push({
      raw: buf.subarray(pos, end),
      lenBytes: buf.subarray(pos, pos + 8),
      lenCrc: buf.readUInt32LE(pos + 8),
      data: buf.subarray(pos + 12, pos + 12 + len),
      dataCrc: buf.readUInt32LE(pos + 12 + len),
    });
    pos = end;
  }
  return out;
}

interface DecodedEvent {
  wallTime?: number;
  step?: number;
  fileVersion?: string;
  scalars?: { tag: string; value: number; bits: number }[];
  /** Field numbers in the order they appear. */
  order: number[];
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

function decodeEvent(data: Buffer): DecodedEvent {
  const e: DecodedEvent = { order: [] };
  const r = new Reader(data);
  while (r.pos < r.end) {
    const key = Number(r.varint());
    const field = key >> 3;
    const wire = key & 7;
    e.order.push(field);
    if (field === 1 && wire === 1) {
      e.wallTime = data.readDoubleLE(r.pos);
      r.pos += 8;
    } else if (field === 2 && wire === 0) e.step = Number(BigInt.asIntN(64, r.varint()));
    else if (field === 3 && wire === 2) e.fileVersion = r.bytes().toString("utf8");
    else if (field === 5 && wire === 2) {
      const summary = r.bytes();
      const s = new Reader(summary);
      e.scalars = [];
      while (s.pos < s.end) {
        assert.equal(Number(s.varint()), (1 << 3) | 2, "Summary.value");
        const value = s.bytes();
        const v = new Reader(value);
        let tag = "";
        let bits = 0;
        let f = 0;
        while (v.pos < v.end) {
          const k = Number(v.varint());
          if (k === ((1 << 3) | 2)) tag = v.bytes().toString("utf8");
          else if (k === ((2 << 3) | 5)) {
            f = value.readFloatLE(v.pos);
            bits = value.readUInt32LE(v.pos);
            v.pos += 4;
          } else assert.fail(`unexpected Summary.Value field key ${k}`);
        }
        e.scalars.push({ tag, value: f, bits });
      }
    } else assert.fail(`unexpected Event field ${field} wire ${wire}`);
  }
  return e;
}

const fixtureEventFiles = (): string[] => {
  const runs = path.join(fixtureDir(), "home", "runs");
  return fs
    .readdirSync(runs)
    .sort()
    .flatMap((id) => {
      const dir = path.join(runs, id, ".guild");
      return fs.existsSync(dir)
        ? fs
            .readdirSync(dir)
            .filter((f) => f.startsWith("events.out.tfevents."))
            .map((f) => path.join(dir, f))
        : [];
    });
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("CRC-32C", () => {
  test("known vectors (RFC 3720 B.4 and the usual check value)", () => {
    assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(0)), 0);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
    assert.equal(crc32c(Buffer.from("The quick brown fox jumps over the lazy dog")), 0x22620404);
  });

  test("the mask: rotate right by 15, add 0xa282ead8 modulo 2^32", () => {
    assert.equal(maskCrc(0), 0xa282ead8);
    assert.equal(maskCrc(0xffffffff), 0xa282ead7);
    assert.equal(maskCrc(0x00008000), 0xa282ead9); // bit 15 rotates to bit 0
    assert.equal(maskCrc(1), (0x00020000 + 0xa282ead8) >>> 0);
    assert.equal(maskedCrc(Buffer.from("123456789")), maskCrc(0xe3069283));
    // The length of the 15-byte file_version record, as stored in every fixture file: 6d 53 2b 09.
    assert.equal(maskedCrc(Buffer.from("0f00000000000000", "hex")), 0x092b536d);
  });

  test("every masked CRC stored in the fixture files", () => {
    let n = 0;
    for (const file of fixtureEventFiles()) {
      for (const r of records(fs.readFileSync(file))) {
        assert.equal(maskedCrc(r.lenBytes), r.lenCrc, `${file}: length crc`);
        assert.equal(maskedCrc(r.data), r.dataCrc, `${file}: data crc`);
        n += 2;
      }
    }
    assert.ok(n >= 60, `${n} CRCs checked`);
  });
});

describe("Event encoding", () => {
  test("the first event: file_version only, 15 data bytes", () => {
    const data = encodeEvent({ fileVersion: "brain.Event:2" });
    assert.equal(hex(data), "1a0d" + Buffer.from("brain.Event:2").toString("hex"));
    assert.equal(hex(encodeEvent({ wallTime: 0, fileVersion: "brain.Event:2" })), hex(data), "wall_time 0 is a proto3 default");
  });

  test("the spec's observed scalar bytes (loss=0.5 at step 0; step 3)", () => {
    const wt = Buffer.alloc(8);
    wt.writeDoubleLE(1795714964.25);
    const loss = encodeEvent({ wallTime: 1795714964.25, step: 0, scalars: [{ tag: "loss", value: 0.5 }] });
    assert.equal(hex(loss), "09" + hex(wt) + "2a0d0a0b0a04" + Buffer.from("loss").toString("hex") + "150000003f");
    const acc = encodeEvent({ wallTime: 1795714964.25, step: 3, scalars: [{ tag: "acc", value: 0.5 }] });
    assert.equal(hex(acc), "09" + hex(wt) + "1003" + "2a0c0a0a0a03" + Buffer.from("acc").toString("hex") + "150000003f");
  });

  test("proto3 rules: 0.0 values are written (oneof), empty tags and zero steps are not, -0.0 wall time is", () => {
    assert.equal(hex(encodeEvent({ scalars: [{ tag: "x", value: 0 }] })), "2a0a0a080a0178" + "1500000000");
    assert.equal(hex(encodeEvent({ scalars: [{ tag: "", value: 1 }] })), "2a070a05" + "150000803f");
    assert.equal(hex(encodeEvent({ step: 0, scalars: [] })), "2a00");
    assert.equal(hex(encodeEvent({ wallTime: -0 })), "09" + "0000000000000080");
  });

  test("step: int64 varint, truncated like Python's int(), negative steps in 10 bytes", () => {
    assert.equal(hex(encodeEvent({ step: 300 })), "10ac02");
    assert.equal(hex(encodeEvent({ step: 2.9 })), "1002");
    assert.equal(hex(encodeEvent({ step: -1 })), "10ffffffffffffffffff01");
    assert.equal(hex(encodeEvent({ step: -0.5 })), "");
    assert.equal(hex(encodeEvent({ step: 2n ** 62n })), "10" + "80".repeat(8) + "40");
    assert.throws(() => stepToInt64(NaN), RangeError);
    assert.throws(() => stepToInt64(Infinity), RangeError);
    assert.throws(() => stepToInt64(2 ** 63), RangeError);
    assert.equal(stepToInt64(-(2 ** 63)), -(2 ** 63));
  });

  test("simple_value is a float32", () => {
    const e = decodeEvent(Buffer.from(encodeEvent({ scalars: [{ tag: "v", value: 0.2 }] })));
    assert.equal(e.scalars?.[0]?.value, Math.fround(0.2));
    assert.equal(e.scalars?.[0]?.value, 0.20000000298023224);
    const big = decodeEvent(Buffer.from(encodeEvent({ scalars: [{ tag: "v", value: 1e39 }] })));
    assert.equal(big.scalars?.[0]?.value, Infinity);
    const nan = decodeEvent(Buffer.from(encodeEvent({ scalars: [{ tag: "v", value: NaN }] })));
    assert.equal(nan.scalars?.[0]?.bits, 0x7fc00000);
  });

  test("file_version and summary share a oneof", () => {
    assert.throws(() => encodeEvent({ fileVersion: "brain.Event:2", scalars: [] }), TypeError);
  });

  test("TFRecord framing", () => {
    const data = Buffer.from("hello");
    const rec = Buffer.from(encodeRecord(data));
    assert.equal(rec.length, 16 + 5);
    assert.equal(rec.readBigUInt64LE(0), 5n);
    assert.equal(rec.readUInt32LE(8), maskedCrc(rec.subarray(0, 8)));
    assert.equal(hex(rec.subarray(12, 17)), hex(data));
    assert.equal(rec.readUInt32LE(17), maskedCrc(data));
  });

  test("every record Guild 0.9.1 wrote in the fixture is reproduced byte for byte", () => {
    const files = fixtureEventFiles();
    assert.equal(files.length, 6);
    let scalarRecords = 0;
    for (const file of files) {
      const buf = fs.readFileSync(file);
      const recs = records(buf);
      const again: Uint8Array[] = [];
      recs.forEach((r, i) => {
        const e = decodeEvent(r.data);
        assert.deepEqual(
          e.order,
          [...e.order].sort((a, b) => a - b),
          "fields in number order",
        );
        if (i === 0) {
          assert.deepEqual({ ...e }, { fileVersion: "brain.Event:2", order: [3] });
          assert.equal(r.data.length, 15);
        } else {
          assert.equal(e.fileVersion, undefined);
          assert.equal(e.scalars?.length, 1);
          scalarRecords++;
        }
        const enc = encodeRecord(
          encodeEvent({
            wallTime: e.wallTime ?? 0,
            step: e.step ?? 0,
            ...(e.fileVersion !== undefined ? { fileVersion: e.fileVersion } : {}),
            ...(e.scalars ? { scalars: e.scalars.map(({ tag, value }) => ({ tag, value })) } : {}),
          }),
        );
        assert.equal(hex(enc), hex(r.raw), `${path.basename(file)} record ${i}`);
        again.push(enc);
      });
      assert.ok(Buffer.concat(again).equals(buf), `${path.basename(file)} as a whole`);
    }
    assert.equal(scalarRecords, 28);
  });

  test("the fixture records decode to the scalars readEventFile reports", () => {
    for (const file of fixtureEventFiles()) {
      const buf = fs.readFileSync(file);
      const mine = records(buf)
        .slice(1)
        .map((r) => decodeEvent(r.data))
        .map((e) => [e.scalars![0]!.tag, e.scalars![0]!.value, e.step ?? 0]);
      const theirs: unknown[] = [];
      readEventFile(buf, (tag, value, step) => theirs.push([tag, value, step]));
      assert.deepEqual(mine, theirs);
    }
  });
});

describe("EventFileWriter", () => {
  test("the file name: events.out.tfevents.<10-digit secs>.<host>.<pid>.<n>", () => {
    assert.equal(
      eventFileName({ time: 1795714964.93, host: "alice-laptop", pid: 30928, uid: 0 }),
      "events.out.tfevents.1795714964.alice-laptop.30928.0",
    );
    assert.equal(eventFileName({ time: 12.5, host: "h", pid: 1, uid: 3, suffix: ".attrs" }), "events.out.tfevents.0000000012.h.1.3.attrs");
    const dir = tempDir();
    const w = new EventFileWriter(dir, { now: () => 1795714964.5, host: "h", pid: 7, uid: 0 });
    w.close();
    assert.equal(w.path, path.join(dir, "events.out.tfevents.1795714964.h.7.0"));
  });

  test("<n> counts the writers this process creates", () => {
    const dir = tempDir();
    const a = new EventFileWriter(dir, { now: () => 1, host: "h", pid: 1 });
    const b = new EventFileWriter(dir, { now: () => 1, host: "h", pid: 1 });
    const n = (w: EventFileWriter) => Number(w.path.split(".").pop());
    assert.equal(n(b), n(a) + 1);
    a.close();
    b.close();
  });

  test("creating the writer creates the directory and the file with the file_version record, flushed", () => {
    const dir = path.join(tempDir(), "run", ".guild");
    const w = new EventFileWriter(dir, { now: () => 1795714964.5, host: "h", pid: 7, uid: 0 });
    assert.equal(hex(fs.readFileSync(w.path)), hex(encodeRecord(encodeEvent({ fileVersion: "brain.Event:2" }))));
    assert.equal(fs.statSync(w.path).size, 31);
    w.close();
  });

  test("scalars are written on flush() and close(); nothing after close", () => {
    const dir = tempDir();
    let t = 1795714964;
    const w = new EventFileWriter(dir, { now: () => (t += 0.25), host: "h", pid: 7, uid: 0 });
    w.addScalar("loss", 0.25, 0);
    assert.equal(fs.statSync(w.path).size, 31, "buffered until flush");
    w.flush();
    const one = fs.statSync(w.path).size;
    assert.ok(one > 31);
    w.addScalar("acc", 0.75, 3);
    w.close();
    assert.ok(fs.statSync(w.path).size > one);
    assert.throws(() => w.addScalar("x", 1, 0));
    w.close(); // closing twice is harmless
    const recs = records(fs.readFileSync(w.path)).map((r) => decodeEvent(r.data));
    assert.deepEqual(
      recs.map((e) => [e.wallTime, e.step, e.scalars?.[0]?.tag]),
      [
        [undefined, undefined, undefined],
        [1795714964.5, undefined, "loss"],
        [1795714964.75, 3, "acc"],
      ],
    );
  });

  test("the file is opened for writing, not appending (Python's open(..., 'wb'))", () => {
    const dir = tempDir();
    const name = "events.out.tfevents.1795714964.h.7.0";
    fs.writeFileSync(path.join(dir, name), "stale bytes");
    const w = new EventFileWriter(dir, { now: () => 1795714964.5, host: "h", pid: 7, uid: 0 });
    w.close();
    assert.equal(fs.statSync(w.path).size, 31);
  });

  test("a file written here is read back by readEventFile with the same scalars", () => {
    const dir = tempDir();
    const w = new EventFileWriter(dir, { host: "h", pid: 7 });
    const scalars: [string, number, number][] = [
      ["loss", 0.6, 1],
      ["acc", 0.7, 1],
      ["loss", 0.36, 2],
      ["acc", 0, 2],
      ["sys/gpu0_util", -1.5e-7, 1234567890123],
      ["précision", 1e30, 7],
    ];
    for (const [tag, value, step] of scalars) w.addScalar(tag, value, step);
    w.close();
    const got: [string, number, number][] = [];
    readEventFile(fs.readFileSync(w.path), (tag, value, step) => got.push([tag, value, step]));
    assert.deepEqual(
      got,
      scalars.map(([tag, value, step]) => [tag, Math.fround(value), step]),
    );
  });

  test("given Guild's clock, host and pid, it writes each fixture file again: same name, same bytes", () => {
    for (const file of fixtureEventFiles()) {
      const buf = fs.readFileSync(file);
      const [, , , secs, host, pid, uid] = path.basename(file).split(".") as [string, string, string, string, string, string, string];
      const events = records(buf)
        .slice(1)
        .map((r) => decodeEvent(r.data));
      const dir = tempDir();
      const w = new EventFileWriter(dir, { now: () => Number(secs) + 0.5, host, pid: Number(pid), uid: Number(uid) });
      for (const e of events) w.addScalar(e.scalars![0]!.tag, e.scalars![0]!.value, e.step ?? 0, e.wallTime);
      w.close();
      assert.equal(path.basename(w.path), path.basename(file));
      assert.ok(fs.readFileSync(w.path).equals(buf), path.basename(file));
    }
  });
});
