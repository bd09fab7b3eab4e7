import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { constants as osConstants } from "node:os";
import { fileURLToPath } from "node:url";
import {
  formatOpRef,
  newRunName,
  newRunsDir,
  removeTree,
  RunGoneError,
  sweepAbandonedCreations,
  writeAttr,
  writeFileAtomic,
  type AttrValue,
  type OpRef,
} from "@guildts/runstore";
import { compileOutputScalars, EventFileWriter, ScalarLogger } from "./scalars-index.js";
import { placeDeps, type ResolvedDepSource } from "./deps.js";
import { copySourcecode } from "./sourcecode.js";
import { timestampUs } from "./timestamp.js";
import { vcsCommit } from "./vcs.js";

/** Everything needed to create and start a run, resolved from the guild file and the command line. */
export interface RunPlan {
  home: string;
  opref: OpRef;
  /** The operation as typed/resolved, for GUILD_OP (e.g. `mnist:train`). */
  opspec: string;
  /** The command, argv-style: never run through a shell. */
  cmd: string[];
  /** The operation's environment layer (op `env:`, PROJECT_DIR, FLAGS_DEST, FLAG_*...). */
  env: Record<string, string>;
  /** Names (the op's `env-secrets`) set in the process env but never saved in the `env` attr. */
  privateEnv?: string[];
  flags: Record<string, AttrValue>;
  userFlags: Record<string, AttrValue>;
  label: string | null;
  runParams: Record<string, AttrValue>;
  opAttr: Record<string, AttrValue>;
  sourcecode: { root: string; config: unknown; dest?: string } | null;
  /** The op's raw `output-scalars` setting. */
  outputScalars: unknown;
  /** The `random_seed` attr (default: a new one). */
  randomSeed?: number;
  /** More attrs, written after `platform` (a batch's `objective`, `max_trials`, `tags`...). */
  extraAttrs?: Record<string, AttrValue>;
  /** The resolved dependencies to place (`requires:`), decided before the run directory exists. */
  deps?: ResolvedDepSource[];
}

export interface CreatedRun {
  id: string;
  dir: string;
}

/** Defined (as true) by the bundler (scripts/bundle.mjs); undefined when running tsc's output. */
declare const GUILDTS_BUNDLE: boolean | undefined;

/**
 * The directory of the Python bootstrap that runs `main:` modules as Guild's op_main does:
 * libs/runner/python, copied to dist/bin/python beside the bundle's chunks.
 */
export const PYTHON_BOOTSTRAP_DIR = fileURLToPath(
  new URL(typeof GUILDTS_BUNDLE !== "undefined" && GUILDTS_BUNDLE ? "./python/" : "../../python/", import.meta.url),
);

const SECRET = /password|token|secret/i;

function putMarker(dir: string, name: string): void {
  fs.writeFileSync(path.join(dir, ".guild", name), "");
}

function dropMarker(dir: string, name: string): void {
  fs.rmSync(path.join(dir, ".guild", name), { force: true });
}

/**
 * Creates the run directory as Guild's `op.run()` does (spec §4.2 steps 1-6): skeleton, PENDING,
 * opref and cmd, the init attrs in Guild's order, the source code snapshot, deps; then removes
 * PENDING. A staged run also gets STAGED, `started` and `.guild/ENV`.
 */
export function createRun(
  plan: RunPlan,
  opts: { stage?: boolean; warn?: (msg: string) => void; beforeVisible?: (dir: string, id: string) => void } = {},
): CreatedRun {
  const id = crypto.randomUUID().replaceAll("-", "");
  const final = path.join(plan.home, "runs", id);
  sweepAbandonedCreations(plan.home);
  // Built out of view, then renamed into runs/ whole (see runstore's creation.ts); never in a
  // staging directory that is a link (newRunsDir throws StoreDirError).
  const dir = path.join(newRunsDir(plan.home), newRunName(id));
  fs.mkdirSync(dir);
  fs.mkdirSync(path.join(dir, ".guild"));
  fs.mkdirSync(path.join(dir, ".guild", "attrs"));
  try {
    // Ours until the op's pid replaces it: a run is never in view unlocked before it starts, so
    // a concurrent delete refuses it ("running") instead of pulling it from under us.
    fs.writeFileSync(path.join(dir, ".guild", "LOCK"), String(process.pid));
    writeRunSkeleton(dir, plan, id, opts.warn);
    writeAttr(dir, "deps", placeDeps(dir, final, plan.deps ?? [], {}, opts.warn));
    if (opts.stage) {
      putMarker(dir, "STAGED");
      dropMarker(dir, "PENDING");
      writeAttr(dir, "started", timestampUs());
      // Guild writes every variable here; what the `env` attr leaves out (secrets) is left out too.
      const env = savedEnv(plan, runEnv(plan, { id, dir: final }));
      const lines = Object.keys(env)
        .filter((k) => k !== "PWD" && k !== "_")
        .sort()
        .map((k) => `export ${k}=${shellQuote(env[k]!)}`);
      fs.writeFileSync(path.join(dir, ".guild", "ENV"), lines.join("\n") + "\n");
      dropMarker(dir, "LOCK");
    } else {
      dropMarker(dir, "PENDING");
    }
    opts.beforeVisible?.(dir, id);
    fs.renameSync(dir, final);
  } catch (e) {
    removeTree(dir);
    throw e;
  }
  return { id, dir: final };
}

/**
 * The files of a run as `op.init_run` writes them, in Guild's order: `id`, `initialized`,
 * PENDING, opref, `cmd`, the run attrs, the source code snapshot (a batch's proto is this too).
 */
export function writeRunSkeleton(dir: string, plan: RunPlan, id: string, warn?: (msg: string) => void): void {
  writeAttr(dir, "id", id);
  writeAttr(dir, "initialized", timestampUs());
  putMarker(dir, "PENDING");
  fs.writeFileSync(path.join(dir, ".guild", "opref"), formatOpRef(plan.opref));
  writeAttr(dir, "cmd", plan.cmd);
  writeAttr(dir, "plugins", []);
  if (plan.label) writeAttr(dir, "label", plan.label);
  writeAttr(dir, "flags", plan.flags);
  writeAttr(dir, "user_flags", plan.userFlags);
  writeAttr(dir, "run_params", plan.runParams);
  writeAttr(dir, "random_seed", plan.randomSeed ?? crypto.randomInt(0, 2 ** 32 - 1));
  writeAttr(dir, "op", plan.opAttr);
  writeAttr(dir, "host", os.hostname());
  writeAttr(dir, "user", os.userInfo().username);
  writeAttr(dir, "platform", {
    architecture: "64bit",
    cpus: os.cpus().length,
    processor: "",
    python_version: "",
    uname: `${os.type()} ${os.hostname()} ${os.release()} ${os.machine?.() ?? ""}`,
  });
  for (const [k, v] of Object.entries(plan.extraAttrs ?? {})) writeAttr(dir, k, v);
  if (plan.sourcecode) {
    const sc = copySourcecode(plan.sourcecode.root, dir, plan.sourcecode.config, plan.sourcecode.dest);
    for (const w of sc.warnings) warn?.(w);
    if (sc.digest) writeAttr(dir, "sourcecode_digest", sc.digest);
    // Guild: `vcs_commit` after the digest, for a project in a git work tree (`git:<sha>[*]`).
    const commit = vcsCommit(plan.sourcecode.root);
    if (commit) writeAttr(dir, "vcs_commit", commit);
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'"'"'`)}'`;
}

/** Guild's python plugin PYTHONPATH: an op env PYTHONPATH, then the source code, Guild (the bootstrap) and existing paths. */
export function runPythonPath(plan: Pick<RunPlan, "env">): string {
  return [plan.env.PYTHONPATH, ".", PYTHON_BOOTSTRAP_DIR.replace(/\/$/, ""), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
}

/**
 * Guild's `--print-env`: the op command env (op `env:`, PROJECT_DIR, FLAGS_DEST, FLAG_*,
 * PYTHONPATH), sorted, one `NAME=<shell-quoted value>` a line (an empty value as nothing).
 */
export function opEnvLines(plan: Pick<RunPlan, "env">): string[] {
  const env: Record<string, string> = { ...plan.env, PYTHONPATH: runPythonPath(plan) };
  return Object.keys(env)
    .sort()
    .map((k) => `${k}=${env[k] === "" ? "" : shellQuote(env[k]!)}`);
}

/** The `env` attr: the process env minus names that look secret and the op's `env-secrets`. */
export function savedEnv(plan: Pick<RunPlan, "privateEnv">, env: Record<string, string>): Record<string, string> {
  const hidden = new Set(plan.privateEnv ?? []);
  return Object.fromEntries(Object.entries(env).filter(([k]) => !SECRET.test(k) && !hidden.has(k)));
}

/** The process environment, in Guild's layers (spec §4.5). */
export function runEnv(plan: RunPlan, run: CreatedRun): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "_") env[k] = v;
  Object.assign(env, plan.env);
  Object.assign(env, {
    PYTHONPATH: runPythonPath(plan),
    GUILD_OP: plan.opspec,
    GUILD_HOME: plan.home,
    GUILD_SOURCECODE: ".",
    LOG_LEVEL: "20",
    CMD_DIR: process.cwd(),
    RUN_DIR: run.dir,
    RUN_ID: run.id,
  });
  return env;
}

/**
 * The line said after a run ended by a signal (Ctrl-C, a stop): which run, and that it is
 * terminated. null for a run that exited by itself (its output said what happened).
 */
export function stoppedNote(plan: Pick<RunPlan, "opspec">, id: string, status: number): string | null {
  if (status >= 0) return null;
  const name = Object.entries(osConstants.signals).find(([, n]) => n === -status)?.[0] ?? `signal ${-status}`;
  const why = name === "SIGINT" ? "interrupted by Ctrl-C" : `stopped by ${name}`;
  return `Run ${id.slice(0, 8)} (${plan.opspec}) terminated: ${why} (exit status ${status})`;
}

/** Exit status as Guild records it: the code, or minus the signal number. */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal ? -(osConstants.signals[signal] ?? 1) : -16;
}

/**
 * Starts a created run (spec §4.2 steps 8-11): `started`, `env`, the process (argv, cwd = run
 * dir, never a shell) with LOCK holding its pid, output teed to the terminal and to
 * `.guild/output` + `.guild/output.index`, output scalars to an event file; then `exit_status`,
 * `stopped`, and LOCK removed. SIGINT and SIGTERM reach the process, which then ends the run.
 * Resolves to the recorded exit status.
 */
export interface StartOptions {
  quiet?: boolean;
  /** Called with the process id once the process runs (a batch logs it when stopping trials). */
  onSpawn?: (pid: number) => void;
  /** Receives a copy of the output (a batch keeps its trials' output in its own). */
  mirror?: (stream: 0 | 1, chunk: Buffer) => void;
}

/** Guild's op_main in a command (written so Guild restarts the run) runs as this project's bootstrap. */
export function spawnArgv(cmd: readonly string[]): string[] {
  return cmd.map((a, i) => (a === "guild.op_main" && cmd[i - 1] === "-um" ? "guildts_op_main" : a));
}

export function startRun(plan: RunPlan, run: CreatedRun, opts: StartOptions = {}): Promise<number> {
  const { dir } = run;
  // A staged run is claimed before it leaves the staged state; a fresh one holds the claim
  // from createRun already.
  if (fs.existsSync(path.join(dir, ".guild", "STAGED"))) writeFileAtomic(path.join(dir, ".guild", "LOCK"), String(process.pid));
  dropMarker(dir, "STAGED");
  writeAttr(dir, "started", timestampUs());
  const env = runEnv(plan, run);
  writeAttr(dir, "env", savedEnv(plan, env));
  const outFd = fs.openSync(path.join(dir, ".guild", "output"), "a");
  const indexFd = fs.openSync(path.join(dir, ".guild", "output.index"), "a");
  const matcher = compileOutputScalars(plan.outputScalars, Object.keys(plan.flags));
  // The event file is created on the first scalar, as Guild does (the logger calls the factory then).
  const logger = matcher ? new ScalarLogger(matcher, () => new EventFileWriter(path.join(dir, ".guild"))) : null;

  return new Promise((resolve) => {
    const argv = spawnArgv(plan.cmd);
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ["inherit", "pipe", "pipe"] });
    let finished = false;
    const finalize = (status: number) => {
      if (finished) return;
      finished = true;
      for (const t of tees) t.end();
      fs.closeSync(outFd);
      fs.closeSync(indexFd);
      logger?.close();
      try {
        writeAttr(dir, "exit_status", status);
        writeAttr(dir, "stopped", timestampUs());
        dropMarker(dir, "LOCK");
      } catch (e) {
        // Removed by force (or moved in the instant before LOCK named us again): the status
        // cannot be recorded, and the run is not re-created where it was (G5).
        if (!(e instanceof RunGoneError)) throw e;
        process.stderr.write(`guild: warning: run ${run.id} was moved by another process before its exit status was written\n`);
      }
      // A delete may move the run in the instant between exit_status and the LOCK removal
      // (exit_status says finished): remove our LOCK where the move took it.
      const moved = path.join(plan.home, "trash", "runs", run.id, ".guild", "LOCK");
      try {
        if (fs.readFileSync(moved, "utf8") === String(process.pid)) fs.unlinkSync(moved);
      } catch {
        // not moved, or already gone
      }
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(status);
    };
    const onSignal = (sig: NodeJS.Signals) => {
      // Ctrl-C reaches the whole foreground group; a SIGTERM to guild alone is passed on.
      if (!child.killed) child.kill(sig);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const tees = [new Tee(0, outFd, indexFd, opts.quiet ? null : 1, logger), new Tee(1, outFd, indexFd, opts.quiet ? null : 2, logger)];
    child.stdout!.on("data", (b: Buffer) => (tees[0]!.write(b), opts.mirror?.(0, b)));
    child.stderr!.on("data", (b: Buffer) => (tees[1]!.write(b), opts.mirror?.(1, b)));
    child.once("spawn", () => {
      try {
        writeFileAtomic(path.join(dir, ".guild", "LOCK"), String(child.pid));
        if (child.pid) opts.onSpawn?.(child.pid);
      } catch {
        // the run was removed by force while starting: the process still runs, unrecorded
      }
    });
    child.once("error", (e) => {
      process.stderr.write(`guild: error running ${plan.opspec}: ${e.message}\n`);
      // Guild writes no exit_status when the process cannot start: the run shows error.
      finished = true;
      dropMarker(dir, "LOCK");
      fs.closeSync(outFd);
      fs.closeSync(indexFd);
      resolve(1);
    });
    let exit: [number | null, NodeJS.Signals | null] | null = null;
    let closedStreams = 0;
    const maybeDone = () => {
      if (exit && closedStreams === 2) finalize(exitStatus(...exit));
    };
    child.once("exit", (code, signal) => {
      exit = [code, signal];
      // Until the output is drained and the status written, LOCK names this (live) process: a
      // LOCK naming the exited child would read as a dead run that a delete may move (G6).
      try {
        writeFileAtomic(path.join(dir, ".guild", "LOCK"), String(process.pid));
      } catch {
        // the run was removed by force meanwhile
      }
      maybeDone();
    });
    child.stdout!.once("close", () => (closedStreams++, maybeDone()));
    child.stderr!.once("close", () => (closedStreams++, maybeDone()));
  });
}

/**
 * One output stream: raw bytes to Guild's terminal stream and `.guild/output`; at each line end
 * (and a trailing partial line at the end) a 9-byte index entry (u64 BE ms, u8 stream) and the
 * line to the scalar logger. Bytes below 9 are kept raw but dropped from lines (spec §4.7).
 */
export class Tee {
  private line: number[] = [];
  constructor(
    private readonly stream: 0 | 1,
    private readonly outFd: number,
    private readonly indexFd: number,
    private readonly termFd: number | null,
    private readonly logger: ScalarLogger | null,
  ) {}

  write(chunk: Buffer): void {
    if (this.termFd !== null) {
      try {
        fs.writeSync(this.termFd, chunk);
      } catch {
        // a closed terminal must not stop the run
      }
    }
    fs.writeSync(this.outFd, chunk);
    for (const b of chunk) {
      if (b === 10) this.endLine();
      else if (b >= 9) this.line.push(b);
    }
  }

  private endLine(): void {
    const entry = Buffer.alloc(9);
    entry.writeBigUInt64BE(BigInt(Date.now()), 0);
    entry.writeUInt8(this.stream, 8);
    fs.writeSync(this.indexFd, entry);
    // Raw bytes: the logger decodes UTF-8 ignoring errors, as Guild does.
    const bytes = Buffer.from(this.line);
    this.line = [];
    this.logger?.onLine(bytes);
  }

  end(): void {
    if (this.line.length) this.endLine();
  }
}
