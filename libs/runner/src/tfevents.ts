import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * TensorBoard event files byte-compatible with the ones Guild AI 0.9 writes (spec §5.4; Guild's
 * `summary.EventFileWriter` over TensorBoard's `RecordWriter`): TFRecord framing (u64 LE length,
 * u32 LE masked CRC32C of those 8 bytes, the data, u32 LE masked CRC32C of the data) of
 * serialized `tensorflow.Event` protocol buffers. The first event holds only
 * `file_version: "brain.Event:2"`.
 */

// CRC-32C and TFRecord's mask live with the reader, in runstore (one place for each idea).
export { crc32c, maskCrc, maskedCrc } from "@guildts/runstore";
import { maskedCrc } from "@guildts/runstore";

/* ------------------------------------------------------------------------------------------ */
/* Protocol buffers                                                                            */
/* ------------------------------------------------------------------------------------------ */

const INT64_LIMIT = 2 ** 63;

/**
 * Python's `int(step)` as Guild's SummaryWriter applies it, with protobuf's int64 range check:
 * truncation toward zero; NaN, infinities and values outside int64 throw (as they raise in Guild).
 */
export function stepToInt64(step: number): number {
  if (Number.isNaN(step)) throw new RangeError("cannot convert float NaN to integer");
  if (!Number.isFinite(step)) throw new RangeError("cannot convert float infinity to integer");
  const n = Math.trunc(step) + 0; // + 0 turns -0 into 0
  if (n >= INT64_LIMIT || n < -INT64_LIMIT) throw new RangeError(`Value out of range: ${n}`);
  return n;
}

class ProtoWriter {
  private parts: number[] = [];

  byte(b: number): this {
    this.parts.push(b);
    return this;
  }

  bytes(b: Uint8Array | number[]): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]!);
    return this;
  }

  varint(v: bigint): this {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(BigInt((field << 3) | wire));
  }

  lengthDelimited(field: number, data: Uint8Array | number[]): this {
    return this.tag(field, 2).varint(BigInt(data.length)).bytes(data);
  }

  double(field: number, v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.tag(field, 1).bytes(b);
  }

  float(field: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(Math.fround(v));
    return this.tag(field, 5).bytes(b);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const utf8 = (s: string) => Buffer.from(s, "utf8");

/** proto3 implicit presence: a double is written unless its bits are all zero (so -0.0 is written). */
const isZeroBits = (v: number) => v === 0 && !Object.is(v, -0);

export interface EventFields {
  /** `wall_time` (field 1, double): seconds since the epoch; 0/absent is not written. */
  wallTime?: number;
  /** `step` (field 2, int64): truncated like Python's `int()`; 0/absent is not written. */
  step?: number | bigint;
  /** `file_version` (field 3, in the `what` oneof, so written even when empty). */
  fileVersion?: string;
  /** `summary` (field 5, in the `what` oneof): one `Summary.Value` per scalar, `simple_value` a float32. */
  scalars?: { tag: string; value: number }[];
}

/**
 * One serialized `Event` as Guild/TensorBoard's protobuf writes it: fields in number order
 * (1 wall_time, 2 step, 3 file_version, 5 summary), proto3 defaults left out. In each
 * `Summary.Value`, `tag` (field 1) is left out when empty and `simple_value` (field 2, fixed32,
 * in the `value` oneof) is always written, 0.0 included.
 */
export function encodeEvent(e: EventFields): Uint8Array {
  if (e.fileVersion !== undefined && e.scalars !== undefined) throw new TypeError("file_version and summary are one oneof: give one");
  const w = new ProtoWriter();
  if (e.wallTime !== undefined && !isZeroBits(e.wallTime)) w.double(1, e.wallTime);
  if (e.step !== undefined) {
    const step = typeof e.step === "bigint" ? BigInt.asIntN(64, e.step) : BigInt(stepToInt64(e.step));
    if (step !== 0n) w.tag(2, 0).varint(step);
  }
  if (e.fileVersion !== undefined) w.lengthDelimited(3, utf8(e.fileVersion));
  if (e.scalars !== undefined) {
    const summary = new ProtoWriter();
    for (const s of e.scalars) {
      const value = new ProtoWriter();
      if (s.tag !== "") value.lengthDelimited(1, utf8(s.tag));
      value.float(2, s.value);
      summary.lengthDelimited(1, value.finish());
    }
    w.lengthDelimited(5, summary.finish());
  }
  return w.finish();
}

/** TFRecord framing of one record. */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = Buffer.alloc(16 + data.length);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc(data), 12 + data.length);
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Event files                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** TensorBoard's per-process writer counter (`event_file_writer._global_uid`), the name's last part. */
let globalUid = 0;

/** `time.time()`: seconds since the epoch with sub-millisecond precision. */
export function timeNow(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/**
 * `events.out.tfevents.<int(time), 10 digits>.<hostname>.<pid>.<uid>` + suffix, as
 * `tensorboard_util.event_filename` names it (Guild's attrs file uses the suffix `.attrs`).
 */
export function eventFileName(opts: { time: number; host: string; pid: number; uid: number; suffix?: string }): string {
  const secs = String(Math.trunc(opts.time)).padStart(10, "0");
  return `events.out.tfevents.${secs}.${opts.host}.${opts.pid}.${opts.uid}${opts.suffix ?? ""}`;
}

export interface EventFileWriterOptions {
  /** The clock, seconds since the epoch as a float (Python's `time.time()`). */
  now?: () => number;
  /** Defaults to `os.hostname()` (Python's `socket.gethostname()`). */
  host?: string;
  /** Defaults to `process.pid`. */
  pid?: number;
  /** The name's counter; defaults to the next value of this process's counter (0, 1, ...). */
  uid?: number;
  /** Appended to the file name (`.attrs` for Guild's output attrs). */
  suffix?: string;
}

/**
 * An event file as Guild's `summary.EventFileWriter` writes it. Creating the writer creates the
 * directory (`ensure_dir`) and the file (truncating, `open(..., "wb")`), and writes and flushes the
 * `file_version` event at once. Scalars are buffered until `flush()` (Guild's output scalars flush
 * after every scalar) and `close()` flushes. Guild creates this writer lazily, on the first scalar.
 */
export class EventFileWriter {
  readonly path: string;
  private fd: number | null;
  private pending: Uint8Array[] = [];
  private readonly now: () => number;

  constructor(dir: string, opts: EventFileWriterOptions = {}) {
    this.now = opts.now ?? timeNow;
    fs.mkdirSync(dir, { recursive: true });
    const uid = opts.uid ?? globalUid++;
    this.path = path.join(
      dir,
      eventFileName({ time: this.now(), host: opts.host ?? os.hostname(), pid: opts.pid ?? process.pid, uid, suffix: opts.suffix ?? "" }),
    );
    this.fd = fs.openSync(this.path, "w");
    this.addEvent({ fileVersion: "brain.Event:2" });
    this.flush();
  }

  /** Queues one event record. */
  addEvent(e: EventFields): void {
    if (this.fd === null) throw new Error(`event file writer is closed: ${this.path}`);
    this.pending.push(encodeRecord(encodeEvent(e)));
  }

  /**
   * `SummaryWriter.add_scalar`: an Event with `wall_time` (now unless given), `step` as Python's
   * `int(step)` and one `simple_value` (float32).
   */
  addScalar(tag: string, value: number, step: number, wallTime: number = this.now()): void {
    this.addEvent({ wallTime, step: stepToInt64(step), scalars: [{ tag, value }] });
  }

  /** Writes the queued records to the file. */
  flush(): void {
    if (this.fd === null || this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    let off = 0;
    while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off);
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
