import { GuildFloat, setJsonFloatMarker } from "@guildts/runstore";

/**
 * JSON for records holding attr values: V8's native JSON.stringify, except that a Guild float
 * keeps its float spelling (`1.0`, not `1`), a bigint is written as its digits, and a non-finite
 * float (which JSON cannot hold) is written as the string ".inf", "-.inf" or ".nan" (YAML's
 * spelling).
 *
 * How: during the call, GuildFloat.toJSON returns a marker string carrying a per-process random
 * nonce, and the markers are then unquoted. No input can forge a marker: it cannot know the
 * nonce. (A replacer function would do the same but costs 3x: V8's fast path skips replacers.)
 */
// A marked value `"<nonce>(1.0)<nonce>"` in the JSON text becomes `1.0`: two literal
// replacements, cheaper than a regex with a capture group. The marker is plain ASCII that needs
// no escaping, which keeps JSON.stringify on its fast path. Made on first use (node:crypto is
// not loaded at start-up).
let OPEN = "";
let CLOSE = "";
let OPEN_JSON = "";
let CLOSE_JSON = "";

function initMarkers(): void {
  if (OPEN) return;
  const nonce = process.getBuiltinModule("node:crypto").randomBytes(9).toString("base64url");
  OPEN = `${nonce}(`;
  CLOSE = `)${nonce}`;
  OPEN_JSON = `"${OPEN}`;
  CLOSE_JSON = `${CLOSE}"`;
}

function mark(text: string): string {
  return OPEN + text + CLOSE;
}

function markFloat(n: number): string {
  if (Number.isNaN(n)) return ".nan";
  if (!Number.isFinite(n)) return n > 0 ? ".inf" : "-.inf";
  return mark(formatFloat(n));
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? mark(value.toString()) : value;
}

/** JSON text with markers still in it (call with the float marker set). */
function markedJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    // Only a bigint (an int beyond 2^53 in an attr) makes JSON.stringify throw here.
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(value, bigintReplacer);
  }
}

function unmark(s: string): string {
  return s.includes(OPEN_JSON) ? s.replaceAll(OPEN_JSON, "").replaceAll(CLOSE_JSON, "") : s;
}

export function toJson(value: unknown): string {
  initMarkers();
  setJsonFloatMarker(markFloat);
  try {
    return unmark(markedJson(value));
  } finally {
    setJsonFloatMarker(null);
  }
}

/**
 * One JSON line per value (NDJSON), written through `write` in chunks of about 64 KiB: the
 * markers are removed once per chunk rather than once per line.
 */
export function writeJsonLines(values: Iterable<unknown>, write: (chunk: string) => void): void {
  initMarkers();
  setJsonFloatMarker(markFloat);
  try {
    let parts: string[] = [];
    let size = 0;
    for (const v of values) {
      const line = markedJson(v);
      parts.push(line, "\n");
      size += line.length;
      if (size >= 1 << 16) {
        write(unmark(parts.join("")));
        parts = [];
        size = 0;
      }
    }
    if (parts.length) write(unmark(parts.join("")));
  } finally {
    setJsonFloatMarker(null);
  }
}

/** A finite float as JSON, always with a decimal point or an exponent. */
export function formatFloat(n: number): string {
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

export { GuildFloat };
