import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isAbandonedCreation, NEW_RUNS_DIR, newRunId } from "./creation.js";
import { TRANSFER_DIR } from "./incoming.js";
import { readRunFile } from "./facts.js";
import { runsRoot } from "./home.js";
import { cutMessage, purgingOwner, removeTree } from "./lifecycle.js";

/** Directories with longer paths are not walked by the checker (PATH_MAX is 4096). */
const DEEP_PATH = 3000;
import { lockIsStale, LOCK_PREFIX } from "./lock.js";
import { parseOpRef } from "./opref.js";
import { parseLockPid, pidExists } from "./status.js";
import { storeDirPath, storeDirProblem, type StoreDirKind } from "./storedir.js";
import { decodeAttr } from "./yaml/decode.js";

/**
 * The store checker behind `guild-fsck-runs` and `guild check`: walks `runs/`, `trash/runs/` and
 * guildts's own working areas and reports every problem found. It changes nothing unless asked to
 * repair, and then only what is provably safe: leftovers of a process that is gone (a temporary
 * file, a lock, a half-built run out of view, a staged purge). It never repairs a run's data.
 */
export type ProblemKind =
  | "not-a-directory"
  | "unreadable"
  | "not-a-run"
  | "bad-opref"
  | "bad-attr"
  | "duplicate-run"
  | "stale-lock"
  | "stale-lock-file"
  | "temp-file"
  | "interrupted-create"
  | "interrupted-transfer"
  | "interrupted-purge"
  | "escaping-symlink"
  | "broken-symlink"
  | "bad-store-dir";

export interface Problem {
  kind: ProblemKind;
  severity: "error" | "warning";
  /** The run id (directory name) concerned, or null for the store itself. */
  id: string | null;
  /** The file or directory at fault. */
  path: string;
  message: string;
  /** What `--repair` does about it, or null when nothing is safe to do automatically. */
  repair: string | null;
  /** With `--repair`: whether the repair was made. */
  repaired?: boolean;
}

export interface CheckOptions {
  repair?: boolean;
  isAlive?: (pid: number) => boolean;
  /** Called after each run checked (for progress on long checks). */
  onProgress?: (checked: number, total: number) => void;
  /** Called for each problem as it is found (for streaming output). */
  onProblem?: (p: Problem) => void;
}

export interface CheckResult {
  runs: number;
  deletedRuns: number;
  problems: Problem[];
}

/** Our temporary files: `.<target>.<pid>.<n>.tmp` (atomic.ts), `<lock>.stale.<pid>.<hex>` (lock.ts). */
const TEMP_FILE = /^\..+\.(\d+)\.\d+\.tmp$/;
const STALE_LOCK_ASIDE = /\.stale\.(\d+)\.[0-9a-f]{8}$/;

function tempOwner(name: string): number | null {
  const m = TEMP_FILE.exec(name) ?? STALE_LOCK_ASIDE.exec(name);
  return m ? Number(m[1]) : null;
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, "")}` : String(err.message ?? e);
}

function isInside(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

export function checkStore(home: string, opts: CheckOptions = {}): CheckResult {
  const isAlive = opts.isAlive ?? pidExists;
  const problems: Problem[] = [];
  const host = os.hostname();
  let storeReal = home;
  try {
    storeReal = fs.realpathSync(home);
  } catch {
    // a missing home has nothing to check; its runs roots report below
  }

  const report = (p: Problem, fix?: () => void): void => {
    if (opts.repair && fix && p.repair) {
      try {
        fix();
        p.repaired = true;
      } catch (e) {
        p.repaired = false;
        p.message += ` (repair failed: ${cutMessage(errText(e))})`;
      }
    } else if (opts.repair) p.repaired = false;
    problems.push(p);
    opts.onProblem?.(p);
  };

  /** Entries of a directory; null if it is missing, or cannot be read (reported unless `quiet`). */
  const listDir = (dir: string, id: string | null, quiet = false): string[] | null => {
    try {
      return fs.readdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || (quiet && code === "ENOTDIR")) return null;
      if (code === "ENOTDIR")
        report({ kind: "not-a-directory", severity: "error", id, path: dir, message: "expected a directory, found a file", repair: null });
      else report({ kind: "unreadable", severity: "error", id, path: dir, message: `cannot read directory: ${errText(e)}`, repair: null });
      return null;
    }
  };

  /** A leftover temporary file of a writer that is gone. */
  const checkTemp = (dir: string, name: string, id: string | null): void => {
    const pid = tempOwner(name);
    if (pid === null) return;
    if (pid === process.pid || isAlive(pid)) return; // a write in progress
    const file = path.join(dir, name);
    report(
      {
        kind: "temp-file",
        severity: "warning",
        id,
        path: file,
        message: `leftover temporary file of an interrupted write (pid ${pid} is gone)`,
        repair: "remove the file",
      },
      () => fs.unlinkSync(file),
    );
  };

  const roots = [
    { dir: runsRoot(home), deleted: false },
    { dir: runsRoot(home, true), deleted: true },
  ];
  // Run roots are followed when they are links, as Guild does; one leaving the home is said.
  // What is inside such a root counts as inside the store.
  const inside = [storeReal];
  for (const root of roots) {
    const st = fs.lstatSync(root.dir, { throwIfNoEntry: false });
    if (!st?.isSymbolicLink()) continue;
    let target: string;
    try {
      target = fs.realpathSync(root.dir);
    } catch {
      continue; // a dangling root: reported as missing runs below (nothing to list)
    }
    inside.push(target);
    if (!isInside(target, storeReal))
      report({
        kind: "escaping-symlink",
        severity: "warning",
        id: null,
        path: root.dir,
        message: `the runs directory is a symlink to ${target}, outside the home (followed, as Guild does)`,
        repair: null,
      });
  }
  const inStore = (p: string) => inside.some((r) => isInside(p, r));

  /**
   * guildts's working areas must be real directories (storedir.ts): one that is a link or a file
   * is reported, and neither listed nor repaired through. Returns whether it may be walked.
   */
  const workArea = (kind: StoreDirKind): string | null => {
    const e = storeDirProblem(home, kind);
    if (e === null) return storeDirPath(home, kind);
    // A run root that is not a directory is reported by its listing.
    if (e.path === runsRoot(home) || e.path === runsRoot(home, true) || e.path === path.join(home, "trash")) return null;
    report({
      kind: "bad-store-dir",
      severity: "error",
      id: null,
      path: e.path,
      message: `${e.why === "symlink" ? "a working directory of the store is a symbolic link" : "a working directory of the store is not a directory"}: guildts refuses to build, purge, lock or cache through it (replace it with a directory)`,
      repair: null,
    });
    return null;
  };
  const names = roots.map((r) => listDir(r.dir, null) ?? []);
  const total = names[0]!.length + names[1]!.length;
  let checked = 0;
  const inRuns = new Set(names[0]);

  for (const [i, root] of roots.entries()) {
    for (const name of names[i]!) {
      if (!root.deleted && (name === NEW_RUNS_DIR || name === TRANSFER_DIR)) continue;
      const dir = path.join(root.dir, name);
      if (root.deleted && inRuns.has(name)) {
        report({
          kind: "duplicate-run",
          severity: "error",
          id: name,
          path: dir,
          message: `run ${name} is both in runs/ and in trash/runs/; compare them, then purge or move one by hand`,
          repair: null,
        });
      }
      checkRunEntry(dir, name);
      opts.onProgress?.(++checked, total);
    }
  }

  // Runs under construction (creation.ts) whose builder is gone.
  const newRoot = workArea("new-runs") ?? "";
  for (const name of newRoot ? (listDir(newRoot, null, true) ?? []) : []) {
    const dir = path.join(newRoot, name);
    if (!isAbandonedCreation(dir, isAlive)) continue;
    report(
      {
        kind: "interrupted-create",
        severity: "warning",
        id: newRunId(name),
        path: dir,
        message: "a run whose creation was interrupted (never in view)",
        repair: "remove it",
      },
      () => removeTree(dir),
    );
  }

  // Transfers (push/pull, incoming.ts) that were cut: a staged copy (the next transfer resumes
  // from it), or a run a crash left aside mid-swap (put back).
  const transfers = workArea("transfers") ?? "";
  for (const name of transfers ? (listDir(transfers, null, true) ?? []) : []) {
    const dir = path.join(transfers, name);
    const id = name.replace(/\.(old|seed)$/, "");
    const aside = name.endsWith(".old") && !fs.lstatSync(path.join(home, "runs", id), { throwIfNoEntry: false });
    report(
      {
        kind: "interrupted-transfer",
        severity: "warning",
        id,
        path: dir,
        message: aside
          ? "a transfer was cut while swapping the run in: the run is out of view"
          : "a push or pull of this run was interrupted (never in view; the next transfer resumes from it)",
        repair: aside ? "put the run back in runs/" : "remove it",
      },
      () => (aside ? fs.renameSync(dir, path.join(home, "runs", id)) : removeTree(dir)),
    );
  }

  // Purges a crash interrupted (lifecycle.ts): already out of view, the removal is unfinished.
  const purging = workArea("purging") ?? "";
  for (const name of purging ? (listDir(purging, null, true) ?? []) : []) {
    const owner = purgingOwner(name);
    if (owner !== null && owner !== process.pid && isAlive(owner)) continue;
    const dir = path.join(purging, name);
    report(
      {
        kind: "interrupted-purge",
        severity: "warning",
        id: name.split(".")[0] ?? null,
        path: dir,
        message: "a purge was interrupted; the run is out of view but not yet removed",
        repair: "finish the removal",
      },
      () => removeTree(dir),
    );
  }

  // Our caches and locks.
  const cache = workArea("cache") ?? "";
  for (const name of cache ? (listDir(cache, null, true) ?? []) : []) checkTemp(cache, name, null);
  const locks = workArea("locks") ?? "";
  for (const name of locks ? (listDir(locks, null, true) ?? []) : []) {
    if (!name.startsWith(LOCK_PREFIX)) continue;
    if (tempOwner(name) !== null) {
      checkTemp(locks, name, null);
      continue;
    }
    const file = path.join(locks, name);
    if (!lockIsStale(file, isAlive)) continue;
    report(
      {
        kind: "stale-lock-file",
        severity: "warning",
        id: null,
        path: file,
        message: "a lock whose holder is gone",
        repair: "remove the lock file",
      },
      () => fs.unlinkSync(file),
    );
  }

  return { runs: names[0]!.filter((n) => n !== NEW_RUNS_DIR && n !== TRANSFER_DIR).length, deletedRuns: names[1]!.length, problems };

  function checkRunEntry(dir: string, id: string): void {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch (e) {
      report({ kind: "unreadable", severity: "error", id, path: dir, message: errText(e), repair: null });
      return;
    }
    if (st.isSymbolicLink()) {
      // Guild follows a symlinked run; we check where it leads but never walk outside the store.
      let target: string;
      try {
        target = fs.realpathSync(dir);
      } catch (e) {
        report({
          kind: "broken-symlink",
          severity: "warning",
          id,
          path: dir,
          message: `a symlink in the runs directory that leads nowhere (${errText(e)})`,
          repair: null,
        });
        return;
      }
      if (!inStore(target)) {
        report({
          kind: "escaping-symlink",
          severity: "warning",
          id,
          path: dir,
          message: `the run is a symlink to ${target}, outside the store (not checked)`,
          repair: null,
        });
        return;
      }
      st = fs.statSync(dir);
    }
    if (!st.isDirectory()) {
      report({
        kind: "not-a-run",
        severity: "warning",
        id,
        path: dir,
        message: "a file in the runs directory (not a run; Guild ignores it)",
        repair: null,
      });
      return;
    }
    const guildDir = path.join(dir, ".guild");
    const entries = listDir(guildDir, id);
    if (entries === null) {
      // Missing for sure (not merely unreadable, which listDir reported): one report per run.
      let missing = false;
      try {
        missing = fs.lstatSync(guildDir, { throwIfNoEntry: false }) === undefined;
      } catch {
        // cannot even be looked at: already reported as unreadable
      }
      if (missing)
        report({
          kind: "not-a-run",
          severity: "warning",
          id,
          path: dir,
          message: "a directory without .guild/ (not a run; Guild ignores it)",
          repair: null,
        });
      return;
    }
    const present = new Set(entries);
    if (!present.has("opref")) {
      report({
        kind: "not-a-run",
        severity: "error",
        id,
        path: dir,
        message: "a run without .guild/opref (Guild does not list it): an interrupted creation, or damage",
        repair: null,
      });
    } else {
      const file = path.join(guildDir, "opref");
      let text: string | null = null;
      try {
        text = readRunFile(file);
      } catch (e) {
        report({ kind: "unreadable", severity: "error", id, path: file, message: errText(e), repair: null });
      }
      if (text !== null) {
        let ok = false;
        try {
          ok = parseOpRef(text) !== null;
        } catch {
          // reported below
        }
        if (!ok)
          report({
            kind: "bad-opref",
            severity: "error",
            id,
            path: file,
            message: `cannot parse the opref: ${JSON.stringify(text.slice(0, 80))}`,
            repair: null,
          });
      }
    }
    for (const name of entries) checkTemp(guildDir, name, id);

    const attrsDir = path.join(guildDir, "attrs");
    const attrs = present.has("attrs") ? (listDir(attrsDir, id) ?? []) : [];
    let exitStatus: unknown;
    let runHost: unknown;
    for (const name of attrs) {
      const file = path.join(attrsDir, name);
      let text: string;
      try {
        text = readRunFile(file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const what =
          code === "EISDIR"
            ? "an attr that is a directory"
            : code === "ELOOP"
              ? "an attr that is a symbolic link (guildts never reads it)"
              : code === "ENOTREG" || code === "EFBIG"
                ? `an attr that is ${(e as Error).message}`
                : code === "EILSEQ"
                  ? "an attr that is not valid UTF-8 (Guild cannot read it)"
                  : null;
        report({ kind: what ? "bad-attr" : "unreadable", severity: "error", id, path: file, message: what ?? errText(e), repair: null });
        continue;
      }
      try {
        const v = decodeAttr(text);
        if (name === "exit_status") exitStatus = v;
        if (name === "host") runHost = v;
      } catch (e) {
        report({
          kind: "bad-attr",
          severity: "error",
          id,
          path: file,
          message: `cannot parse attr '${name}': ${String((e as Error).message).split("\n")[0]}`,
          repair: null,
        });
      }
    }

    if (present.has("LOCK")) checkLock(path.join(guildDir, "LOCK"), id, exitStatus, runHost);
    checkLinks(dir, id);
  }

  /** A LOCK left behind: a finished run's, or a process gone on this host (status shows error). */
  function checkLock(file: string, id: string, exitStatus: unknown, runHost: unknown): void {
    let text: string;
    try {
      text = readRunFile(file).slice(0, 10);
    } catch {
      return;
    }
    const pid = parseLockPid(text);
    let why: string | null = null;
    if (exitStatus !== undefined && exitStatus !== null) why = "the run has finished (exit_status is recorded)";
    else if (pid === null) why = `LOCK does not hold a pid (${JSON.stringify(text)})`;
    else if ((runHost === undefined || runHost === host) && !isAlive(pid)) why = `its process (pid ${pid}) is gone; the run shows 'error'`;
    if (!why) return;
    report(
      {
        kind: "stale-lock",
        severity: "warning",
        id,
        path: file,
        message: `stale LOCK: ${why}`,
        repair: "remove LOCK (the status stays the same, and a reused pid cannot make the run look running)",
      },
      () => fs.unlinkSync(file),
    );
  }

  /** Symlinks inside a run: report those leading out of the store or nowhere; never follow them. */
  function checkLinks(runDir: string, id: string): void {
    const stack = [runDir];
    let tooDeep = false;
    while (stack.length) {
      const dir = stack.pop()!;
      if (dir.length > DEEP_PATH) {
        // Beyond what a path can name (PATH_MAX): not walked, said once per run.
        if (!tooDeep)
          report({
            kind: "unreadable",
            severity: "warning",
            id,
            path: runDir,
            message: `a directory tree too deep to check (paths over ${DEEP_PATH} characters, ${cutMessage(path.relative(runDir, dir), 80)}); links below it not checked (delete and purge remove it)`,
            repair: null,
          });
        tooDeep = true;
        continue;
      }
      let ents: fs.Dirent[];
      try {
        ents = fs.readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        report({
          kind: "unreadable",
          severity: "error",
          id,
          path: dir,
          message: `cannot read directory: ${cutMessage(errText(e))}`,
          repair: null,
        });
        continue;
      }
      for (const ent of ents) {
        const p = path.join(dir, ent.name);
        if (ent.isDirectory()) stack.push(p);
        else if (ent.isSymbolicLink()) {
          let target: string;
          try {
            target = fs.realpathSync(p);
          } catch (e) {
            // A batch's trial link (`<batch>/<T> -> ../<T>`) dangles by design once the batch is
            // in the trash (deleted on success) or the trial is: Guild's layout, not a problem.
            if (dir === runDir && isTrialLink(runDir, ent.name)) continue;
            report({
              kind: "broken-symlink",
              severity: "warning",
              id,
              path: p,
              message: `symlink to ${JSON.stringify(safeReadlink(p))} leads nowhere (${(e as NodeJS.ErrnoException).code ?? "error"})`,
              repair: null,
            });
            continue;
          }
          if (!inStore(target))
            report({
              kind: "escaping-symlink",
              severity: "warning",
              id,
              path: p,
              message: `symlink leaves the store: ${target} (never followed by delete or purge)`,
              repair: null,
            });
        }
      }
    }
  }
}

/** A batch run's trial link: a run-id name at the top of a batch run, linking `../<same name>`. */
function isTrialLink(runDir: string, name: string): boolean {
  return (
    /^[0-9a-f]{32}$/.test(name) &&
    safeReadlink(path.join(runDir, name)) === `../${name}` &&
    fs.existsSync(path.join(runDir, ".guild", "proto"))
  );
}

function safeReadlink(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return "?";
  }
}
