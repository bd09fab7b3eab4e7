import { compareCodePoints, decodeUtf8Ignore, parsePyFloat, PyRegex, pyRepr as pyReprValue, pyRstrip, type AttrValue } from "@guildts/py";
import { stepToInt64 } from "./tfevents.js";

/**
 * Output scalars as Guild AI 0.9 captures them (spec §5.1-5.3; `guild/summary.py`): Python
 * regular expressions (@guildts/py's PyRegex) run with `finditer` over each completed output
 * line, values converted with Python's `float()`, then a sticky `step` or an implied step, keys
 * written in sorted order.
 */

/** Python's `repr()` of a config value, for Guild's warning and error messages. */
function pyRepr(v: unknown): string {
  return pyReprValue(v as AttrValue | undefined);
}

/** The line Guild matches: bytes decoded as UTF-8 ignoring errors, then right-stripped (`_line_to_match`). */
export function lineToMatch(line: string | Uint8Array): string {
  return pyRstrip(typeof line === "string" ? line : decodeUtf8Ignore(line));
}

/* ------------------------------------------------------------------------------------------ */
/* Guild's output patterns                                                                     */
/* ------------------------------------------------------------------------------------------ */

export const KEY_PATTERN = "[_a-zA-Z]\\S*";
export const NUM_PATTERN = "(?:[-+]?[0-9]*\\.?(?:[0-9]+)?(?:[eE][-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF])";
export const STEP_PATTERN = "[0-9]+";
export const TERM_PATTERN = "\\S+";

/** Substituted into every pattern, in this order (`summary.OUTPUT_SCALAR_ALIASES`). */
export const OUTPUT_SCALAR_ALIASES: readonly (readonly [string, string])[] = [
  ["\\key", KEY_PATTERN],
  ["\\value", NUM_PATTERN],
  ["\\step", STEP_PATTERN],
];

/** For output attrs `\value` is one token (`summary.OUTPUT_ATTR_ALIASES`). */
export const OUTPUT_ATTR_ALIASES: readonly (readonly [string, string])[] = [
  ["\\key", KEY_PATTERN],
  ["\\value", TERM_PATTERN],
];

/**
 * Guild 0.9's default output scalars (`summary.DEFAULT_OUTPUT_SCALARS`). The first only sets
 * `step` from `key: value (step N)` / `key: value (N)`; note it is not anchored with `^` in
 * Guild's source (spec §5.1 shows a `^`), so it also matches after other text on the line.
 */
export const DEFAULT_OUTPUT_SCALARS: readonly string[] = [
  "\\key:\\s+\\value\\s+\\((?:step\\s+)?(?P<step>\\step)\\)$",
  "^(\\key):\\s+(\\value)(?:\\s+\\(.*\\))?$",
];

export const DEFAULT_OUTPUT_ATTRS: readonly string[] = ["(\\key):\\s+(\\value)$"];

export function replaceAliases(pattern: string, aliases: readonly (readonly [string, string])[]): string {
  let p = pattern;
  for (const [alias, repl] of aliases) p = p.replaceAll(alias, repl);
  return p;
}

export interface ScalarPattern {
  /** The mapping key the pattern was configured under (`{key: pattern}`), null for a plain string. */
  readonly key: string | null;
  /** The pattern as Guild compiles it: the configured text with the aliases replaced. */
  readonly pattern: string;
  readonly regex: PyRegex;
}

export type Warn = (msg: string) => void;

const defaultWarn: Warn = (msg) => process.stderr.write(`WARNING: ${msg}\n`);

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The patterns of a list config (`summary._init_patterns`): strings and `{key: pattern}` maps; bad items are warned about and skipped. */
export function compilePatterns(
  config: readonly unknown[],
  aliases: readonly (readonly [string, string])[] = OUTPUT_SCALAR_ALIASES,
  warn: Warn = defaultWarn,
): ScalarPattern[] {
  const patterns: ScalarPattern[] = [];
  const add = (val: unknown, key: string | null) => {
    if (typeof val !== "string") {
      warn(`invalid output scalar pattern: ${pyRepr(val)}`);
      return;
    }
    const pattern = replaceAliases(val, aliases);
    try {
      patterns.push({ key, pattern, regex: new PyRegex(pattern) });
    } catch (e) {
      warn(`error compiling pattern ${pattern}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const item of config) {
    if (isMapping(item)) {
      for (const key of Object.keys(item).sort(compareCodePoints)) add(item[key], key);
    } else if (typeof item === "string") add(item, null);
    else warn(`invalid item config: ${pyRepr(item)}`);
  }
  return patterns;
}

export type Captured<T> = { key: string; value: T }[];

/**
 * Runs every pattern over the line with `finditer` (`summary._match_line`): named groups give
 * their own keys (`_key`/`_val` together set key and value), otherwise one group is the value
 * under the pattern's key and two groups are key and value. Later matches overwrite earlier ones;
 * the result keeps Python's dict order (first insertion). Values `conv` rejects are dropped.
 * A plain string pattern with one group has no key (Python's None): it is captured under "".
 */
export function matchLine<T>(
  line: string | Uint8Array,
  patterns: readonly ScalarPattern[],
  conv: (s: string | undefined) => T | null,
  warn: Warn = defaultWarn,
): Captured<T> {
  const vals = new Map<string, T>();
  const text = lineToMatch(line);
  const apply = (s: string | undefined, key: string | null | undefined) => {
    const v = conv(s);
    if (v !== null) vals.set(key ?? "", v);
  };
  for (const p of patterns) {
    for (const m of p.regex.finditer(text)) {
      const groupdict = m.groupdict();
      if (groupdict.length) {
        const names = new Map(groupdict);
        if (names.has("_key") && names.has("_val")) apply(names.get("_val"), names.get("_key"));
        else for (const [key, s] of groupdict) apply(s, key);
      } else if (p.regex.groups === 1) apply(m.group(1), p.key);
      else if (p.regex.groups === 2) apply(m.group(2), m.group(1));
      else warn(`bad unnamed group count ${p.regex.groups} for ${pyRepr(p.pattern)} (expected 1 or 2) skipping`);
    }
  }
  return [...vals].map(([key, value]) => ({ key, value }));
}

export interface ScalarMatcher {
  readonly patterns: readonly ScalarPattern[];
  /** Keys never written: the flag names, with the default patterns only. */
  readonly ignore: ReadonlySet<string>;
  /** The keys and float values a line holds, `step` included, in Guild's dict order. */
  match(line: string | Uint8Array): { key: string; value: number }[];
}

/** A bad `output-scalars` value, rejected by Guild when it loads the Guild file. */
export class OutputScalarsConfigError extends TypeError {
  override name = "OutputScalarsConfigError";
}

/**
 * The list form Guild keeps for an op's `output-scalars` (`guildfile._coerce_output_scalars`):
 * undefined/null → null (the defaults), false → [], a string or a mapping → [it], a list as is.
 * Anything else throws, as Guild's Guild file check does.
 */
export function coerceOutputScalars(config: unknown): unknown[] | null {
  if (config === undefined || config === null) return null;
  if (config === false) return [];
  if (typeof config === "string" || isMapping(config)) return [config];
  if (Array.isArray(config)) return config;
  throw new OutputScalarsConfigError(`invalid output-scalars ${pyRepr(config)}: expected a mapping, list, string, or false`);
}

/**
 * The matcher for an op's raw `output-scalars` value: undefined/null → Guild's default patterns,
 * which ignore the flag names; `false`/`no`/`[]` → null (disabled); a string, a `{key: pattern}`
 * mapping or a list of those → exactly those patterns (flag names not ignored). Patterns that do
 * not compile are warned about and skipped; a value of another type throws OutputScalarsConfigError.
 */
export function compileOutputScalars(config: unknown, flagNames: Iterable<string> = [], opts: { warn?: Warn } = {}): ScalarMatcher | null {
  const warn = opts.warn ?? defaultWarn;
  const list = coerceOutputScalars(config);
  if (list !== null && list.length === 0) return null;
  const patterns = compilePatterns(list ?? DEFAULT_OUTPUT_SCALARS, OUTPUT_SCALAR_ALIASES, warn);
  const ignore = new Set(list === null ? flagNames : []);
  return {
    patterns,
    ignore,
    match: (line) => matchLine(line, patterns, parsePyFloat, warn),
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Steps and writing                                                                           */
/* ------------------------------------------------------------------------------------------ */

/** Where scalars go: an EventFileWriter or anything with its shape. */
export interface ScalarWriter {
  addScalar(tag: string, value: number, step: number): void;
  flush(): void;
  close(): void;
}

/**
 * Guild's step rules (`OutputScalars._step_for_line_keys`): a captured `step` is sticky for all
 * later lines; until one is seen, the implied step starts at 0 and goes up by one on a line
 * holding a key already seen since the last increment (that set then becomes the line's keys).
 */
export class StepTracker {
  /** The last `step` captured (a Python float), null until one is seen. */
  step: number | null = null;
  impliedStep: number | null = null;
  private impliedKeys = new Set<string>();

  /** Records a captured `step` value. */
  setStep(step: number): void {
    this.step = step;
  }

  /** The step for a line holding these keys (ignored keys included, as in Guild). */
  forLineKeys(keys: readonly string[]): number {
    if (this.step !== null) return this.step;
    if (keys.some((k) => this.impliedKeys.has(k))) {
      this.impliedStep = (this.impliedStep ?? 0) + 1;
      this.impliedKeys = new Set(keys);
    } else {
      this.impliedStep ??= 0;
      for (const k of keys) this.impliedKeys.add(k);
    }
    return this.impliedStep;
  }
}

/**
 * Applies a matcher line by line as Guild's `OutputScalars.write` does and writes the scalars:
 * per completed line, `step` popped (sticky), the line's step computed, then each key in sorted
 * order (ignored keys skipped) written with `int(step)` and the writer flushed after each scalar.
 * The writer may be given as a factory: it is then created on the first scalar, as Guild creates
 * its event file. Like Guild's output callback, an error (e.g. a NaN step) disables the logger.
 */
export class ScalarLogger {
  readonly steps = new StepTracker();
  private writer: ScalarWriter | null;
  private readonly factory: (() => ScalarWriter) | null;
  private failed: unknown = null;
  private readonly onError: (e: unknown) => void;

  constructor(
    private readonly matcher: ScalarMatcher,
    writer: ScalarWriter | (() => ScalarWriter),
    opts: { onError?: (e: unknown) => void } = {},
  ) {
    this.writer = typeof writer === "function" ? null : writer;
    this.factory = typeof writer === "function" ? writer : null;
    this.onError =
      opts.onError ??
      ((e) => process.stderr.write(`guild: error in output callback (will be removed): ${e instanceof Error ? e.message : String(e)}\n`));
  }

  /** Set once a line failed: nothing more is logged. */
  get error(): unknown {
    return this.failed;
  }

  /**
   * Handles one completed output line (text, or the raw bytes, decoded ignoring invalid UTF-8).
   * Returns the keys it captured (`step` included when the line has a step), which Guild then
   * keeps out of output attrs for that line.
   */
  onLine(line: string | Uint8Array): string[] {
    if (this.failed !== null) return [];
    try {
      return this.write(line);
    } catch (e) {
      this.failed = e;
      this.onError(e);
      return [];
    }
  }

  private write(line: string | Uint8Array): string[] {
    const vals = this.matcher.match(line);
    let step: number | null = null;
    const stepAt = vals.findIndex((v) => v.key === "step");
    if (stepAt >= 0) {
      step = vals[stepAt]!.value;
      vals.splice(stepAt, 1);
      this.steps.setStep(step);
    }
    if (vals.length) {
      step = this.steps.forLineKeys(vals.map((v) => v.key));
      for (const { key, value } of [...vals].sort((a, b) => compareCodePoints(a.key, b.key))) {
        if (this.matcher.ignore.has(key)) continue;
        const int = stepToInt64(step); // raises before the writer exists, as in Guild
        const w = (this.writer ??= this.factory!());
        w.addScalar(key, value, int);
        w.flush();
      }
    }
    const keys = vals.map((v) => v.key);
    if (step !== null) keys.push("step");
    return keys;
  }

  flush(): void {
    this.writer?.flush();
  }

  close(): void {
    this.writer?.close();
  }
}
