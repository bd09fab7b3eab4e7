import type { EventFileWriter } from "./tfevents.js";

/**
 * Output scalars (spec §5.1-5.3): patterns matched against each completed output line; `step`
 * is sticky once seen, else an implied step counts repeated keys.
 */
const ALIASES: [RegExp, string][] = [
  [/\\key/g, "[_a-zA-Z]\\S*"],
  [/\\value/g, "[-+]?[0-9]*\\.?(?:[0-9]+)?(?:[eE][-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF]"],
  [/\\step/g, "[0-9]+"],
];

/** A Python regex as a JS one: named groups `(?P<n>...)` and the aliases above. */
function compile(pattern: string): RegExp | null {
  let p = pattern.replace(/\(\?P</g, "(?<");
  for (const [re, sub] of ALIASES) p = p.replace(re, `(?:${sub})`);
  try {
    return new RegExp(p, "g");
  } catch {
    return null;
  }
}

interface Pattern {
  re: RegExp;
  /** For a `{key: pattern}` entry: the key its single group is the value of. */
  key: string | null;
}

export interface ScalarMatcher {
  /** The key/value pairs a line holds (step included as the key "step"). */
  match(line: string): Map<string, number>;
  /** Keys ignored by the default patterns (the flag names). */
  readonly ignore: ReadonlySet<string>;
}

const DEFAULTS = ["^\\key:\\s+\\value\\s+\\((?:step\\s+)?(?P<step>\\step)\\)$", "^(\\key):\\s+(\\value)(?:\\s+\\(.*\\))?$"];

function toFloat(s: string | undefined): number | null {
  if (s === undefined || s.trim() === "") return null;
  const t = s.trim().toLowerCase();
  if (/^[-+]?inf$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (t === "nan") return NaN;
  const n = Number(t);
  return Number.isNaN(n) || !/\d/.test(t) ? null : n;
}

/**
 * The matcher for an op's `output-scalars` setting: undefined/null → Guild's defaults (flag
 * names ignored), `false`/`[]` → none, a string, a `{key: pattern}` map, or a list of those.
 */
export function compileOutputScalars(config: unknown, flagNames: Iterable<string> = []): ScalarMatcher | null {
  let entries: unknown[];
  let ignore = new Set<string>();
  if (config === undefined || config === null) {
    entries = DEFAULTS;
    ignore = new Set(flagNames);
  } else if (config === false || (Array.isArray(config) && config.length === 0)) return null;
  else entries = Array.isArray(config) ? config : [config];
  const patterns: Pattern[] = [];
  for (const e of entries) {
    if (typeof e === "string") {
      const re = compile(e);
      if (re) patterns.push({ re, key: null });
    } else if (e && typeof e === "object") {
      for (const key of Object.keys(e).sort()) {
        const re = compile(String((e as Record<string, unknown>)[key]));
        if (re) patterns.push({ re, key });
      }
    }
  }
  return {
    ignore,
    match(line) {
      const found = new Map<string, number>();
      const text = line.trimEnd();
      for (const p of patterns) {
        p.re.lastIndex = 0;
        for (const m of text.matchAll(p.re)) {
          const groups = m.groups ?? {};
          const named = Object.keys(groups);
          if (named.length) {
            if ("_key" in groups && "_val" in groups) {
              const v = toFloat(groups._val);
              if (groups._key && v !== null) found.set(groups._key, v);
            }
            for (const n of named) {
              if (n === "_key" || n === "_val") continue;
              const v = toFloat(groups[n]);
              if (v !== null) found.set(n, v);
            }
          } else if (p.key !== null && m.length >= 2) {
            const v = toFloat(m[1]);
            if (v !== null) found.set(p.key, v);
          } else if (m.length >= 3 && m[1]) {
            const v = toFloat(m[2]);
            if (v !== null) found.set(m[1], v);
          }
        }
      }
      return found;
    },
  };
}

/** Applies a matcher line by line, with Guild's step rules, writing scalars in key order. */
export class ScalarLogger {
  private step: number | null = null;
  private implied = 0;
  private seen = new Set<string>();
  constructor(
    private readonly matcher: ScalarMatcher,
    private readonly writer: Pick<EventFileWriter, "addScalar" | "flush" | "close">,
  ) {}

  onLine(line: string): void {
    const found = this.matcher.match(line);
    if (found.has("step")) {
      this.step = Math.trunc(found.get("step")!);
      found.delete("step");
    }
    const keys = [...found.keys()].filter((k) => !this.matcher.ignore.has(k)).sort();
    if (!keys.length) return;
    let step: number;
    if (this.step !== null) step = this.step;
    else {
      if (keys.some((k) => this.seen.has(k))) {
        this.implied++;
        this.seen = new Set();
      }
      for (const k of keys) this.seen.add(k);
      step = this.implied;
    }
    for (const k of keys) this.writer.addScalar(k, found.get(k)!, step);
    this.writer.flush();
  }

  close(): void {
    this.writer.close();
  }
}
