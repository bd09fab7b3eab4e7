/**
 * Decoding Guild attribute files: PyYAML `safe_load` (YAML 1.1) with Guild's float patch.
 *
 * Two paths give the same result for every input:
 * - a hand-written fast path for what Guild writes in the common case: one plain or
 *   single-quoted scalar, a block list of such scalars, a flat block map of `key: scalar`
 *   lines, and `{}` / `[]`. It bails out (returns NO_FAST) on anything else, including
 *   anything it is unsure about (non-ASCII, tabs, comments, continuation lines...);
 * - a fallback that parses with the `yaml` package (loaded lazily, so that start-up does
 *   not pay for it) and then builds the value itself, porting PyYAML's composer/constructor
 *   rules: implicit resolution of plain scalars by PyYAML's regular expressions (so `y`/`n`
 *   stay strings, `010` is 8, `0o10` a string, `1e5` a float by Guild's patch...), explicit
 *   tags, merge keys, anchors and aliases (shared, like Python objects), duplicate keys (last
 *   wins).
 *
 * Deliberate differences from PyYAML, because of the JavaScript value model:
 * - timestamps (`2001-12-14`, implicit or `!!timestamp`) stay strings, as written;
 * - a mapping key that is not a string becomes the string of its canonical YAML form
 *   (`1` -> "1", `010` -> "8", `1e5` -> "100000.0", `true`/`yes` -> "true", `~` -> "null");
 * - a recursive structure (`&a [*a]`), `!!binary` and `!!set` are AttrDecodeErrors;
 * - alias use is bounded (MAX_ALIASES references, MAX_EXPANDED_NODES nodes once expanded),
 *   so an alias bomb is an AttrDecodeError rather than a hang in whoever walks the value.
 */
import { showInput } from "../show.js";
import { asFloat, GuildFloat, parsePyFloat, pyStrip, resolvePlain, yamlFloatText, type AttrValue, type PlainTag } from "@guildts/py";
import { AttrDecodeError } from "./value.js";
import { requireLazy } from "../lazy-require.js";

// ---------------------------------------------------------------------------------------
// PyYAML's scalar constructors (yaml/constructor.py SafeConstructor).

const BOOL_VALUES: Record<string, boolean> = { yes: true, no: false, true: true, false: false, on: true, off: false };
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function intResult(n: bigint): number | bigint {
  return n > MAX_SAFE || n < -MAX_SAFE ? n : Number(n);
}

const DIGITS_RE: Record<number, RegExp> = {
  2: /^[+-]?(?:0[bB])?[01]+$/,
  8: /^[+-]?(?:0[oO])?[0-7]+$/,
  10: /^[+-]?[0-9]+$/,
  16: /^[+-]?(?:0[xX])?[0-9a-fA-F]+$/,
};

/** Python int(s, base) for the inputs PyYAML can hand it (underscores already removed). */
function pyInt(s: string, base: 2 | 8 | 10 | 16): bigint {
  const t = pyStrip(s);
  if (!DIGITS_RE[base]!.test(t)) throw new AttrDecodeError(`invalid literal for int() with base ${base}: '${clip(s)}'`);
  let neg = false;
  let body = t;
  if (body[0] === "+" || body[0] === "-") {
    neg = body[0] === "-";
    body = body.slice(1);
  }
  if (base !== 10 && body.length > 1 && body[0] === "0" && /[bBoOxX]/.test(body[1]!)) body = body.slice(2);
  const prefix = base === 2 ? "0b" : base === 8 ? "0o" : base === 16 ? "0x" : "";
  const n = BigInt(prefix + body);
  return neg ? -n : n;
}

/** SafeConstructor.construct_yaml_int. */
export function constructInt(text: string): number | bigint {
  let value = text.replace(/_/g, "");
  if (value.length === 0) throw new AttrDecodeError("empty int");
  let sign = 1n;
  if (value[0] === "-") sign = -1n;
  if (value[0] === "+" || value[0] === "-") value = value.slice(1);
  if (value === "0") return 0;
  let n: bigint;
  if (value.startsWith("0b")) n = sign * pyInt(value.slice(2), 2);
  else if (value.startsWith("0x")) n = sign * pyInt(value.slice(2), 16);
  else if (value[0] === "0") n = sign * pyInt(value, 8);
  else if (value.includes(":")) {
    const digits = value
      .split(":")
      .map((p) => pyInt(p, 10))
      .reverse();
    let base = 1n;
    n = 0n;
    for (const d of digits) {
      n += d * base;
      base *= 60n;
    }
    n *= sign;
  } else n = sign * pyInt(value, 10);
  return intResult(n);
}

/** Python float(s) for a lower-cased, underscore-free string. */
function pyFloat(s: string): number {
  const x = parsePyFloat(s);
  if (x === null) throw new AttrDecodeError(`could not convert string to float: '${clip(s)}'`);
  return x;
}

/** SafeConstructor.construct_yaml_float, as a raw double. */
export function constructFloatNumber(text: string): number {
  let value = text.replace(/_/g, "").toLowerCase();
  if (value.length === 0) throw new AttrDecodeError("empty float");
  let sign = 1;
  if (value[0] === "-") sign = -1;
  if (value[0] === "+" || value[0] === "-") value = value.slice(1);
  if (value === ".inf") return sign * Infinity;
  if (value === ".nan") return NaN;
  if (value.includes(":")) {
    const digits = value.split(":").map(pyFloat).reverse();
    let base = 1;
    let v = 0.0;
    for (const d of digits) {
      v += d * base;
      base *= 60;
    }
    return sign * v;
  }
  return sign * pyFloat(value);
}

/** A float as an AttrValue: integral and non-finite floats are GuildFloat, others numbers. */
export const floatValue = asFloat;

/** The value of a plain scalar with its resolved tag (merge/value/yaml have no constructor). */
function constructPlain(text: string, tag: PlainTag): AttrValue {
  switch (tag) {
    case "str":
    case "timestamp":
      return text;
    case "null":
      return null;
    case "bool":
      return BOOL_VALUES[text.toLowerCase()]!;
    case "int":
      return constructInt(text);
    case "float":
      return floatValue(constructFloatNumber(text));
    default:
      throw new AttrDecodeError(`could not determine a constructor for the tag 'tag:yaml.org,2002:${tag}'`);
  }
}

/** The JS object key for a constructed key value (see the module comment). */
function keyString(v: AttrValue, isFloat: boolean): string {
  if (typeof v === "string") return v;
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof GuildFloat) return yamlFloatText(v.value);
  if (typeof v === "number") return isFloat ? yamlFloatText(v) : String(v);
  if (typeof v === "bigint") return v.toString();
  throw new AttrDecodeError("found unhashable key");
}

function setKey(obj: { [key: string]: AttrValue }, key: string, value: AttrValue): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

// ---------------------------------------------------------------------------------------
// Fast path.

const NO_FAST: unique symbol = Symbol("no-fast-path");
type Fast = AttrValue | typeof NO_FAST;

/**
 * Character classes for the fast path (ASCII only; anything else bails out):
 * bit 1: may appear in a plain scalar or quoted scalar line (0x20-0x7E);
 * bit 2: indicator that cannot start a plain scalar (`-?:` can, when followed by non-space).
 */
const PRINTABLE = 1;
const INDICATOR = 2;
const CLASS = new Uint8Array(128);
for (let i = 0x20; i < 0x7f; i++) CLASS[i] = PRINTABLE;
for (const ch of "-?:,[]{}#&*!|>'\"%@`") CLASS[ch.charCodeAt(0)]! |= INDICATOR;

/** Is text[start, end) a single-line plain scalar the fast path can take as is? */
function isSimplePlain(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  const c0 = text.charCodeAt(start);
  if (c0 >= 128 || (CLASS[c0]! & INDICATOR) !== 0) {
    if (c0 !== 0x2d && c0 !== 0x3f && c0 !== 0x3a) return false; // - ? :
    if (end - start < 2) return false;
    const c1 = text.charCodeAt(start + 1);
    if (c1 === 0x20) return false;
    // "---" and "..." may be document markers: leave them to the parser.
    if (c0 === 0x2d && c1 === 0x2d && text.charCodeAt(start + 2) === 0x2d) return false;
  } else if (c0 === 0x20) {
    return false;
  } else if (c0 === 0x2e && text.startsWith("...", start)) {
    return false;
  }
  const last = text.charCodeAt(end - 1);
  if (last === 0x20 || last === 0x3a) return false; // trailing space, trailing ':'
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || CLASS[c] === 0) return false;
    if (c === 0x20) {
      const n = text.charCodeAt(i + 1);
      if (n === 0x23 /* # */) return false;
    } else if (c === 0x3a /* : */ && text.charCodeAt(i + 1) === 0x20) {
      return false;
    }
  }
  return true;
}

/** The value of the last single-quoted scalar scanSingleQuoted accepted. */
let quotedValue = "";

/**
 * A single-quoted scalar starting at text[start] === "'" and closing before `lineEnd`, on
 * one line of printable ASCII. Returns the index just after the closing quote (the value is
 * left in `quotedValue`), or -1.
 */
function scanSingleQuoted(text: string, start: number, lineEnd: number): number {
  let i = start + 1;
  let value = "";
  let from = i;
  for (;;) {
    const q = text.indexOf("'", i);
    if (q < 0 || q >= lineEnd) return -1;
    for (let j = i; j < q; j++) {
      const c = text.charCodeAt(j);
      if (c >= 128 || CLASS[c] === 0) return -1;
    }
    if (text.charCodeAt(q + 1) === 0x27 && q + 1 < lineEnd) {
      value += text.slice(from, q + 1);
      i = q + 2;
      from = i;
      continue;
    }
    value += text.slice(from, q);
    quotedValue = value;
    return q + 1;
  }
}

/** The value of the scalar occupying exactly text[start, end), or NO_FAST. */
function fastScalar(text: string, start: number, end: number): Fast {
  const c0 = text.charCodeAt(start);
  if (c0 === 0x27 /* ' */) {
    return scanSingleQuoted(text, start, end) === end ? quotedValue : NO_FAST;
  }
  if (end - start === 2) {
    if (c0 === 0x7b && text.charCodeAt(start + 1) === 0x7d) return {};
    if (c0 === 0x5b && text.charCodeAt(start + 1) === 0x5d) return [];
  }
  if (!isSimplePlain(text, start, end)) return NO_FAST;
  const s = text.slice(start, end);
  // Digits-only ints (the common µs timestamps and counters) skip the regexes.
  if (c0 >= 0x31 && c0 <= 0x39) {
    let digits = true;
    for (let i = start + 1; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) {
        digits = false;
        break;
      }
    }
    if (digits) {
      if (end - start <= 15) return Number(s);
      return intResult(BigInt(s));
    }
  }
  const tag = resolvePlain(s);
  if (tag === "merge" || tag === "value" || tag === "yaml") return NO_FAST;
  try {
    return constructPlain(s, tag);
  } catch {
    return NO_FAST; // e.g. `._` or `0b_`: PyYAML fails too; let the fallback say so
  }
}

/** Limit for implicit keys; longer ones are left to the parser (PyYAML limits them to 1024). */
const MAX_FAST_KEY = 1000;

function decodeFast(text: string): Fast {
  const len = text.length;
  if (len === 0) return NO_FAST;
  // Content ends before one final "\n"; any other blank line or "\r" bails out below.
  const contentEnd = text.charCodeAt(len - 1) === 0x0a ? len - 1 : len;
  if (contentEnd === 0) return NO_FAST;
  const c0 = text.charCodeAt(0);
  let firstEnd = text.indexOf("\n");
  if (firstEnd < 0 || firstEnd > contentEnd) firstEnd = contentEnd;

  if (c0 === 0x2d /* - */ && text.charCodeAt(1) === 0x20) {
    // Block list of scalars: "- item" lines.
    const out: AttrValue[] = [];
    let pos = 0;
    while (pos < contentEnd) {
      let eol = text.indexOf("\n", pos);
      if (eol < 0 || eol > contentEnd) eol = contentEnd;
      if (text.charCodeAt(pos) !== 0x2d || text.charCodeAt(pos + 1) !== 0x20 || eol - pos < 3) return NO_FAST;
      const v = fastScalar(text, pos + 2, eol);
      if (v === NO_FAST) return NO_FAST;
      out.push(v);
      pos = eol + 1;
    }
    return out;
  }

  // A map if the first line is `key: ...`; else a single scalar.
  let isMap = false;
  if (c0 === 0x27) {
    const q = scanSingleQuoted(text, 0, firstEnd);
    if (q < 0) return NO_FAST;
    if (q !== firstEnd) isMap = true;
  } else {
    const colon = text.indexOf(": ", 0);
    isMap = (colon >= 0 && colon < firstEnd) || text.charCodeAt(firstEnd - 1) === 0x3a;
  }
  if (!isMap) {
    if (firstEnd !== contentEnd) return NO_FAST;
    return fastScalar(text, 0, contentEnd);
  }

  const obj: { [key: string]: AttrValue } = {};
  let pos = 0;
  while (pos < contentEnd) {
    let eol = text.indexOf("\n", pos);
    if (eol < 0 || eol > contentEnd) eol = contentEnd;
    let key: string;
    let valueStart: number;
    if (text.charCodeAt(pos) === 0x27) {
      const q = scanSingleQuoted(text, pos, eol);
      if (q < 0 || text.charCodeAt(q) !== 0x3a || text.charCodeAt(q + 1) !== 0x20) return NO_FAST;
      key = quotedValue;
      valueStart = q + 2;
    } else {
      const colon = text.indexOf(": ", pos);
      if (colon < 0 || colon >= eol || colon - pos > MAX_FAST_KEY) return NO_FAST;
      if (!isSimplePlain(text, pos, colon)) return NO_FAST;
      key = text.slice(pos, colon);
      if (resolvePlain(key) !== "str") return NO_FAST;
      valueStart = colon + 2;
    }
    if (valueStart - pos > MAX_FAST_KEY + 2 || valueStart >= eol) return NO_FAST;
    const v = fastScalar(text, valueStart, eol);
    if (v === NO_FAST) return NO_FAST;
    setKey(obj, key, v);
    pos = eol + 1;
  }
  return obj;
}

// ---------------------------------------------------------------------------------------
// Fallback: the `yaml` package for parsing, PyYAML's rules for building the value.

type YamlModule = typeof import("yaml");
let yamlModule: YamlModule | undefined;
function yamlLib(): YamlModule {
  // Loaded on first use only: most attr files never need it.
  yamlModule ??= requireLazy<YamlModule>(import.meta.url, "yaml");
  return yamlModule;
}

/** At most this many alias references per document. */
export const MAX_ALIASES = 1000;
/** At most this many nodes in the value once aliases are expanded (alias bombs). */
export const MAX_EXPANDED_NODES = 1_000_000;

/** yaml/reader.py NON_PRINTABLE: PyYAML refuses these characters anywhere in the input. */
const NON_PRINTABLE = /[^\t\n\r\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const TAG = "tag:yaml.org,2002:";
/** SafeConstructor.timestamp_regexp (what an explicit !!timestamp must match). */
const TIMESTAMP_CONSTRUCT_RE =
  /^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?$/;

type YNode = import("yaml").Node;
type YScalar = import("yaml").Scalar;
type YMap = import("yaml").YAMLMap;
type YSeq = import("yaml").YAMLSeq;
type YAlias = import("yaml").Alias;
type Pairs = [YNode | null, YNode | null][];

/** PyYAML's scanner accepts only these characters in anchor and alias names. */
function checkAnchorName(name: string): void {
  if (!/^[0-9A-Za-z_-]+$/.test(name)) {
    throw new AttrDecodeError(`while scanning an anchor or alias: unexpected character in '${clip(name)}'`);
  }
}

/**
 * Builds the value of a parsed document with PyYAML's composer and SafeConstructor rules.
 * A first pass binds every alias to its anchor in document order (like the composer:
 * undefined or duplicate anchors are errors) and bounds alias use; then values are built,
 * sharing one object per anchored collection.
 */
class Builder {
  private readonly Y = yamlLib();
  private readonly targets = new Map<YAlias, YNode>();
  private readonly built = new Map<YNode, AttrValue>();
  private readonly flattened = new Map<YMap, Pairs>();

  /** Where the input ends when it does not end with a line break (else -1). */
  private readonly openEnd: number;

  constructor(root: YNode | null, src: string) {
    this.openEnd = src.endsWith("\n") ? -1 : src.length;
    if (root == null) return;
    this.bind(root, new Map());
    if (this.targets.size > 0) this.sizeOf(root, new Map(), new Set());
  }

  private bind(node: YNode | null, anchors: Map<string, YNode>): void {
    if (node == null) return;
    const Y = this.Y;
    if (Y.isAlias(node)) {
      checkAnchorName(node.source);
      const target = anchors.get(node.source);
      if (target === undefined) throw new AttrDecodeError(`found undefined alias '${clip(node.source)}'`);
      this.targets.set(node, target);
      if (this.targets.size > MAX_ALIASES) throw new AttrDecodeError(`too many aliases (more than ${MAX_ALIASES})`);
      return;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) {
      checkAnchorName(anchor);
      if (anchors.has(anchor)) throw new AttrDecodeError(`found duplicate anchor '${clip(anchor)}'`);
      anchors.set(anchor, node);
    }
    if (Y.isMap(node)) {
      for (const p of node.items) {
        this.bind(p.key as YNode | null, anchors);
        this.bind(p.value as YNode | null, anchors);
      }
    } else if (Y.isSeq(node)) {
      for (const it of node.items) this.bind(it as YNode | null, anchors);
    }
  }

  /** Node count with aliases expanded; rejects recursion and alias bombs. */
  private sizeOf(node: YNode | null, memo: Map<YNode, number>, open: Set<YNode>): number {
    if (node == null) return 1;
    const Y = this.Y;
    if (Y.isAlias(node)) {
      const target = this.targets.get(node)!;
      if (open.has(target)) throw new AttrDecodeError(`recursive alias '${clip(node.source)}' is not supported`);
      return this.sizeOf(target, memo, open);
    }
    const known = memo.get(node);
    if (known !== undefined) return known;
    let n = 1;
    open.add(node);
    if (Y.isMap(node)) {
      for (const p of node.items) {
        n += this.sizeOf(p.key as YNode | null, memo, open) + this.sizeOf(p.value as YNode | null, memo, open);
      }
    } else if (Y.isSeq(node)) {
      for (const it of node.items) n += this.sizeOf(it as YNode | null, memo, open);
    }
    open.delete(node);
    if (n > MAX_EXPANDED_NODES) throw new AttrDecodeError("aliases expand to too large a value");
    memo.set(node, n);
    return n;
  }

  private deref(node: YNode): YNode {
    return this.Y.isAlias(node) ? this.targets.get(node)! : node;
  }

  /** The PyYAML tag of a scalar node: explicit, or resolved like the composer does. */
  private scalarTag(node: YScalar): string {
    const tag = node.tag;
    if (tag === undefined || tag === "!") {
      // The parser marks plain scalars and `!`-tagged ones (even quoted) as implicit.
      if (node.type === "PLAIN" || tag === "!") return TAG + resolvePlain(String(node.value ?? ""));
      return TAG + "str";
    }
    return tag;
  }

  build(raw: YNode | null | undefined): AttrValue {
    if (raw == null) return null;
    const node = this.deref(raw);
    const done = this.built.get(node);
    if (done !== undefined) return done;
    const Y = this.Y;
    if (Y.isScalar(node)) return this.constructScalar(node, this.scalarTag(node)).value;
    const tag = node.tag;
    if (Y.isSeq(node)) {
      if (tag === undefined || tag === "!" || tag === TAG + "seq") return this.constructSeq(node);
      if (tag === TAG + "omap" || tag === TAG + "pairs") return this.constructPairs(node);
      if (tag === TAG + "map" || tag === TAG + "set") throw new AttrDecodeError("expected a mapping node, but found sequence");
      throw new AttrDecodeError(`could not determine a constructor for the tag '${clip(tag)}'`);
    }
    if (Y.isMap(node)) {
      if (tag === undefined || tag === "!" || tag === TAG + "map") return this.constructMap(node);
      if (tag === TAG + "set") throw new AttrDecodeError("!!set is not supported");
      if (tag === TAG + "seq" || tag === TAG + "omap" || tag === TAG + "pairs") {
        throw new AttrDecodeError("expected a sequence node, but found mapping");
      }
      throw new AttrDecodeError(`could not determine a constructor for the tag '${clip(tag)}'`);
    }
    throw new AttrDecodeError("unexpected node");
  }

  /** A scalar's value, and whether it was a float (for key strings). */
  private constructScalar(node: YScalar, tag: string): { value: AttrValue; isFloat: boolean } {
    let text = String(node.value ?? "");
    // A block scalar that runs to the end of an input without a final line break has no
    // final line break in PyYAML (the `yaml` package adds one).
    if (
      this.openEnd >= 0 &&
      (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") &&
      node.range?.[1] === this.openEnd &&
      text.endsWith("\n")
    ) {
      text = text.slice(0, -1);
    }
    if (!tag.startsWith(TAG)) throw new AttrDecodeError(`could not determine a constructor for the tag '${clip(tag)}'`);
    switch (tag.slice(TAG.length)) {
      case "str":
        return { value: text, isFloat: false };
      case "null":
        return { value: null, isFloat: false };
      case "bool": {
        const b = BOOL_VALUES[text.toLowerCase()];
        if (b === undefined) throw new AttrDecodeError(`invalid boolean '${clip(text)}'`);
        return { value: b, isFloat: false };
      }
      case "int":
        return { value: constructInt(text), isFloat: false };
      case "float":
        return { value: floatValue(constructFloatNumber(text)), isFloat: true };
      case "timestamp":
        if (!TIMESTAMP_CONSTRUCT_RE.test(text)) throw new AttrDecodeError(`invalid timestamp '${clip(text)}'`);
        return { value: text, isFloat: false };
      case "binary":
        throw new AttrDecodeError("!!binary is not supported");
      case "seq":
      case "omap":
      case "pairs":
        throw new AttrDecodeError("expected a sequence node, but found scalar");
      case "map":
      case "set":
        throw new AttrDecodeError("expected a mapping node, but found scalar");
      default:
        throw new AttrDecodeError(`could not determine a constructor for the tag '${clip(tag)}'`);
    }
  }

  private constructSeq(node: YSeq): AttrValue[] {
    const out: AttrValue[] = [];
    this.built.set(node, out);
    for (const item of node.items) out.push(this.build(item as YNode | null));
    return out;
  }

  /** !!omap / !!pairs: a list of [key, value] pairs (Python: a list of tuples). */
  private constructPairs(node: YSeq): AttrValue[] {
    const out: AttrValue[] = [];
    this.built.set(node, out);
    for (const raw of node.items) {
      const sub = raw == null ? null : this.deref(raw as YNode);
      if (sub == null || !this.Y.isMap(sub) || sub.items.length !== 1) {
        throw new AttrDecodeError("while constructing an ordered map: expected a single mapping item");
      }
      const pair = sub.items[0]!;
      out.push([this.build(pair.key as YNode | null), this.build(pair.value as YNode | null)]);
    }
    return out;
  }

  private isMergeKey(key: YNode | null): boolean {
    if (key == null) return false;
    const k = this.deref(key);
    return this.Y.isScalar(k) && this.scalarTag(k) === TAG + "merge";
  }

  /**
   * SafeConstructor.flatten_mapping: the (key, value) pairs of a mapping with `<<` merges
   * applied: merged pairs first and own pairs after (so own keys win); for a list of
   * mappings, earlier ones win. Memoized, like PyYAML which flattens nodes in place.
   */
  private flatten(node: YMap): Pairs {
    const known = this.flattened.get(node);
    if (known !== undefined) return known;
    let merge: Pairs = [];
    const own: Pairs = [];
    for (const pair of node.items) {
      const key = pair.key as YNode | null;
      const value = pair.value as YNode | null;
      if (!this.isMergeKey(key)) {
        own.push([key, value]);
        continue;
      }
      const v = value == null ? null : this.deref(value);
      if (v != null && this.Y.isMap(v)) {
        merge = merge.concat(this.flatten(v));
      } else if (v != null && this.Y.isSeq(v)) {
        const subs: Pairs[] = [];
        for (const raw of v.items) {
          const m = raw == null ? null : this.deref(raw as YNode);
          if (m == null || !this.Y.isMap(m)) throw new AttrDecodeError("expected a mapping for merging");
          subs.push(this.flatten(m));
        }
        subs.reverse();
        for (const s of subs) merge = merge.concat(s);
      } else {
        throw new AttrDecodeError("expected a mapping or list of mappings for merging");
      }
    }
    const all = merge.length > 0 ? merge.concat(own) : own;
    this.flattened.set(node, all);
    return all;
  }

  private constructMap(node: YMap): { [key: string]: AttrValue } {
    const out: { [key: string]: AttrValue } = {};
    this.built.set(node, out);
    // Python dict keys that compare equal are one key, which keeps its first spelling:
    // 1, 1.0 and true; 0, -0.0 and false.
    let numericKeys: Map<number | bigint, string> | undefined;
    for (const [k, v] of this.flatten(node)) {
      const r = this.keyOf(k);
      let key = r.key;
      const numeric = r.numeric;
      if (numeric !== undefined) {
        numericKeys ??= new Map();
        const first = numericKeys.get(numeric);
        if (first === undefined) numericKeys.set(numeric, key);
        else key = first;
      }
      setKey(out, key, this.build(v));
    }
    return out;
  }

  /** A key node to a JS key string, and the number a bool/int/float key equals in Python. */
  private keyOf(raw: YNode | null): { key: string; numeric?: number | bigint } {
    if (raw == null) return { key: "null" };
    const node = this.deref(raw);
    if (!this.Y.isScalar(node)) throw new AttrDecodeError("found unhashable key");
    let tag = this.scalarTag(node);
    // flatten_mapping turns a `=` (tag:yaml.org,2002:value) key into a string.
    if (tag === TAG + "value") tag = TAG + "str";
    const { value, isFloat } = this.constructScalar(node, tag);
    const key = keyString(value, isFloat);
    let numeric: number | bigint | undefined;
    if (typeof value === "boolean") numeric = value ? 1 : 0;
    else if (typeof value === "number") numeric = value === 0 ? 0 : value;
    else if (value instanceof GuildFloat) numeric = value.value === 0 ? 0 : value.value;
    else if (typeof value === "bigint") numeric = value;
    // NaN is never equal to itself: each NaN key stays apart (under its own spelling).
    if (typeof numeric === "number" && Number.isNaN(numeric)) numeric = undefined;
    // An integral double beyond 2^53 equals the int of the same value.
    if (typeof numeric === "number" && Number.isInteger(numeric) && !Number.isSafeInteger(numeric)) numeric = BigInt(numeric);
    return numeric === undefined ? { key } : { key, numeric };
  }
}

/**
 * The fallback decoder alone (exported for tests, which check that the fast path agrees
 * with it). Prefer decodeAttr.
 */
export function decodeAttrFallback(text: string): AttrValue {
  if (NON_PRINTABLE.test(text)) {
    const m = NON_PRINTABLE.exec(text)!;
    const cp = m[0].codePointAt(0)!;
    throw new AttrDecodeError(`unacceptable character #x${cp.toString(16).padStart(4, "0")}`);
  }
  // Python reads attr files with universal newlines; PyYAML also breaks lines at NEL.
  const src = /[\r\x85]/.test(text) ? text.replace(/\r\n?|\x85/g, "\n") : text;
  const Y = yamlLib();
  let doc: import("yaml").Document.Parsed | null = null;
  try {
    // Y.parseDocument, with the CST checked for depth before the (recursive) composer sees it.
    const tokens = Array.from(new Y.Parser().parse(src));
    checkDepth(tokens);
    const composer = new Y.Composer({ version: "1.1", schema: "failsafe", merge: false, uniqueKeys: false, keepSourceTokens: false });
    for (const d of composer.compose(tokens, true, src.length)) {
      if (!doc) doc = d;
      else {
        doc.errors.push(
          new Y.YAMLParseError(d.range.slice(0, 2) as [number, number], "MULTIPLE_DOCS", "Source contains multiple documents"),
        );
        break;
      }
    }
  } catch (e) {
    if (e instanceof AttrDecodeError) throw e;
    throw new AttrDecodeError(shortMessage(e));
  }
  if (!doc) throw new AttrDecodeError("no document");
  if (doc.errors.length > 0) throw new AttrDecodeError(shortMessage(doc.errors[0]));
  if (src.includes("\t")) checkTabs(src);
  if (/(?:^|[\s,[{?-]):(?:\s|$)/m.test(src)) checkEmptyKeys(src);
  try {
    const root = doc.contents as YNode | null;
    return new Builder(root, src).build(root);
  } catch (e) {
    if (e instanceof AttrDecodeError) throw e;
    throw new AttrDecodeError(shortMessage(e));
  }
}

/**
 * The deepest nesting of collections an attr may have. PyYAML's recursive composer gives up
 * (RecursionError) at about 490 levels; the `yaml` package and this module's builder recurse
 * too, and a JavaScript stack overflow near a regular expression can abort the whole process
 * (V8 reports it as "RegExpCompiler Allocation failed"), so deeper documents are refused
 * before anything recursive walks them.
 */
export const MAX_DEPTH = 256;

type CstToken = import("yaml").CST.Token;

/** Throws AttrDecodeError when the CST nests collections deeper than MAX_DEPTH (iteratively). */
function checkDepth(tokens: readonly CstToken[]): void {
  const stack: [CstToken, number][] = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [tok, depth] = stack.pop()!;
    switch (tok.type) {
      case "document":
        if (tok.value) stack.push([tok.value, depth]);
        break;
      case "block-map":
      case "block-seq":
      case "flow-collection": {
        const d = depth + 1;
        if (d > MAX_DEPTH) throw new AttrDecodeError(`collections nested too deeply (more than ${MAX_DEPTH} levels)`);
        for (const it of tok.items as { key?: CstToken | null; value?: CstToken }[]) {
          if (it.key) stack.push([it.key, d]);
          if (it.value) stack.push([it.value, d]);
        }
        break;
      }
      default:
        break;
    }
  }
}

/**
 * PyYAML separates tokens with spaces only: a tab outside a quoted scalar, a block scalar
 * or a comment (as separation, indentation, or inside a plain scalar) is a ScannerError
 * "found character '\\t' that cannot start any token". The `yaml` package is more lenient,
 * so look at its lexer tokens.
 */
function checkTabs(src: string): void {
  const Y = yamlLib();
  let plainNext = false;
  let blockBody = false;
  for (const tok of new Y.Lexer().lex(src)) {
    if (tok === Y.CST.SCALAR) {
      plainNext = true;
      continue;
    }
    const type = Y.CST.tokenType(tok);
    if (plainNext) {
      plainNext = false;
      if (blockBody) {
        blockBody = false;
        continue;
      }
      if (type === "single-quoted-scalar" || type === "double-quoted-scalar") continue;
      if (tok.includes("\t")) throw new AttrDecodeError("found character '\\t' that cannot start any token");
      continue;
    }
    switch (type) {
      case "block-scalar-header":
        blockBody = true;
        break;
      case "comment":
      case "single-quoted-scalar":
      case "double-quoted-scalar":
      case "newline":
        break;
      default:
        if (type !== "space") blockBody = false;
        if (tok.includes("\t")) throw new AttrDecodeError("found character '\\t' that cannot start any token");
    }
  }
}

/**
 * PyYAML has no empty implicit keys: `: x` (in a block or flow mapping, or in a flow
 * sequence) is a ParserError; the key must be explicit (`? \n: x`). The `yaml` package
 * accepts them, so look at its CST.
 */
function checkEmptyKeys(src: string): void {
  const Y = yamlLib();
  for (const tok of new Y.Parser().parse(src)) {
    if (tok.type !== "document") continue;
    Y.CST.visit(tok, (item) => {
      if (item.key !== null || !item.sep?.some((t) => t.type === "map-value-ind")) return;
      if (item.start.some((t) => t.type === "explicit-key-ind" || t.type === "anchor" || t.type === "tag")) return;
      throw new AttrDecodeError("while parsing a mapping: expected a key before ':'");
    });
  }
}

function shortMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return showInput(msg.split("\n")[0] ?? msg, 300);
}

/**
 * Document text as an error message quotes it: at most `max` characters, control characters
 * escaped, so that a damaged file makes a one-line warning of reasonable length.
 */
/** Input quoted in an error message: escaped and cut (the one way all messages quote input). */
function clip(text: string): string {
  return showInput(text, 100);
}

/**
 * Decode the text of a Guild attribute file (a YAML document as PyYAML `safe_load` reads it,
 * with Guild's float patch). Throws AttrDecodeError for text that is not such a document.
 */
export function decodeAttr(text: string): AttrValue {
  const fast = decodeFast(text);
  if (fast !== NO_FAST) return fast;
  if (text.length >= CHUNKED_MIN) {
    const chunked = decodeInChunks(text);
    if (chunked !== NO_FAST) return chunked;
  }
  return decodeAttrFallback(text);
}

// ---------------------------------------------------------------------------------------
// Large documents: a top-level block mapping or sequence a piece at a time.
//
// The parser's document model takes about 50 times the text's size (a 16 MB guild file with
// 200,000 operations needed more than 700 MB), so a large document whose top level is a block
// mapping or sequence is cut before lines that start a new top-level entry (column 0) and each
// piece decoded on its own: memory follows the pieces, not the whole. A cut inside a multi-line
// quoted or flow scalar leaves an unterminated piece, which fails to decode: any failure, and
// anything the cut could change (directives, document markers, merge keys, anchors and
// aliases, explicit keys), sends the whole text to the fallback as before.

/** Texts from this size on are decoded in pieces (when their shape allows it). */
export const CHUNKED_MIN = 1 << 20;
const CHUNK_TARGET = 256 << 10;

const NOT_CHUNKABLE = /^(?:%|---|\.\.\.|<<|\?|:)|(?:^|[\s,[{])[&*][^\s,[\]{}]|[\r\x85\ufeff]/m;

function decodeInChunks(text: string, target = CHUNK_TARGET): Fast {
  if (NOT_CHUNKABLE.test(text)) return NO_FAST;
  // The first entry: the first line that is neither blank nor a comment.
  const first = /^[^\s#]/m.exec(text);
  if (!first) return NO_FAST;
  const seq = /^-(?:[ \t]|$)/.test(text.slice(first.index, first.index + 2));
  const pieces: string[] = [];
  let start = 0;
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = text.length;
    const c = text.charCodeAt(pos);
    // A line at column 0 that is not blank or a comment starts a top-level entry.
    if (pos < eol && c !== 0x20 && c !== 0x09 && c !== 0x23 /* # */) {
      const isItem = c === 0x2d /* - */ && (pos + 1 === eol || text.charCodeAt(pos + 1) === 0x20 || text.charCodeAt(pos + 1) === 0x09);
      // In a mapping, `- ` at column 0 continues the entry (a list as the value of a top-level key).
      if (isItem !== seq && !(isItem && !seq)) return NO_FAST;
      if (isItem === seq && pos - start >= target) {
        pieces.push(text.slice(start, pos));
        start = pos;
      }
    }
    pos = eol + 1;
  }
  pieces.push(text.slice(start));
  if (pieces.length < 2) return NO_FAST;
  try {
    if (seq) {
      const out: AttrValue[] = [];
      for (const piece of pieces) {
        const v = decodeAttr(piece);
        if (!Array.isArray(v)) return NO_FAST;
        for (const x of v) out.push(x);
      }
      return out;
    }
    const out: { [key: string]: AttrValue } = {};
    for (const piece of pieces) {
      const v = decodeAttr(piece);
      if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof GuildFloat) return NO_FAST;
      for (const k of Object.keys(v)) setKey(out, k, v[k]!);
    }
    return out;
  } catch (e) {
    if (e instanceof AttrDecodeError) return NO_FAST;
    throw e;
  }
}

/** The piecewise path alone, with pieces of about `pieceSize` characters; undefined when it does not apply (for tests). */
export function decodeAttrInPieces(text: string, pieceSize: number): { value: AttrValue } | undefined {
  const v = decodeInChunks(text, pieceSize);
  return v === NO_FAST ? undefined : { value: v };
}

/** The fast path alone, or undefined when it does not apply (for tests). */
export function decodeAttrFast(text: string): { value: AttrValue } | undefined {
  const v = decodeFast(text);
  return v === NO_FAST ? undefined : { value: v };
}
