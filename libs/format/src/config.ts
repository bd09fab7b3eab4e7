import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { requireLazy } from "@guildts/runstore";

/**
 * The user's own defaults for the porcelain, in JSON5 (never Guild's `config.yml`, which stays
 * Guild's): `$XDG_CONFIG_HOME/guildts/config.json5` (default `~/.config/guildts/config.json5`) and
 * `$GUILD_HOME/guildts.json5`, the home's file (the nearer) winning field by field. Plumbing reads
 * neither: its output never depends on a user's settings.
 *
 *     {
 *       runs: { limit: 50 },              // guild runs: how many of the newest (default 20)
 *       compare: { columns: "=lr, loss" }, // guild compare: columns when -c is not given
 *       color: "auto",                     // "auto" | "always" | "never" (NO_COLOR still wins)
 *       view: { host: "localhost", port: 6006 },
 *       remote: "lab",                     // the default remote
 *     }
 */
export interface UserConfig {
  runs: { limit?: number };
  compare: { columns?: string };
  color?: ColorPreference;
  view: { host?: string; port?: number };
  remote?: string;
}

export type ColorPreference = "auto" | "always" | "never";

/** A config file that cannot be used: the message names the file (and line and column, or key). */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface ConfigFile {
  path: string;
  /** Whether the file exists (and so was read). */
  read: boolean;
}

export interface LoadedConfig {
  config: UserConfig;
  /** Every file looked at, farthest first, read or not. */
  files: ConfigFile[];
  /** Unknown keys, one message each (`FILE: unknown key 'x'`). */
  warnings: string[];
}

type Check = (v: unknown) => string | null;
const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) >= 1 ? null : "a whole number of 1 or more");
const port: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? null : "a port number (0 to 65535)");
const nonEmptyString: Check = (v) => (typeof v === "string" && v !== "" ? null : "a non-empty string");
const color: Check = (v) => (v === "auto" || v === "always" || v === "never" ? null : `"auto", "always" or "never"`);
/** Compare columns: one -c spec ("=lr, loss") or a list of them. */
const columns: Check = (v) =>
  (typeof v === "string" && v.trim() !== "") ||
  (Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === "string" && c.trim() !== ""))
    ? null
    : "a column spec (as -c takes) or a list of them";

/** The schema: section -> key -> check; a top-level key maps to its check directly. */
const SCHEMA: Record<string, Check | Record<string, Check>> = {
  runs: { limit: positiveInt },
  compare: { columns },
  color,
  view: { host: nonEmptyString, port },
  remote: nonEmptyString,
};

/** The files, farthest first: the user's, then the home's. */
export function configPaths(home: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const xdg =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), ".config");
  return [path.join(xdg, "guildts", "config.json5"), path.join(home, "guildts.json5")];
}

/** At most this many bytes of config (a config is a few lines; a bigger file is a mistake). */
const MAX_CONFIG_BYTES = 1 << 20;

/** Reads a file if it exists (a regular file only); null when there is none. */
function readIfPresent(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw new ConfigError(`${file}: cannot read: ${(e as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(`${file}: not a regular file`);
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(`${file}: too big for a config file (${st.size} bytes)`);
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}

interface Json5Error extends SyntaxError {
  lineNumber?: number;
  columnNumber?: number;
}

/** Parses one file's text: its fields, with unknown keys reported and bad values thrown. */
export function parseConfig(file: string, text: string, warnings: string[] = []): UserConfig {
  const JSON5 = requireLazy<{ parse(text: string): unknown }>(import.meta.url, "json5");
  let value: unknown;
  try {
    value = JSON5.parse(text);
  } catch (e) {
    const err = e as Json5Error;
    const where = err.lineNumber !== undefined ? `:${err.lineNumber}:${err.columnNumber}` : "";
    // json5's message ends with " at LINE:COLUMN"; the position leads ours instead.
    const msg = err.message.replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    throw new ConfigError(`${file}${where}: not valid JSON5: ${msg}`);
  }
  const out: UserConfig = { runs: {}, compare: {}, view: {} };
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new ConfigError(`${file}: the config must be an object ({ ... }), not ${describe(value)}`);
  for (const [key, v] of Object.entries(value)) {
    const rule = SCHEMA[key];
    if (rule === undefined) {
      warnings.push(`${file}: unknown key '${key}' (ignored; known: ${Object.keys(SCHEMA).join(", ")})`);
      continue;
    }
    if (typeof rule === "function") {
      check(file, key, v, rule);
      (out as unknown as Record<string, unknown>)[key] = v;
      continue;
    }
    if (v === null || typeof v !== "object" || Array.isArray(v))
      throw new ConfigError(`${file}: '${key}' must be an object ({ ${Object.keys(rule).join(", ")} }), not ${describe(v)}`);
    const section = (out as unknown as Record<string, Record<string, unknown>>)[key]!;
    for (const [sub, sv] of Object.entries(v)) {
      const subRule = rule[sub];
      if (subRule === undefined) {
        warnings.push(`${file}: unknown key '${key}.${sub}' (ignored; known: ${Object.keys(rule).join(", ")})`);
        continue;
      }
      check(file, `${key}.${sub}`, sv, subRule);
      section[sub] = Array.isArray(sv) ? sv.join(", ") : sv;
    }
  }
  return out;
}

function check(file: string, key: string, v: unknown, rule: Check): void {
  const want = rule(v);
  if (want !== null) throw new ConfigError(`${file}: '${key}' must be ${want}, not ${describe(v)}`);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/** `near` over `far`, field by field. */
function merge(far: UserConfig, near: UserConfig): UserConfig {
  return {
    runs: { ...far.runs, ...near.runs },
    compare: { ...far.compare, ...near.compare },
    view: { ...far.view, ...near.view },
    ...((near.color ?? far.color) ? { color: near.color ?? far.color } : {}),
    ...((near.remote ?? far.remote) ? { remote: near.remote ?? far.remote } : {}),
  };
}

/** Loads the user's and the home's config files (either may be absent). Throws ConfigError. */
export function loadUserConfig(home: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let config: UserConfig = { runs: {}, compare: {}, view: {} };
  const files: ConfigFile[] = [];
  const warnings: string[] = [];
  for (const file of configPaths(home, env)) {
    const text = readIfPresent(file);
    files.push({ path: file, read: text !== null });
    if (text !== null) config = merge(config, parseConfig(file, text, warnings));
  }
  return { config, files, warnings };
}
