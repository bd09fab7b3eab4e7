/**
 * `-Fs/--started RANGE`: Guild 0.9's time range grammar (guild/timerange; store spec §5.5),
 * with its messages and quirks (`last week` is refused; a month ends at 00:00 of its last day;
 * `after DATE` starts at the date's midnight). Bounds are local wall-clock times; the start is
 * inclusive, the end exclusive. Pure: the reference time is given.
 */

export class TimeRangeError extends Error {
  override name = "TimeRangeError";
}

/** [start, end) in ms since the epoch; null is an open end. */
export interface TimeRange {
  start: number | null;
  end: number | null;
}

type TokType =
  | "LONGDATE"
  | "MEDIUMDATE"
  | "SHORTDATE"
  | "LONGTIME"
  | "SHORTTIME"
  | "MINUTE"
  | "HOUR"
  | "DAY"
  | "WEEK"
  | "MONTH"
  | "YEAR"
  | "NUMBER"
  | "TODAY"
  | "YESTERDAY"
  | "THIS"
  | "LAST"
  | "AGO"
  | "BEFORE"
  | "AFTER"
  | "BETWEEN"
  | "AND";

interface Token {
  type: TokType;
  text: string;
  ints: number[];
  pos: number;
}

// In Guild's order: the first rule that matches at a position wins.
const RULES: [TokType | "WORD", RegExp][] = [
  ["LONGDATE", /([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})/y],
  ["MEDIUMDATE", /([0-9]{2})-([0-9]{1,2})-([0-9]{1,2})/y],
  ["SHORTDATE", /([0-9]{1,2})-([0-9]{1,2})/y],
  ["LONGTIME", /([0-9]{1,2}):([0-9]{2}):([0-9]{2})/y],
  ["SHORTTIME", /([0-9]{1,2}):([0-9]{2})/y],
  ["DAY", /days?/iy],
  ["WEEK", /weeks?/iy],
  ["MONTH", /months?/iy],
  ["YEAR", /years?/iy],
  ["NUMBER", /[0-9]+/y],
  ["HOUR", /hours?|hr/iy],
  ["MINUTE", /minutes?|min/iy],
  ["WORD", /[a-zA-Z]+/y],
];
const RESERVED = new Set(["TODAY", "YESTERDAY", "THIS", "LAST", "AGO", "BEFORE", "AFTER", "BETWEEN", "AND"]);

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  outer: while (i < s.length) {
    if (s[i] === " " || s[i] === "\t" || s[i] === "\n") {
      i++;
      continue;
    }
    for (const [type, re] of RULES) {
      re.lastIndex = i;
      const m = re.exec(s);
      if (!m) continue;
      let t = type;
      if (t === "WORD") {
        const up = m[0].toUpperCase();
        if (!RESERVED.has(up)) throw new TimeRangeError(`unexpected '${m[0]}' at position ${i}`);
        t = up as TokType;
      }
      out.push({ type: t, text: m[0], ints: m.slice(1).map(Number), pos: i });
      i += m[0].length;
      continue outer;
    }
    // PLY's t_error shows the rest of the input.
    throw new TimeRangeError(`unexpected '${s.slice(i)}' at position ${i}`);
  }
  return out;
}

/** A naive local datetime: year, month (1-12), day, hour, minute, second, and what it was made of. */
interface Naive {
  v: [number, number, number, number, number, number];
  kind: "date" | "minute" | "second";
}

const ms = (v: Naive["v"]) => new Date(v[0], v[1] - 1, v[2], v[3], v[4], v[5]).getTime();
const shift = (v: Naive["v"], i: number, n: number): Naive["v"] => {
  const w = [...v] as Naive["v"];
  w[i]! += n;
  // normalise through Date (wall-clock arithmetic, as Python's naive datetimes)
  const d = new Date(w[0], w[1] - 1, w[2], w[3], w[4], w[5]);
  return [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
};

function checkDate(y: number, m: number, d: number): void {
  if (y < 1 || y > 9999) throw new TimeRangeError(`year ${y} is out of range`);
  if (m < 1 || m > 12) throw new TimeRangeError("month must be in 1..12");
  const days = new Date(y, m, 0).getDate();
  if (d < 1 || d > days) throw new TimeRangeError("day is out of range for month");
}

function checkTime(h: number, mi: number, s: number): void {
  if (h > 23) throw new TimeRangeError("hour must be in 0..23");
  if (mi > 59) throw new TimeRangeError("minute must be in 0..59");
  if (s > 59) throw new TimeRangeError("second must be in 0..59");
}

type Pair = [Naive["v"] | null, Naive["v"] | null];
type Unit = "MINUTE" | "HOUR" | "DAY" | "WEEK" | "MONTH" | "YEAR";

function unitRange(unit: Unit, ref: Naive["v"], n: number): Pair {
  const [y, mo, d, h, mi] = ref;
  switch (unit) {
    case "MINUTE": {
      const s = shift([y, mo, d, h, mi, 0], 4, -n);
      return [s, shift(s, 4, 1)];
    }
    case "HOUR": {
      const s = shift([y, mo, d, h, 0, 0], 3, -n);
      return [s, shift(s, 3, 1)];
    }
    case "DAY": {
      const s = shift([y, mo, d, 0, 0, 0], 2, -n);
      return [s, shift(s, 2, 1)];
    }
    case "WEEK": {
      const weekday = (new Date(y, mo - 1, d).getDay() + 6) % 7; // Monday is 0
      const s = shift([y, mo, d, 0, 0, 0], 2, -weekday - 7 * n);
      return [s, shift(s, 2, 7)];
    }
    case "MONTH": {
      const s = shift([y, mo, 1, 0, 0, 0], 1, -n);
      // Guild's _end_of_month: 00:00 of the month's last day (a quirk, kept).
      const last = new Date(s[0], s[1], 0).getDate();
      return [s, [s[0], s[1], last, 0, 0, 0]];
    }
    case "YEAR": {
      const s: Naive["v"] = [y - n, 1, 1, 0, 0, 0];
      return [s, [y - n + 1, 1, 1, 0, 0, 0]];
    }
  }
}

const UNITS = new Set<TokType>(["MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "YEAR"]);

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly ref: Naive["v"],
  ) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private fail(): never {
    const t = this.peek();
    if (!t) throw new TimeRangeError("spec cannot be empty");
    const value = t.ints.length > 1 ? `(${t.ints.join(", ")})` : t.type === "NUMBER" ? String(Number(t.text)) : t.text;
    throw new TimeRangeError(`unexpected '${value}' at pos ${t.pos}`);
  }

  private take(pred: (t: TokType) => boolean): Token {
    const t = this.peek();
    if (!t || !pred(t.type)) this.fail();
    this.i++;
    return t;
  }

  spec(): Pair {
    const t = this.peek();
    if (!t) this.fail();
    let r: Pair;
    if (t.type === "LAST") {
      this.i++;
      let n = 1;
      if (this.peek()?.type === "NUMBER") n = Number(this.take(() => true).text);
      const u = this.take((x) => x === "MINUTE" || x === "HOUR" || x === "DAY").type;
      const idx = u === "MINUTE" ? 4 : u === "HOUR" ? 3 : 2;
      r = [shift(this.ref, idx, -n), null];
    } else if (t.type === "BETWEEN") {
      this.i++;
      const a = this.range();
      this.take((x) => x === "AND");
      const b = this.range();
      const sa = a[0] === null ? -Infinity : ms(a[0]);
      const sb = b[0] === null ? -Infinity : ms(b[0]);
      r = sa < sb ? [a[0], b[1]] : [b[0], a[1]];
    } else if (this.isDatetimeStart(t.type)) {
      const dt = this.datetime();
      if (dt.kind === "date") r = unitRange("DAY", dt.v, 0);
      else if (dt.kind === "second") r = [dt.v, shift(dt.v, 5, 1)];
      else r = [dt.v, shift(dt.v, 4, 1)];
    } else r = this.unitOrOperator();
    if (this.peek()) this.fail();
    return r;
  }

  private isDatetimeStart(t: TokType): boolean {
    return t === "LONGDATE" || t === "MEDIUMDATE" || t === "SHORTDATE" || t === "LONGTIME" || t === "SHORTTIME";
  }

  private range(): Pair {
    const t = this.peek();
    if (t && this.isDatetimeStart(t.type)) {
      const dt = this.datetime();
      return [dt.v, dt.v];
    }
    return this.unitOrOperator();
  }

  private unitOrOperator(): Pair {
    const t = this.peek();
    if (!t) this.fail();
    if (t.type === "BEFORE" || t.type === "AFTER") {
      this.i++;
      const n = this.peek();
      if (n && this.isDatetimeStart(n.type)) {
        const dt = this.datetime();
        return t.type === "BEFORE" ? [null, dt.v] : [dt.v, null];
      }
      const u = this.unitRange();
      return t.type === "BEFORE" ? [null, u[0]] : [u[1], null];
    }
    return this.unitRange();
  }

  private unitRange(): Pair {
    const t = this.take((x) => x === "TODAY" || x === "YESTERDAY" || x === "THIS" || x === "NUMBER");
    if (t.type === "TODAY") return unitRange("DAY", this.ref, 0);
    if (t.type === "YESTERDAY") return unitRange("DAY", this.ref, 1);
    const u = this.take((x) => UNITS.has(x)).type as Unit;
    if (t.type === "THIS") return unitRange(u, this.ref, 0);
    this.take((x) => x === "AGO");
    return unitRange(u, this.ref, Number(t.text));
  }

  private datetime(): Naive {
    const t = this.peek()!;
    let date: [number, number, number] | null = null;
    if (t.type === "LONGDATE" || t.type === "MEDIUMDATE" || t.type === "SHORTDATE") {
      this.i++;
      const [a, b, c] = t.ints;
      if (t.type === "LONGDATE") date = [a!, b!, c!];
      else if (t.type === "MEDIUMDATE") date = [Math.floor(this.ref[0] / 100) * 100 + a!, b!, c!];
      else date = [this.ref[0], a!, b!];
      checkDate(...date);
    }
    const n = this.peek();
    if (n && (n.type === "LONGTIME" || n.type === "SHORTTIME")) {
      this.i++;
      const [h, mi, s = 0] = n.ints;
      checkTime(h!, mi!, s);
      const d = date ?? [this.ref[0], this.ref[1], this.ref[2]];
      return { v: [d[0], d[1], d[2], h!, mi!, s], kind: n.type === "LONGTIME" ? "second" : "minute" };
    }
    if (!date) this.fail();
    return { v: [date[0], date[1], date[2], 0, 0, 0], kind: "date" };
  }
}

/** Parses RANGE against the local time `now`; throws TimeRangeError with Guild's message. */
export function parseTimeRange(spec: string, now: Date = new Date()): TimeRange {
  const ref: Naive["v"] = [now.getFullYear(), now.getMonth() + 1, now.getDate(), now.getHours(), now.getMinutes(), now.getSeconds()];
  const [s, e] = new Parser(lex(spec), ref).spec();
  return { start: s === null ? null : ms(s), end: e === null ? null : ms(e) };
}

/** Whether a run timestamp (µs) is in the range, compared at whole seconds as Guild does. */
export function inTimeRange(range: TimeRange, us: number | null): boolean {
  if (!us) return false;
  const t = Math.floor(us / 1e6) * 1000;
  return (range.start === null || t >= range.start) && (range.end === null || t < range.end);
}
