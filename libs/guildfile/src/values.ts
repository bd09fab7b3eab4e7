import { shortenPath } from "@guildts/format";
/**
 * Flag values as Guild's `flag_util` encodes, formats and decodes them (spec §3.2, §3.4).
 */
import fs from "node:fs";
import path from "node:path";
import { decodeAttr, type AttrValue } from "@guildts/runstore";
import { FlagError } from "./errors.js";
import {
  asFloat,
  encodeFlagVal,
  isFloat,
  isNumber,
  numeric,
  parsePyFloat,
  parsePyInt,
  pyPformat,
  pyRound,
  pyRepr,
  pyReprStr,
  pyStrip,
  shlexQuote,
  shlexSplit,
} from "@guildts/py";

/** Receives Guild's warnings (`WARNING: ...` lines), without the prefix. */
export type Warn = (message: string) => void;

// ---------------------------------------------------------------------------------------
// Encoding: `encode_flag_val` and `yaml_util.encode_yaml` are @guildts/py's.

export interface FormatFlagOptions {
  /** Cut floats to this many decimals (`true` = 5). */
  truncateFloats?: boolean | number;
  /** Shorten existing paths to this length (`true` = 20). */
  shortenPaths?: boolean | number;
}

/** Guild's `format_flag`: encode, cut floats, shorten existing paths, quote strings with spaces. */
export function formatFlag(v: AttrValue, opts: FormatFlagOptions = {}): string {
  let encoded = encodeFlagVal(v);
  if (opts.truncateFloats && isFloat(v)) {
    const len = opts.truncateFloats === true ? 5 : opts.truncateFloats;
    encoded = encoded.replace(/\.[0-9]+/g, (part) => (part.length <= len ? part : part.slice(0, len + 1)));
  }
  if (opts.shortenPaths && typeof v === "string" && v.includes(path.sep) && fs.existsSync(v)) {
    encoded = shortenPath(v, opts.shortenPaths === true ? 20 : opts.shortenPaths);
  }
  if (typeof v === "string" && encoded[0] !== "'" && encoded[0] !== '"' && encoded.includes(" ")) return pyReprStr(encoded);
  return encoded;
}

/** A label's value for one flag: `format_flag(val, truncate_floats=True, shorten_paths=True)`. */
export function labelFlagValue(v: AttrValue): string {
  return formatFlag(v, { truncateFloats: true, shortenPaths: true });
}

/** Guild's `util.shorten_path`: keeps the ends of a long path around `…`. */
// Guild's `shorten_path` lives with the other display helpers.
export { shortenPath };

/** The args/env encoding (`_encode_flag_arg_for_argparse`): True → 1, False/None → "", str as is. */
export function argEncode(v: AttrValue, argSplit: AttrValue = null): string {
  if (v === true) return "1";
  if (v === false || v === null) return "";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return joinSplittable(v, argSplit);
  return pyPformat(v);
}

/** `join_splittable_flag_vals`: encoded values joined with spaces (shlex-quoted) or a separator. */
export function joinSplittable(vals: AttrValue[], split: AttrValue): string {
  const encoded = vals.map(encodeFlagVal);
  if (split === null || split === true || split === "shlex") return encoded.map(shlexQuote).join(" ");
  return encoded.join(typeof split === "string" ? split : String(split));
}

/** `split_encoded_flag_val`: shlex split (`true`/`shlex`) or split on a separator, empty parts dropped. */
export function splitEncoded(encoded: string, split: AttrValue): string[] {
  if (split === true || split === "shlex") return shlexSplit(encoded);
  const sep = typeof split === "string" ? split : String(numeric(split) ?? split);
  return encoded.split(sep).filter((p) => p !== "");
}

// ---------------------------------------------------------------------------------------
// Flag functions

const NAMED_FUNCTION_P = /^([a-zA-Z0-9_\-.]+)\[(.*)\]/;

function splitFlagFunction(s: string): [string | null, string] | null {
  const m = NAMED_FUNCTION_P.exec(s);
  if (m) return [m[1]!, m[2]!.trim()];
  if (s.startsWith("[") && s.endsWith("]") && s.includes(":")) {
    let l: AttrValue;
    try {
      l = decodeAttr(s);
    } catch {
      return [null, s.slice(1, -1)];
    }
    // An anonymous function when YAML reads a one-item list of a str or an int (or bool).
    if (Array.isArray(l) && l.length === 1) {
      const x = l[0];
      if (typeof x === "string" || typeof x === "bigint" || typeof x === "boolean" || (typeof x === "number" && Number.isInteger(x)))
        return [null, s.slice(1, -1)];
    }
  }
  return null;
}

/** `decode_flag_function`: `[name, args]`, or null when `s` is not a flag function. */
export function decodeFlagFunction(s: string): [string | null, AttrValue[]] | null {
  const split = splitFlagFunction(s);
  if (!split) return null;
  const [name, raw] = split;
  const args = raw ? raw.split(":").map((a) => decodeFlagValueNofix(a.trim())) : [];
  return [name, args];
}

/** `flag_util.is_flag_function`: a string in `name[...]` or `[a:b...]` form. */
export function isFlagFunction(v: AttrValue | undefined): boolean {
  return typeof v === "string" && splitFlagFunction(v) !== null;
}

class FunctionArgError extends Error {}

/**
 * The most values a flag value may expand to (a sequence function, a list concatenation):
 * more trials than any batch could run, and still a bounded time and memory to decode.
 */
export const MAX_FLAG_VALUES = 1_000_000;

/** A sequence longer than MAX_FLAG_VALUES (thrown on to decodeFlagValue, which names the input). */
class TooManyValues extends Error {
  constructor(readonly count: number) {
    super(`too many values`);
  }
}

/**
 * A finite count above the limit is an error; NaN and infinite counts are left to fail as
 * Guild's do (numpy cannot compute the length: a warning, and the value stays text).
 */
function checkCount(count: number): void {
  if (count > MAX_FLAG_VALUES && Number.isFinite(count)) throw new TooManyValues(count);
}

function tooMany(text: string, count: number): FlagError {
  const shown = text.length > 100 ? `${text.slice(0, 100)}...` : text;
  const n = Number.isFinite(count) ? String(count) : "too many";
  return new FlagError(`flag value '${shown}' expands to ${n} values (at most ${MAX_FLAG_VALUES} are allowed)`);
}

function seqArgs(name: string, args: AttrValue[], defaults: AttrValue[], required: number, warn: Warn | undefined): AttrValue[] {
  const n = defaults.length;
  if (args.length > n) {
    const rest = args.slice(n);
    warn?.(
      `unsupported arguments for ${name} function: ${rest.length === 1 ? `(${pyRepr(rest[0]!)},)` : `(${rest.map(pyRepr).join(", ")})`} - ignoring`,
    );
  }
  const out = defaults.map((d, i) => (i < args.length ? args[i]! : d));
  for (let i = 0; i < required; i++) {
    if (out[i] === null) throw new FunctionArgError(`function requires at least ${required} arg(s)`);
  }
  return out;
}

function assertNumeric(...args: AttrValue[]): void {
  for (const a of args) {
    if (a === null || numeric(a) === null) throw new FunctionArgError(`invalid arg ${pyRepr(a)}: expected a number`);
  }
}

/** numpy's `.item()` then Guild's `round(x, 8)` for floats above 1e-8. */
function seqVal(x: number, float: boolean): AttrValue {
  if (!float) return x;
  return asFloat(x > 1e-8 ? pyRound(x, 8) : x);
}

function linspace(start: number, end: number, count: number): number[] {
  const n = Math.trunc(count);
  if (n <= 0) return [];
  checkCount(n);
  if (n === 1) return [start];
  const step = (end - start) / (n - 1);
  const out = Array.from({ length: n }, (_, i) => start + i * step);
  out[n - 1] = end;
  return out;
}

function expandSequence(name: string, args: AttrValue[], warn: Warn | undefined): AttrValue[] {
  if (name === "range") {
    const [start, end0, step] = seqArgs("range", args, [null, null, 1], 1, warn) as [AttrValue, AttrValue, AttrValue];
    assertNumeric(start, step);
    const s = numeric(start)!;
    const st = numeric(step)!;
    let lo = s;
    let hi: number;
    if (end0 !== null) {
      assertNumeric(end0);
      hi = numeric(end0)! + Math.min(st, 1);
    } else {
      hi = s;
      lo = 0;
    }
    if (st === 0) throw new FunctionArgError("division by zero");
    const float = [start, end0, step].some((a) => isFloat(a));
    // numpy.arange: length ceil((stop - start) / step), values start + i * delta.
    const count = Math.max(0, Math.ceil((hi - lo) / st));
    checkCount(count);
    const delta = lo + st - lo;
    return Array.from({ length: count }, (_, i) => seqVal(i === 0 ? lo : lo + i * delta, float));
  }
  if (name === "linspace") {
    const [start, end, count] = seqArgs("linspace", args, [null, null, 5], 2, warn) as [AttrValue, AttrValue, AttrValue];
    assertNumeric(start, end, count);
    return linspace(numeric(start)!, numeric(end)!, numeric(count)!).map((x) => seqVal(x, true));
  }
  if (name === "logspace") {
    const [start, end, count, base] = seqArgs("logspace", args, [null, null, 5, 10], 2, warn) as [
      AttrValue,
      AttrValue,
      AttrValue,
      AttrValue,
    ];
    assertNumeric(start, end, count, base);
    const b = numeric(base)!;
    return linspace(numeric(start)!, numeric(end)!, numeric(count)!).map((x) => seqVal(b ** x, true));
  }
  // Guild lists `geomspace` but has no expander for it: its assertion is logged and skipped.
  throw new FunctionArgError(name);
}

// ---------------------------------------------------------------------------------------
// Decoding

const SCIENTIFIC_RUN_ID_P = /^[0-9]+e[0-9]+/;
const LIST_CONCAT_P = /^(\[.*\])\s*\*\s*([0-9]+)$/;
const NO_MATCH = Symbol("no match");
type Decoded = AttrValue | typeof NO_MATCH;

function decodeInt(s: string): Decoded {
  const n = parsePyInt(s);
  return n === null ? NO_MATCH : n;
}

function decodeFloat(s: string): Decoded {
  const x = parsePyFloat(s);
  return x === null ? NO_MATCH : asFloat(x);
}

function decodeYaml(s: string): Decoded {
  try {
    return decodeAttr(s);
  } catch {
    return NO_MATCH;
  }
}

function functionOrSequence(s: string, warn: Warn | undefined): Decoded {
  const f = decodeFlagFunction(s);
  if (!f) return NO_MATCH;
  const [name, args] = f;
  if (name === null && args.length >= 2) return s;
  if (name === "range" || name === "linspace" || name === "logspace" || name === "geomspace") {
    try {
      return expandSequence(name, args, warn);
    } catch (e) {
      if (e instanceof TooManyValues) throw e;
      warn?.(`error decoding ${pyReprStr(s)}: ${(e as Error).message}`);
      return NO_MATCH;
    }
  }
  return NO_MATCH;
}

function concatenatedList(s: string, warn: Warn | undefined): Decoded {
  const m = LIST_CONCAT_P.exec(pyStrip(s));
  if (!m) return NO_MATCH;
  const maybe = decodeChain(m[1]!, null, false, warn);
  if (!Array.isArray(maybe)) return s;
  const times = Number(m[2]);
  if (maybe.length === 0 || times === 0) return [];
  if (!Number.isFinite(times)) throw new TooManyValues(Infinity);
  checkCount(maybe.length * times);
  return Array.from({ length: times }, () => maybe).flat(1);
}

function yamlWithFix(s: string): Decoded {
  if (s.length >= 3 && s.length <= 32 && SCIENTIFIC_RUN_ID_P.test(s)) return s;
  return decodeYaml(s);
}

function typedDecoders(type: string | null | undefined, warn: Warn | undefined): ((s: string) => Decoded)[] {
  switch (type) {
    case null:
    case undefined:
    case "auto":
      return [];
    case "string":
    case "path":
    case "existing-path":
      return [(s) => (/^[['"{]/.test(s) ? NO_MATCH : s)];
    case "int":
      return [decodeInt];
    case "float":
      return [decodeFloat];
    case "number":
      return [decodeInt, decodeFloat];
    case "boolean":
      return [
        (s) => {
          const v = decodeYaml(s);
          if (v === NO_MATCH || typeof v === "boolean") return v;
          const n = numeric(v);
          return isNumber(v) && n !== null ? n !== 0 : v;
        },
      ];
    default:
      warn?.(`uknown flag type ${type}, assuming 'auto'`);
      return [];
  }
}

function decodeChain(s: string, type: string | null | undefined, nofix: boolean, warn: Warn | undefined): AttrValue {
  if (s === "") return s;
  const decoders = [
    ...typedDecoders(type, warn),
    decodeInt,
    ...(nofix ? [decodeFloat] : []),
    (x: string) => functionOrSequence(x, warn),
    (x: string) => concatenatedList(x, warn),
    nofix ? decodeYaml : yamlWithFix,
  ];
  for (const d of decoders) {
    const v = d(s);
    if (v !== NO_MATCH) return v;
  }
  return s;
}

function decodeFlagValueNofix(s: string): AttrValue {
  try {
    return decodeChain(s, null, true, undefined);
  } catch (e) {
    if (e instanceof TooManyValues) throw tooMany(s, e.count);
    throw e;
  }
}

/**
 * Guild's `decode_flag_val(s, flag_type)` (spec §3.2): the type's decoder first, then `int()`,
 * flag functions and sequences, list concatenation and YAML 1.1. Numbers written with `_` or `:`
 * stay text; so do strings that look like short run ids in exponent form (`1e5`, `12e3`: Guild's
 * `_decode_yaml_with_fix`). Never throws for any string but a FlagError naming it, when it
 * expands to more than MAX_FLAG_VALUES values (`[1]*1000000000`, `range[0:1e9]`).
 */
export function decodeFlagValue(text: string, type?: string | null, warn?: Warn): AttrValue {
  let v: AttrValue;
  try {
    v = decodeChain(text, type, false, warn);
  } catch (e) {
    if (e instanceof TooManyValues) throw tooMany(text, e.count);
    throw e;
  }
  if ((isNumber(v) || typeof v === "boolean") && !text.includes("!!") && /[_:]/.test(text)) return text;
  return v;
}
