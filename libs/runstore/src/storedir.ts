import fs from "node:fs";
import path from "node:path";

/**
 * The store's own directories, and the one rule for them. `runs/` and `trash/runs/` hold the
 * runs: Guild follows them when they are symbolic links (a store on another disk), and so does
 * guildts. The others are guildts's working areas, where it builds, sweeps, removes and locks:
 * `trash/.purging` (purges, lifecycle.ts), `runs/.guildts-new` (runs being built, creation.ts),
 * `locks/` (lock.ts) and `cache/guildts` (the indexes). A working area that is a symbolic link or
 * not a directory is refused (StoreDirError naming it): nothing is ever swept, built, removed or
 * repaired through it, since it could lead anywhere outside the home.
 */
export type StoreDirKind = "runs" | "trash" | "purging" | "new-runs" | "transfers" | "locks" | "cache";

/** Each kind's place in the home, as components (each checked in turn). */
const PLACES: Record<StoreDirKind, readonly string[]> = {
  runs: ["runs"],
  trash: ["trash", "runs"],
  purging: ["trash", ".purging"],
  "new-runs": ["runs", ".guildts-new"],
  transfers: ["runs", ".guildts-transfer"],
  locks: ["locks"],
  cache: ["cache", "guildts"],
};

/** Components Guild itself follows when they are links: the run roots and `trash/`. */
const FOLLOWED = new Set(["runs", "trash", "trash/runs"]);

export function storeDirPath(home: string, kind: StoreDirKind): string {
  return path.join(home, ...PLACES[kind]);
}

/** A store directory guildts refuses to work in (a symbolic link, or not a directory). */
export class StoreDirError extends Error {
  override name = "StoreDirError";
  readonly code = "ESTOREDIR";
  constructor(
    readonly path: string,
    readonly why: "symlink" | "not-a-directory",
    detail: string,
  ) {
    super(
      why === "symlink"
        ? `${path} is a symbolic link${detail}: refused (guildts builds, removes and locks only in real directories of the store; replace it with a directory)`
        : `${path} is not a directory${detail}: refused (remove or rename it)`,
    );
  }
}

function linkTarget(p: string): string {
  try {
    return ` to ${JSON.stringify(fs.readlinkSync(p))}`;
  } catch {
    return "";
  }
}

/**
 * Checks the store directory `kind` of `home`, component by component with lstat: returns its
 * path, or null when it does not exist (unless `create`: then it is made, each missing component
 * a real directory). Throws StoreDirError for a working area that is a symlink or not a
 * directory, and for a run root that is not a directory (through its link, if it is one).
 */
export function storeDir(home: string, kind: StoreDirKind, opts: { create?: boolean } = {}): string | null {
  let dir = home;
  const parts = PLACES[kind];
  for (let i = 0; i < parts.length; i++) {
    dir = path.join(dir, parts[i]!);
    if (i === 0 && opts.create) fs.mkdirSync(home, { recursive: true });
    if (!checkDir(dir, { create: opts.create, followed: FOLLOWED.has(parts.slice(0, i + 1).join("/")) })) return null;
  }
  return dir;
}

/**
 * The rule, for one directory: a real directory (lstat), or with `followed` a link to one.
 * False when it is missing (made first, as a real directory, with `create`); StoreDirError
 * when it is a link (unless followed) or not a directory.
 */
function checkDir(dir: string, opts: { create?: boolean; followed?: boolean }): boolean {
  let st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (st === undefined) {
    if (!opts.create) return false;
    try {
      fs.mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    st = fs.lstatSync(dir);
  }
  if (st.isSymbolicLink()) {
    if (!opts.followed) throw new StoreDirError(dir, "symlink", linkTarget(dir));
    st = fs.statSync(dir, { throwIfNoEntry: false });
    if (st === undefined) {
      if (!opts.create) return false;
      throw new StoreDirError(dir, "not-a-directory", ` (a symbolic link${linkTarget(dir)} that leads nowhere)`);
    }
  }
  if (!st.isDirectory()) throw new StoreDirError(dir, "not-a-directory", "");
  return true;
}

/** storeDir's verdict without throwing: the error, or null when the directory is fine or missing. */
export function storeDirProblem(home: string, kind: StoreDirKind): StoreDirError | null {
  try {
    storeDir(home, kind);
    return null;
  } catch (e) {
    if (e instanceof StoreDirError) return e;
    return null;
  }
}

const realDirs = new Set<string>();

/**
 * Checks that `dir` and, when `levels` is 2, its parent, are real directories (lstat, no link),
 * once per process per directory; StoreDirError otherwise. Missing directories are made when
 * `create` (as real directories), else the check passes without remembering them. For paths a
 * caller gets whole (a lock file, a cache file) rather than as a home and a kind.
 */
export function assertRealDirs(dir: string, opts: { levels?: 1 | 2; create?: boolean } = {}): void {
  if (realDirs.has(dir)) return;
  const chain = opts.levels === 2 ? [path.dirname(dir), dir] : [dir];
  for (const d of chain) if (!checkDir(d, { create: opts.create })) return;
  realDirs.add(dir);
}
