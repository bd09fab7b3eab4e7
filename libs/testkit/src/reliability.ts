import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { binPath, commandEnv } from "./index.js";

/**
 * Helpers of the reliability tests (RELIABILITY.md): how many iterations to try, processes run
 * concurrently, and the check that a command failed cleanly.
 */

/** Iteration multiplier: 1 in CI; GUILDTS_RELIABILITY_SCALE=20 for a long run. */
export function reliabilityScale(): number {
  const n = Number(process.env.GUILDTS_RELIABILITY_SCALE ?? 1);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** A stack trace or an internal error on stderr: what a clean failure never prints. */
export const CRASH = /internal error|^\s+at .+:\d+:\d+\)?$|^\w*Error: /m;

export function assertNoCrash(
  r: { stderr: string; status: number | null },
  what: string,
  allowed: readonly number[] = [0, 1, 2, 4, 5],
): void {
  assert.doesNotMatch(r.stderr, CRASH, `${what}: crashed:\n${r.stderr.slice(0, 2000)}`);
  assert.doesNotMatch(r.stderr, /internal error/i, `${what}: ${r.stderr.slice(0, 500)}`);
  assert.ok(
    r.status !== null && allowed.includes(r.status),
    `${what}: exit ${r.status} not in ${allowed.join(",")}\n${r.stderr.slice(0, 500)}`,
  );
}

export interface Spawned {
  stdout: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/**
 * Runs a built command asynchronously (so several run at once), with a deterministic env.
 * `killAfterMs`: SIGKILL it then. `killWhen`: polled every millisecond; once true, SIGKILL it
 * `killDelayMs` later (to aim a kill at a phase of the work, whatever the machine's pace).
 */
export function spawnCommand(
  name: string,
  args: string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    killAfterMs?: number;
    killWhen?: () => boolean;
    killDelayMs?: number;
  } = {},
): Promise<Spawned> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [binPath(name), ...args], {
    cwd: opts.cwd ?? os.tmpdir(),
    env: commandEnv(opts.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end(opts.input ?? "");
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = opts.killAfterMs === undefined ? null : setTimeout(() => child.kill("SIGKILL"), opts.killAfterMs);
  let poll: NodeJS.Timeout | null = null;
  if (opts.killWhen) {
    const when = opts.killWhen;
    poll = setInterval(() => {
      if (!when()) return;
      clearInterval(poll!);
      poll = setTimeout(() => child.kill("SIGKILL"), opts.killDelayMs ?? 0);
    }, 1);
  }
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (status, signal) => {
      if (timer) clearTimeout(timer);
      if (poll) clearTimeout(poll);
      resolve({ stdout, stderr, status, signal, ms: Date.now() - t0 });
    });
  });
}

/** A project whose `quick` op runs `sleep SECONDS` (argv, no shell) and copies `files` sources. */
export function quickProject(dir: string, opts: { files?: number; sleep?: number } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "guild.yml"), `quick:\n  exec: sleep ${opts.sleep ?? 0.05}\n`);
  for (let i = 0; i < (opts.files ?? 50); i++)
    fs.writeFileSync(path.join(dir, `src_${i}.py`), `# source file ${i}\n` + "x = 1\n".repeat(50));
  return dir;
}
