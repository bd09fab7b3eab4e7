import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Guild's `vcs_commit` for a project directory (`vcs_util.commit_for_dir`, git scheme):
 * `git:<sha>` of HEAD, with `*` appended when `git status -s` lists anything (the work tree is
 * dirty). null when the directory is not in a git work tree with a commit, or git is missing.
 * Git runs with an argv array and a bounded time.
 */
export function vcsCommit(dir: string): string | null {
  const git = (...args: string[]) =>
    spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
  const head = git("log", "-1", "--format=%H");
  const sha = head.status === 0 ? head.stdout.trim() : "";
  if (!/^[0-9a-f]{40,64}$/.test(sha)) return null;
  const status = git("status", "-s");
  return `git:${sha}${status.status === 0 && status.stdout.trim() !== "" ? "*" : ""}`;
}

let python: string | undefined;

/**
 * The Python a run's command names, as Guild's `python_exe` (its own `sys.executable`): an
 * absolute path, so the recorded command runs again from anywhere with the same interpreter.
 * `$GUILD_PYTHON` when set; else `python3` found on PATH (not resolved through links: a
 * virtualenv's python stays the virtualenv's); else plain `python3`.
 */
export function pythonExe(): string {
  if (process.env.GUILD_PYTHON) return process.env.GUILD_PYTHON;
  if (python === undefined) {
    python = "python3";
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
      if (!dir || !path.isAbsolute(dir)) continue;
      const candidate = path.join(dir, "python3");
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) {
          python = candidate;
          break;
        }
      } catch {
        // not here
      }
    }
  }
  return python;
}
