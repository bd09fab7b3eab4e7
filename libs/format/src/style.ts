/**
 * Terminal styling rules, one place for every command: colour only when the stream is a TTY,
 * `NO_COLOR` is unset (https://no-color.org) and TERM is not "dumb"; `FORCE_COLOR` forces it.
 * The user's config (`color`, porcelain only) comes after the environment: "never" turns colour
 * off, "always" on even off a terminal, "auto" (the default) keeps the TTY rule.
 */
export function useColor(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
  preference: "auto" | "always" | "never" = "auto",
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  if (preference !== "auto") return preference === "always";
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

export interface Style {
  dim(s: string): string;
  bold(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  green(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => (s ? `\x1b[${open}m${s}\x1b[${close}m` : s);
export const COLOR: Style = { dim: wrap(2, 22), bold: wrap(1, 22), yellow: wrap(33, 39), red: wrap(31, 39), green: wrap(32, 39) };
export const PLAIN: Style = { dim: (s) => s, bold: (s) => s, yellow: (s) => s, red: (s) => s, green: (s) => s };

export function styleFor(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
  preference: "auto" | "always" | "never" = "auto",
): Style {
  return useColor(stream, env, preference) ? COLOR : PLAIN;
}

/** Removes ANSI styling, for width computations. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}

/**
 * Cuts a line to `width` visible columns (styling codes do not count), as Guild does for rows on
 * a TTY.
 */
export function truncateVisible(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  let out = "";
  let seen = 0;
  for (let i = 0; i < s.length && seen < width; ) {
    if (s[i] === "\x1b") {
      const m = /^\x1b\[[0-9;]*m/.exec(s.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    out += s[i];
    seen++;
    i++;
  }
  return out + "\x1b[0m".repeat(s.includes("\x1b[") ? 1 : 0);
}

/**
 * The width to fit terminal tables in: $COLUMNS, else the terminal's own, when `stream` is a
 * terminal; 0 (do not fit: Guild's bytes) when it is a pipe or a file.
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): number {
  if (!stream.isTTY) return 0;
  return Number(env.COLUMNS) || stream.columns || 0;
}
