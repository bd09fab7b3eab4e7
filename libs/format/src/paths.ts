import { pyLen } from "@guildts/py";
import os from "node:os";
import path from "node:path";

/**
 * Guild's `shorten_path`: a path longer than `maxLen` loses middle parts, replaced by "…", always
 * keeping the last part (and the first of a relative path), taking parts alternately from each
 * side while they fit. Lengths count code points, as Python does.
 */
export function shortenPath(p: string, maxLen = 28, ellipsis = "\u2026", sep = "/"): string {
  if (pyLen(p) <= maxLen) return p;
  const parts = splitPath(p, sep);
  if (parts.length === 1) return parts[0]!;
  const r = [parts.pop()!];
  let l: string[];
  let popR: boolean;
  if (parts[0]!.startsWith(sep)) {
    l = [];
    popR = false;
  } else {
    l = [parts.shift()!];
    popR = true;
  }
  while (parts.length) {
    const lenL = l.reduce((n, x) => n + pyLen(x) + 1, 0);
    const lenR = r.reduce((n, x) => n + pyLen(x) + 1, 0);
    const part = popR ? parts.pop()! : parts.shift()!;
    const side = popR ? r : l;
    if (lenL + lenR + pyLen(part) + pyLen(ellipsis) >= maxLen) break;
    side.push(part);
    popR = !popR;
  }
  const shortened = [l.join(sep), ellipsis, [...r].reverse().join(sep)].join(sep);
  return pyLen(shortened) >= pyLen(p) ? p : shortened;
}

/** Guild's split: leading and repeated separators stay with the next part ("/a//b" → ["/a", "/b"]). */
function splitPath(p: string, sep: string): string[] {
  if (!p) return [];
  const packed: string[] = [];
  let blanks: string[] = [];
  for (const part of p.split(sep)) {
    if (part === "") blanks.push("");
    else {
      packed.push([...blanks, part].join(sep));
      blanks = [];
    }
  }
  if (blanks.length > 1) packed.push(blanks.join(sep));
  return packed;
}

/** A path under the user's home as `~/...` (Guild's `format_dir`). */
export function tildePath(p: string, home = os.homedir()): string {
  if (home && home !== "/" && (p === home || p.startsWith(home + "/"))) return "~" + p.slice(home.length);
  return p;
}

/**
 * How Guild shows an operation's directory next to it, relative to the cwd: "" for the cwd
 * itself, `sub` under it, `../` for its parent, `../x` beside it, else the path with `~`.
 */
export function opDirLabel(dir: string, cwd: string, home = os.homedir()): string {
  const d = path.resolve(dir);
  const c = path.resolve(cwd);
  if (d === c) return "";
  if (d.startsWith(c === "/" ? "/" : c + "/")) return shortenPath(path.relative(c, d));
  const parent = path.dirname(c);
  if (d === parent) return "../";
  if (d.startsWith(parent === "/" ? "/" : parent + "/")) return shortenPath(path.join("..", path.relative(parent, d)));
  return shortenPath(tildePath(d, home));
}
