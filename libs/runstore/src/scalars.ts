import fs from "node:fs";
import path from "node:path";
import type FastGlob from "fast-glob";
import { readCacheFile, writeCacheFile } from "./atomic.js";
import { maskedCrc } from "./crc32c.js";
import { openRunFile } from "./facts.js";
import { requireLazy } from "./lazy-require.js";

/**
 * Scalars of a run, read from TensorBoard event files anywhere under the run directory, as Guild
 * does: TFRecord framing (u64 length, u32 masked CRC, data, u32 masked CRC) of `Event` protocol
 * buffers whose `summary.value[]` hold `tag` and `simple_value` (or a one-element float/double
 * tensor, as TF2 writers log them). Files are read as a stream, in constant memory and of any
 * size, and only as regular files inside the run. Both CRCs are checked: a damaged record is
 * skipped, the reader finds the next record whose length CRC holds, and the file gets one
 * warning saying how many records were skipped.
 */
export interface ScalarSummary {
  /** Run-relative directory of the event file ("" for `.guild`, where Guild logs). */
  prefix: string;
  tag: string;
  /** The last value logged, its step, and simple statistics. */
  last: number;
  lastStep: number;
  first: number;
  firstStep: number;
  minStep: number;
  maxStep: number;
  min: number;
  max: number;
  count: number;
  total: number;
}

/** The key Guild shows: `tag`, or `prefix#tag` for events outside `.guild`. */
export function scalarKey(s: ScalarSummary): string {
  return s.prefix ? `${s.prefix}#${s.tag}` : s.tag;
}

interface Reader {
  buf: Buffer;
  pos: number;
  end: number;
}

function varint(r: Reader): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (r.pos >= r.end) throw new Error("truncated varint");
    const b = r.buf[r.pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
    shift += 7;
    if (shift > 63) throw new Error("bad varint");
  }
}

/** Calls `field(number, wireType, reader)` for each field of a message; skips what it ignores. */
function fields(r: Reader, field: (n: number, wire: number, r: Reader) => boolean): void {
  while (r.pos < r.end) {
    const key = varint(r);
    const n = Math.floor(key / 8);
    const wire = key & 7;
    const start = r.pos;
    if (field(n, wire, r) && r.pos > start) continue;
    r.pos = start;
    if (wire === 0) varint(r);
    else if (wire === 1) r.pos += 8;
    else if (wire === 5) r.pos += 4;
    else if (wire === 2) {
      const len = varint(r); // (not `r.pos += varint(r)`: that adds to the position before the read)
      r.pos += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  if (r.pos > r.end) throw new Error("truncated message");
}

function sub(r: Reader): Reader {
  const len = varint(r);
  const s = { buf: r.buf, pos: r.pos, end: r.pos + len };
  r.pos += len;
  return s;
}

/** A TensorProto's single float/double value, if it is one. */
function tensorValue(r: Reader): number | undefined {
  let dtype = 0;
  let value: number | undefined;
  let content: Buffer | undefined;
  fields(r, (n, wire, t) => {
    if (n === 1 && wire === 0) dtype = varint(t);
    else if (n === 4 && wire === 2) {
      const s = sub(t);
      content = t.buf.subarray(s.pos, s.end);
    } else if (n === 5 && wire === 2) {
      const s = sub(t);
      if (s.end - s.pos >= 4) value = t.buf.readFloatLE(s.pos);
    } else if (n === 5 && wire === 5) {
      value = t.buf.readFloatLE(t.pos);
      t.pos += 4;
    } else if (n === 6 && wire === 2) {
      const s = sub(t);
      if (s.end - s.pos >= 8) value = t.buf.readDoubleLE(s.pos);
    } else if (n === 6 && wire === 1) {
      value = t.buf.readDoubleLE(t.pos);
      t.pos += 8;
    } else return false;
    return true;
  });
  if (value === undefined && content) {
    if (dtype === 1 && content.length === 4) value = content.readFloatLE(0);
    if (dtype === 2 && content.length === 8) value = content.readDoubleLE(0);
  }
  return value;
}

/** Parses one event record's data (an `Event`), calling `onScalar` for each scalar in it (with the event's wall time). */
function readEvent(buf: Buffer, start: number, end: number, onScalar: ScalarCallback): void {
  let step = 0;
  let time = 0;
  const values: [string, number][] = [];
  fields({ buf, pos: start, end }, (n, wire, r) => {
    if (n === 1 && wire === 1) {
      time = r.buf.readDoubleLE(r.pos);
      r.pos += 8;
    } else if (n === 2 && wire === 0) step = varint(r);
    else if (n === 5 && wire === 2) {
      const summary = sub(r);
      fields(summary, (sn, sw, sr) => {
        if (sn !== 1 || sw !== 2) return false;
        const v = sub(sr);
        let tag = "";
        let value: number | undefined;
        fields(v, (vn, vw, vr) => {
          if (vn === 1 && vw === 2) {
            const s = sub(vr);
            tag = vr.buf.toString("utf8", s.pos, s.end);
          } else if (vn === 2 && vw === 5) {
            value = vr.buf.readFloatLE(vr.pos);
            vr.pos += 4;
          } else if (vn === 8 && vw === 2) value = tensorValue(sub(vr));
          else return false;
          return true;
        });
        if (tag && value !== undefined) values.push([tag, value]);
        return true;
      });
    } else return false;
    return true;
  });
  for (const [tag, value] of values) onScalar(tag, value, step, time);
}

/** What the event readers call for each scalar: its tag, value, step and wall time (seconds since the epoch). */
export type ScalarCallback = (tag: string, value: number, step: number, time: number) => void;

/** Records longer than this are skipped unread (scalar events are a few dozen bytes). */
export const MAX_EVENT_RECORD = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** Random access to an event file's bytes through one bounded buffer. */
class Window {
  buf: Buffer;
  private start = 0;
  private len = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {
    this.buf = Buffer.alloc(Math.min(CHUNK, size));
  }

  /** Where bytes [pos, pos + n) are in `buf` (valid until the next call); -1 when the file ends before. */
  at(pos: number, n: number): number {
    if (pos + n > this.size) return -1;
    if (pos >= this.start && pos + n <= this.start + this.len) return pos - this.start;
    if (n > this.buf.length) this.buf = Buffer.alloc(Math.max(n, CHUNK));
    const want = Math.min(this.buf.length, this.size - pos);
    let got = 0;
    while (got < want) {
      const r = fs.readSync(this.fd, this.buf, got, want - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    this.start = pos;
    this.len = got;
    return got >= n ? 0 : -1;
  }
}

/** What reading one event file found. */
export interface EventFileResult {
  /** Records read (CRCs good, event parsed). */
  records: number;
  /** Damaged records skipped: a bad length CRC (each run of garbage counts once), a bad data CRC, an unparsable event. */
  bad: number;
  /** Whether reading stopped at garbage longer than MAX_RESYNC (the rest of the file unread). */
  stopped?: boolean;
}

/** How far past a damaged record the reader looks for the next good one before it gives up. */
export const MAX_RESYNC = 16 * 1024 * 1024;

/**
 * Reads the TFRecord events of a source (a whole buffer, or `{fd, size}`: read as a stream
 * through a 1 MiB window), calling `onScalar(tag, value, step, time)` for each scalar in order. A
 * record whose length CRC is wrong is skipped by looking for the next offset whose 12-byte
 * header checks; one whose data CRC is wrong, or whose event does not parse, is skipped whole.
 * A last record not yet completely written is not counted as bad.
 */
export function readEvents(source: Buffer | { fd: number; size: number }, onScalar: ScalarCallback): EventFileResult {
  return readEventsFrom(source, 0, onScalar).result;
}

/**
 * readEvents from offset `start` (a record boundary), also giving `end`: the offset after the
 * last whole record read, where to go on when the file grows (a follower's next start).
 */
export function readEventsFrom(
  source: Buffer | { fd: number; size: number },
  start: number,
  onScalar: ScalarCallback,
): { result: EventFileResult; end: number } {
  const win = Buffer.isBuffer(source) ? null : new Window(source.fd, source.size);
  const size = Buffer.isBuffer(source) ? source.length : source.size;
  const out: EventFileResult = { records: 0, bad: 0 };
  let end = start;
  let lostAt = -1; // where a run of garbage began (resynchronising), or -1
  let pos = start;
  while (pos + 12 <= size) {
    // No copies and no views per record: offsets into the window (or the whole buffer).
    let buf = win ? win.buf : (source as Buffer);
    let h = win ? win.at(pos, 12) : pos;
    if (win) buf = win.buf;
    if (maskedCrc(buf, h, h + 8) !== buf.readUInt32LE(h + 8)) {
      if (lostAt < 0) {
        out.bad++;
        lostAt = pos;
      } else if (pos - lostAt > MAX_RESYNC) {
        out.stopped = true;
        break;
      }
      pos++;
      continue;
    }
    const len = buf.readUInt32LE(h) + buf.readUInt32LE(h + 4) * 2 ** 32;
    if (pos + 16 + len > size) break; // a record still being written
    lostAt = -1;
    if (len > MAX_EVENT_RECORD) {
      pos += 16 + len; // an image or a tensor, not a scalar: skipped unread
      continue;
    }
    h = win ? win.at(pos + 12, len + 4) : pos + 12;
    if (win) buf = win.buf;
    if (maskedCrc(buf, h, h + len) !== buf.readUInt32LE(h + len)) out.bad++;
    else {
      try {
        // readEvent reports a record's scalars only once all of it parsed.
        readEvent(buf, h, h + len, onScalar);
        out.records++;
      } catch {
        out.bad++;
      }
    }
    pos += 16 + len;
    end = pos;
  }
  return { result: out, end };
}

/** Parses one event file held in memory (see readEvents). */
export function readEventFile(buf: Buffer, onScalar: ScalarCallback): EventFileResult {
  return readEvents(buf, onScalar);
}

/**
 * The scalar summaries of a run, sorted by (prefix, tag). Unreadable event files are skipped
 * (reported through `onError`).
 */
export function readScalars(
  runDir: string,
  onError?: (file: string, e: Error) => void,
  opts: { trialLinks?: boolean } = {},
): ScalarSummary[] {
  const files = findEventFiles(runDir).files;
  if (opts.trialLinks) files.push(...trialEventFiles(runDir));
  return summarize(runDir, files, onError);
}

/**
 * A batch run's trials' event files, through its trial links (`<T> -> ../<T>`, and nothing else),
 * as Guild's scalar reader finds them by following the links: keyed `<T>/.guild#tag`.
 */
function trialEventFiles(runDir: string): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(runDir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isSymbolicLink() || !/^[0-9a-f]{32}$/.test(e.name)) continue;
    try {
      if (fs.readlinkSync(path.join(runDir, e.name)) !== `../${e.name}`) continue;
    } catch {
      continue;
    }
    const target = path.join(path.dirname(runDir), e.name);
    const fg = requireLazy<typeof FastGlob>(import.meta.url, "fast-glob");
    for (const f of fg.sync("**", {
      cwd: target,
      dot: true,
      followSymbolicLinks: false,
      suppressErrors: true,
      ignore: [".guild/attrs/**"],
    }))
      if (f.includes(".tfevents.")) out.push(`${e.name}/${f}`);
  }
  return out;
}

/**
 * The event files under a run directory and every directory walked to find them (for the cache's
 * stamps). `.guild/attrs` holds only attrs and is not walked.
 */
export function findEventFiles(runDir: string): { files: string[]; dirs: string[] } {
  const fg = requireLazy<typeof FastGlob>(import.meta.url, "fast-glob");
  const entries = fg.sync("**", {
    cwd: runDir,
    dot: true,
    onlyFiles: false,
    markDirectories: true,
    followSymbolicLinks: false,
    suppressErrors: true,
    ignore: [".guild/attrs/**"],
  });
  const dirs = ["."];
  const files: string[] = [];
  for (const e of entries) {
    if (e.endsWith("/")) dirs.push(e.slice(0, -1));
    else if (e.includes(".tfevents.")) files.push(e);
  }
  return { files, dirs };
}

/** Whether `p` is `root` or below it. */
function within(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Opens an event file of a run: a regular file, or a link to one inside the run (never one
 * leading out of it, nor a FIFO, device or socket; those throw, with a reason).
 */
function openEventFile(runDir: string, rel: string): { fd: number; size: number } {
  const file = path.join(runDir, rel);
  const st = fs.lstatSync(file);
  if (st.isSymbolicLink()) {
    const real = fs.realpathSync(file);
    if (!within(real, fs.realpathSync(runDir))) throw new Error("a symbolic link out of the run (not read)");
    return openRunFile(real);
  }
  return openRunFile(file);
}

/** The prefix of the scalars of an event file (its run-relative dir; "" for `.guild` and the run's top). */
export function eventFilePrefix(rel: string): string {
  const dir = path.dirname(rel);
  return dir === ".guild" || dir === "." ? "" : dir;
}

/** One scalar's series as columns: steps, wall times (seconds) and values, in the order logged. */
export interface ScalarSeries {
  step: number[];
  time: number[];
  value: number[];
}

/**
 * Every point of a run's scalars (or of the keys in `keys`: `tag` or `prefix#tag`, as scalarKey
 * names them), read from the same event files as its summaries, in file order then logged order.
 * Guild's `sys/*` tags are left out.
 */
export function readRunSeries(
  runDir: string,
  keys?: ReadonlySet<string>,
  onError?: (file: string, e: Error) => void,
): Map<string, ScalarSeries> {
  const out = new Map<string, ScalarSeries>();
  for (const rel of findEventFiles(runDir).files.sort()) {
    const prefix = eventFilePrefix(rel);
    try {
      const src = openEventFile(runDir, rel);
      try {
        readEventsFrom(src, 0, (tag, value, step, time) => {
          if (tag.startsWith("sys/")) return;
          const key = prefix ? `${prefix}#${tag}` : tag;
          if (keys && !keys.has(key)) return;
          let s = out.get(key);
          if (!s) out.set(key, (s = { step: [], time: [], value: [] }));
          s.step.push(step);
          s.time.push(time);
          s.value.push(value);
        });
      } finally {
        fs.closeSync(src.fd);
      }
    } catch (e) {
      onError?.(rel, e as Error);
    }
  }
  return out;
}

/**
 * Reads what was appended to a run's event file since offset `start` (0: all of it), for a
 * follower (the view's live updates): the points by key, and the offset to start from next time.
 */
export function readEventFileFrom(
  runDir: string,
  rel: string,
  start: number,
): { points: Map<string, ScalarSeries>; end: number; size: number } {
  const prefix = eventFilePrefix(rel);
  const points = new Map<string, ScalarSeries>();
  const src = openEventFile(runDir, rel);
  try {
    if (src.size < start) start = 0; // truncated and rewritten: from the start again
    const { end } = readEventsFrom(src, start, (tag, value, step, time) => {
      if (tag.startsWith("sys/")) return;
      const key = prefix ? `${prefix}#${tag}` : tag;
      let s = points.get(key);
      if (!s) points.set(key, (s = { step: [], time: [], value: [] }));
      s.step.push(step);
      s.time.push(time);
      s.value.push(value);
    });
    return { points, end, size: src.size };
  } finally {
    fs.closeSync(src.fd);
  }
}

function summarize(runDir: string, files: string[], onError?: (file: string, e: Error) => void): ScalarSummary[] {
  const byKey = new Map<string, ScalarSummary>();
  for (const rel of [...files].sort()) {
    const prefix = eventFilePrefix(rel);
    try {
      const src = openEventFile(runDir, rel);
      let result: EventFileResult;
      try {
        result = readEvents(src, (tag, value, step) => {
          const key = `${prefix}\0${tag}`;
          const s = byKey.get(key);
          if (!s)
            byKey.set(key, {
              prefix,
              tag,
              last: value,
              lastStep: step,
              first: value,
              firstStep: step,
              min: value,
              minStep: step,
              max: value,
              maxStep: step,
              count: 1,
              total: value,
            });
          else {
            // Guild's TagSummary: first and last by step (the last of equal steps wins), min and
            // max by value (the first of equal values keeps its step).
            s.total += value;
            if (step >= s.lastStep) {
              s.last = value;
              s.lastStep = step;
            }
            if (step < s.firstStep) {
              s.first = value;
              s.firstStep = step;
            }
            if (value < s.min) {
              s.min = value;
              s.minStep = step;
            }
            if (value > s.max) {
              s.max = value;
              s.maxStep = step;
            }
            s.count++;
          }
        });
      } finally {
        fs.closeSync(src.fd);
      }
      if (result.bad)
        onError?.(
          rel,
          new Error(
            `skipped ${result.bad} damaged record(s) (bad CRC or event)${result.stopped ? `, and the rest of the file after ${MAX_RESYNC} bytes of garbage` : ""}; read the ${result.records} others`,
          ),
        );
    } catch (e) {
      onError?.(rel, e as Error);
    }
  }
  return [...byKey.values()].sort((a, b) =>
    a.prefix === b.prefix ? (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0) : a.prefix < b.prefix ? -1 : 1,
  );
}

/**
 * A cache of scalar summaries per run (GUILD_HOME/cache/guildts/scalars.json). An entry is
 * trusted while the stats of every directory walked to find the run's event files (a file or
 * directory added anywhere changes its parent's mtime) and of the event files themselves (Guild
 * and TensorBoard append to them) are unchanged: stats instead of a walk and a parse. Entries
 * touched within 2 s are not stored (timestamp granularity, as the run index does).
 */
interface ScalarEntry {
  s: string;
  d: string[];
  f: string[];
  v: ScalarSummary[];
}

/** A summary as the cache file holds it: its fields in order, without the key names (half the text to parse). */
type PackedSummary = [string, string, number, number, number, number, number, number, number, number, number, number];

function pack(s: ScalarSummary): PackedSummary {
  return [s.prefix, s.tag, s.last, s.lastStep, s.first, s.firstStep, s.min, s.minStep, s.max, s.maxStep, s.count, s.total];
}

function unpack(p: PackedSummary): ScalarSummary {
  const [prefix, tag, last, lastStep, first, firstStep, min, minStep, max, maxStep, count, total] = p;
  return { prefix, tag, last, lastStep, first, firstStep, min, minStep, max, maxStep, count, total };
}

/**
 * The file is one header line, `{"v":3}`, then one line per run: its directory as a JSON string,
 * a tab, and the entry as JSON. Lines are parsed only when their run is asked for, so a command
 * that needs the scalars of a few runs of 100k does not parse them all.
 */
const SCALAR_CACHE_HEADER = '{"v":4}';

function stampOf(runDir: string, rels: readonly string[], newest: { t: number }, more: readonly string[] = []): string {
  let out = "";
  for (const list of [rels, more]) {
    for (const rel of list) {
      const st = fs.statSync(rel === "." ? runDir : `${runDir}/${rel}`, { throwIfNoEntry: false });
      if (!st) return "";
      newest.t = Math.max(newest.t, st.mtimeMs, st.ctimeMs);
      out += `${st.ino}:${st.size}:${st.mtimeMs}|`;
    }
  }
  return out;
}

export class ScalarCache {
  /** Parsed entries, and the unparsed lines of the others (start and end offsets in `text`). */
  private readonly parsed = new Map<string, ScalarEntry | null>();
  private readonly lines = new Map<string, [number, number]>();
  private text = "";
  private dirty = false;
  private readonly file: string | null;
  private readonly startedAt = Date.now();
  private readonly racyMs = Number(process.env.GUILDTS_INDEX_RACY_MS ?? 2000);

  constructor(home: string | null) {
    this.file =
      home && !/^(off|0|false|no)$/i.test(process.env.GUILDTS_INDEX ?? "") ? path.join(home, "cache", "guildts", "scalars.json") : null;
    if (!this.file) return;
    try {
      const text = readCacheFile(this.file) ?? "";
      if (!text.startsWith(`${SCALAR_CACHE_HEADER}\n`)) return; // missing, damaged or older: rebuilt
      this.text = text;
      let pos = SCALAR_CACHE_HEADER.length + 1;
      while (pos < text.length) {
        let end = text.indexOf("\n", pos);
        if (end < 0) end = text.length;
        const tab = text.indexOf("\t", pos);
        if (tab > pos && tab < end) {
          try {
            this.lines.set(JSON.parse(text.slice(pos, tab)) as string, [tab + 1, end]);
          } catch {
            // a damaged line: that run is read again
          }
        }
        pos = end + 1;
      }
    } catch {
      // unreadable: rebuilt
    }
  }

  private entry(key: string): ScalarEntry | null {
    let e = this.parsed.get(key);
    if (e !== undefined) return e;
    const at = this.lines.get(key);
    e = null;
    if (at) {
      try {
        const packed = JSON.parse(this.text.slice(at[0], at[1])) as Omit<ScalarEntry, "v"> & { v: PackedSummary[] };
        e = { ...packed, v: packed.v.map(unpack) };
      } catch {
        e = null;
      }
    }
    this.parsed.set(key, e);
    return e;
  }

  /** The scalar summaries of a run, from the cache when its stamps still match. */
  get(id: string, runDir: string, onError?: (file: string, e: Error) => void): ScalarSummary[] {
    const key = `${runDir}`;
    const e = this.entry(key);
    if (e) {
      const stamp = stampOf(runDir, e.d, { t: 0 }, e.f);
      if (stamp && stamp === e.s) return e.v;
    }
    const newest = { t: 0 };
    const found = findEventFiles(runDir);
    const stamp = stampOf(runDir, found.dirs, newest, found.files);
    const v = summarize(runDir, found.files, onError);
    if (stamp && newest.t < this.startedAt - this.racyMs) {
      this.parsed.set(key, { s: stamp, d: found.dirs, f: found.files, v });
      this.dirty = true;
    } else if (e) {
      this.parsed.set(key, null);
      this.dirty = true;
    }
    void id;
    return v;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    // Entries of runs that are gone (purged, or moved to or from the trash: the key is the run's
    // directory) are dropped, so the cache never grows past the home it describes.
    const exists = (key: string) => fs.lstatSync(key, { throwIfNoEntry: false }) !== undefined;
    const out: string[] = [SCALAR_CACHE_HEADER];
    for (const [key, at] of this.lines) {
      if (this.parsed.has(key) || !exists(key)) continue;
      out.push(`${JSON.stringify(key)}\t${this.text.slice(at[0], at[1])}`);
    }
    for (const [key, e] of this.parsed) {
      if (e && exists(key)) out.push(`${JSON.stringify(key)}\t${JSON.stringify({ ...e, v: e.v.map(pack) })}`);
    }
    writeCacheFile(this.file, `${out.join("\n")}\n`);
  }
}
