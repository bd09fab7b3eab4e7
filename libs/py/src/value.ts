import { pythonFloatRepr } from "./float-repr.js";
/**
 * Python's values as Guild stores them (attribute files are YAML documents written by PyYAML;
 * flag values are the same values).
 *
 * JavaScript has a single number type, but Guild distinguishes `1` (int) from `1.0` (float),
 * and that distinction must survive a read/write round trip. So:
 * - a YAML int decodes to a `number` (or a `bigint` beyond 2^53);
 * - a YAML float with a fractional part decodes to a plain `number` (unambiguous);
 * - a YAML float that is integral or non-finite (`1.0`, `1.0e+100`, `.inf`, `.nan`) decodes to a
 *   `GuildFloat`, so it is written back as a float.
 * The encoder writes a non-integer `number` as a float and an integer `number` as an int.
 */
export class GuildFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  /** Python's `str()` of the float (`1.0`, `1e-05`, `inf`), never `[object Object]`. */
  toString(): string {
    return pythonFloatRepr(this.value);
  }
  /** Plain JSON.stringify: the number (a float spelling needs @guildts/format's toJson). */
  toJSON(): number | string {
    if (jsonFloatMarker) return jsonFloatMarker(this.value);
    return Number.isFinite(this.value) ? this.value : String(this.value);
  }
}

let jsonFloatMarker: ((value: number) => string) | null = null;

/**
 * While set, GuildFloat.toJSON returns `marker(value)` instead of the number. This lets a JSON
 * writer keep V8's fast native JSON.stringify and still spell floats as floats.
 */
export function setJsonFloatMarker(marker: ((value: number) => string) | null): void {
  jsonFloatMarker = marker;
}

export type AttrValue = null | boolean | number | bigint | string | GuildFloat | AttrValue[] | { [key: string]: AttrValue };

/** The numeric value of an int or float attr value, else undefined. */
export function numericValue(v: AttrValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof GuildFloat) return v.value;
  return undefined;
}
