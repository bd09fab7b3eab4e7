import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export type HomeSource = "option" | "env" | "venv" | "discovered" | "default";

export interface GuildHome {
  /** Absolute path of GUILD_HOME (it may not exist). */
  path: string;
  /** How it was chosen, for messages. */
  source: HomeSource;
  exists: boolean;
}

export class HomeError extends Error {
  override name = "HomeError";
}

export interface HomeOptions {
  /** The `-H/--home` option, if given. */
  option?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function expandUser(p: string, env: NodeJS.ProcessEnv): string {
  if (p === "~" || p.startsWith("~/")) return path.join(env.HOME || os.homedir(), p.slice(1));
  return p;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Resolves GUILD_HOME as Guild 0.9 does (store spec §1.1): `-H`, a non-empty GUILD_HOME, an
 * activated conda/virtualenv holding `.guild`, the nearest `.guild` directory walking up from the
 * cwd (stopping after the user's home or the root), else `~/.guild`.
 * An explicit home that exists but is not a directory is an error; one that does not exist is
 * returned with `exists: false` (a missing home simply has no runs).
 */
export function resolveGuildHome(opts: HomeOptions = {}): GuildHome {
  const env = opts.env ?? process.env;
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const explicit: [string | undefined, HomeSource][] = [
    [opts.option, "option"],
    [env.GUILD_HOME, "env"],
  ];
  for (const [value, source] of explicit) {
    if (value === undefined || value === "") continue;
    const p = path.resolve(cwd, expandUser(value, env));
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch {
      return { path: p, source, exists: false };
    }
    if (!st.isDirectory()) throw new HomeError(`'${value}' is not a directory`);
    return { path: p, source, exists: true };
  }
  for (const venv of [env.CONDA_PREFIX, env.VIRTUAL_ENV]) {
    if (!venv) continue;
    const p = path.join(venv, ".guild");
    if (isDir(p)) return { path: realpathOr(p), source: "venv", exists: true };
    break; // Guild checks CONDA_PREFIX, else VIRTUAL_ENV: only the first one set.
  }
  const userHome = env.HOME || os.homedir();
  const realUserHome = realpathOr(userHome);
  for (let dir = cwd; ; ) {
    const candidate = path.join(dir, ".guild");
    if (isDir(candidate)) return { path: candidate, source: "discovered", exists: true };
    const parent = path.dirname(dir);
    if (parent === dir || realpathOr(dir) === realUserHome) break;
    dir = parent;
  }
  const p = path.join(userHome, ".guild");
  return { path: p, source: "default", exists: isDir(p) };
}

export function runsRoot(home: string, deleted = false): string {
  return deleted ? path.join(home, "trash", "runs") : path.join(home, "runs");
}

/** Where a run directory would be after a delete or restore: the other of runs/ and trash/runs/. */
export function otherRunDir(runDir: string): string {
  const root = path.dirname(runDir);
  const deleted = path.basename(root) === "runs" && path.basename(path.dirname(root)) === "trash";
  const home = deleted ? path.dirname(path.dirname(root)) : path.dirname(root);
  return path.join(runsRoot(home, !deleted), path.basename(runDir));
}
