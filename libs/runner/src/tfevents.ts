import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * TensorBoard event files as Guild writes them (spec §5.4): TFRecord framing (u64 LE length,
 * u32 LE masked CRC32C of the length, data, u32 LE masked CRC32C of the data) of `Event`
 * protocol buffers; the first event holds only `file_version: "brain.Event:2"`.
 */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function maskedCrc(buf: Uint8Array): number {
  const c = crc32c(buf);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

function lengthDelimited(field: number, bytes: Uint8Array | number[]): number[] {
  return [(field << 3) | 2, ...varint(bytes.length), ...bytes];
}

/** One Event protobuf, fields in the order TensorFlow writes them (1, 2, 3, 5); step 0 omitted. */
export function encodeEvent(e: { wallTime?: number; step?: number; fileVersion?: string; scalars?: { tag: string; value: number }[] }): Uint8Array {
  const out: number[] = [];
  if (e.wallTime !== undefined) {
    const d = Buffer.alloc(8);
    d.writeDoubleLE(e.wallTime);
    out.push(0x09, ...d);
  }
  if (e.step) out.push(0x10, ...varint(e.step));
  if (e.fileVersion !== undefined) out.push(...lengthDelimited(3, Buffer.from(e.fileVersion, "utf8")));
  if (e.scalars?.length) {
    const summary: number[] = [];
    for (const s of e.scalars) {
      const f = Buffer.alloc(4);
      f.writeFloatLE(Math.fround(s.value));
      summary.push(...lengthDelimited(1, [...lengthDelimited(1, Buffer.from(s.tag, "utf8")), 0x15, ...f]));
    }
    out.push(...lengthDelimited(5, summary));
  }
  return Uint8Array.from(out);
}

export function encodeRecord(data: Uint8Array): Uint8Array {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc(data), 0);
  return Buffer.concat([head, data, tail]);
}

let writers = 0;

/** A scalar event file in `dir`, named as Guild names it; each scalar is flushed as written. */
export class EventFileWriter {
  readonly path: string;
  private fd: number;
  constructor(dir: string, opts: { now?: () => number; host?: string; pid?: number } = {}) {
    const now = opts.now ?? (() => Date.now() / 1000);
    this.now = now;
    this.path = path.join(dir, `events.out.tfevents.${Math.floor(now())}.${opts.host ?? os.hostname()}.${opts.pid ?? process.pid}.${writers++}`);
    this.fd = fs.openSync(this.path, "a");
    fs.writeSync(this.fd, encodeRecord(encodeEvent({ fileVersion: "brain.Event:2" })));
  }
  private readonly now: () => number;
  addScalar(tag: string, value: number, step: number, wallTime = this.now()): void {
    fs.writeSync(this.fd, encodeRecord(encodeEvent({ wallTime, step, scalars: [{ tag, value }] })));
  }
  flush(): void {
    // Each record is written with writeSync: nothing is buffered here.
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}
