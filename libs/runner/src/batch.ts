/**
 * Batch runs as Guild 0.9.1 lays them out and runs them (batch spec §1.6, §1.7): the batch run
 * (opref `builtin:guildai 0.9.1 '' +`), its `.guild/proto/` (the user op's run skeleton, `id:
 * proto`, PENDING kept), one relative symlink per trial, trials as ordinary runs started like
 * restarts; Guild's log lines, failure rules and `delete-on-success`. The batch runs in this
 * process (Guild runs `guild.batch_main` as its process); `--jobs N` runs up to N trials at once.
 */
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { constants as osConstants } from "node:os";
import { markDeleted, newRunName, newRunsRoot, readAttr, removeTree, writeAttr, type AttrValue, type OpRef } from "@guildts/runstore";
import { encodeFlagVal } from "@guildts/py";
import { placeDeps } from "./deps.js";
import { createRun, runEnv, startRun, Tee, writeRunSkeleton, type CreatedRun, type RunPlan } from "./run.js";
import { compileOutputScalars, EventFileWriter, ScalarLogger } from "./scalars-index.js";
import { timestampUs } from "./timestamp.js";

export type Flags = Record<string, AttrValue>;

/** The batch's own op: Guild's grid (`+`) or `random`. */
export type BatchOptimizer = "+" | "random";

/** How long a stopped batch waits for its trials before SIGKILL (Guild: 30 s; tests lower it). */
const KILL_AFTER_MS = Number(process.env.GUILDTS_BATCH_KILL_AFTER_MS ?? 30_000);

/** The attr a guildts trial records its batch id in (beyond Guild, which ignores it; #520). */
export const BATCH_ATTR = "batch";

export interface BatchSpec {
  home: string;
  optimizer: BatchOptimizer;
  /** The user op's plan with the batch's flag values (lists, functions): becomes the proto. */
  proto: RunPlan;
  /** The trials' flag values, in order. */
  trials: Flags[];
  /** The plan of one trial (its command, environment and label for these flag values). */
  trialPlan: (flags: Flags) => RunPlan;
  /** The batch run's command (Guild: `[python, -um, guild.batch_main]`). */
  batchCmd: string[];
  randomSeed: number;
  maxTrials: number | null;
  objective: string;
  runParams: Record<string, AttrValue>;
  label: string | null;
  tags: string[];
  stageTrials: boolean;
  keepBatch: boolean;
  failOnTrialError: boolean;
  jobs: number;
  quiet: boolean;
  /** A batch run to restart (`guild run --restart B`): its proto's flags are rewritten, new trials made. */
  existing?: CreatedRun;
  /** `--stage`: the batch run is created staged (with its proto, no trials); `--start` runs it later. */
  stage?: boolean;
}

export interface BatchResult {
  batch: CreatedRun;
  /** The trials in generation order. */
  trials: CreatedRun[];
  /** What guild exits with: 0, the failed trial's code, or the batch's signal status. */
  exitStatus: number;
  deleted: boolean;
  completed: number;
  failed: number;
  skipped: number;
  /** Trials ended by the batch's stop (Ctrl-C, a signal). */
  terminated: number;
}

/** Guild's opref of the built-in batch ops. */
export function batchOpRef(optimizer: BatchOptimizer): OpRef {
  return optimizer === "+"
    ? { type: "builtin", pkg: "guildai", version: "0.9.1", model: "", op: "+" }
    : { type: "builtin", pkg: "guildai", version: "0.9.1", model: "skopt", op: "random" };
}

/** A log line as Guild's batch writes it (`INFO: [guild] …`), on stderr and into the batch output. */
export type BatchLog = (level: "INFO" | "ERROR", msg: string) => void;

function trialFlagsDesc(flags: Flags): string {
  return Object.keys(flags)
    .filter((k) => flags[k] !== null && flags[k] !== undefined)
    .sort()
    .map((k) => `${k}=${encodeFlagVal(flags[k]!)}`)
    .join(", ");
}

function newId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/**
 * A trial (`batch_util.init_trial_run`): a copy of the proto as a new run (built out of view and
 * renamed into `runs/` whole), `id`, `flags`, `label`, `op`, PENDING and `started` rewritten, its
 * command for its values, the batch id attr; then `<batch>/<T> -> ../<T>`.
 */
function initTrial(spec: BatchSpec, batch: CreatedRun, flags: Flags): CreatedRun {
  const id = newId();
  const plan = spec.trialPlan(flags);
  const tmp = path.join(newRunsRoot(spec.home), newRunName(id));
  const final = path.join(spec.home, "runs", id);
  try {
    fs.cpSync(path.join(batch.dir, ".guild", "proto"), tmp, { recursive: true, verbatimSymlinks: true });
    writeAttr(tmp, "id", id);
    writeAttr(tmp, "flags", flags);
    if (plan.label) writeAttr(tmp, "label", plan.label);
    writeAttr(tmp, "op", plan.opAttr);
    writeAttr(tmp, "cmd", plan.cmd);
    writeAttr(tmp, BATCH_ATTR, batch.id);
    fs.writeFileSync(path.join(tmp, ".guild", "PENDING"), "");
    writeAttr(tmp, "started", timestampUs());
    fs.renameSync(tmp, final);
  } catch (e) {
    removeTree(tmp);
    throw e;
  }
  const link = path.join(batch.dir, id);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.relative(path.dirname(link), final), link);
  return { id, dir: final };
}

/** Whether a trial is still `pending`: PENDING, not staged, no exit status, not claimed. */
function isPending(dir: string): string | null {
  const g = path.join(dir, ".guild");
  if (!fs.existsSync(dir)) return "deleted";
  if (fs.existsSync(path.join(g, "STAGED"))) return "staged";
  const exit = readAttr(dir, "exit_status");
  if (exit !== undefined && exit !== null) return Number(exit) === 0 ? "completed" : Number(exit) === -15 ? "terminated" : "error";
  if (fs.existsSync(path.join(g, "LOCK"))) return "running";
  if (!fs.existsSync(path.join(g, "PENDING"))) return "completed";
  return null;
}

/**
 * Claims a pending trial for this process: LOCK created exclusively (two batches, or a batch
 * and `guild run --start`, never start the same trial twice).
 */
function claimTrial(dir: string): boolean {
  try {
    fs.writeFileSync(path.join(dir, ".guild", "LOCK"), String(process.pid), { flag: "wx" });
    return true;
  } catch {
    return false;
  }
}

/** Guild's trial status handling after a trial ends (`handle_trial_system_exit`). */
function exitCode(status: number): number {
  return status < 0 ? 256 + status : status;
}

/**
 * Creates the batch run, its proto and every trial, then runs (or stages) the trials, up to
 * `jobs` at once. Ctrl-C or SIGTERM stops the running trials and the batch: finished trials are
 * kept, the rest stay pending. Resolves when the batch has ended.
 */
export async function runBatch(spec: BatchSpec, log: BatchLog, progress?: (text: string) => void): Promise<BatchResult> {
  const batchPlan: RunPlan = {
    home: spec.home,
    opref: batchOpRef(spec.optimizer),
    opspec: spec.optimizer === "+" ? "+" : "random",
    cmd: spec.batchCmd,
    env: { NO_OP_INTERRUPTED_MSG: "1" },
    flags: {},
    userFlags: {},
    label: spec.label,
    runParams: spec.runParams,
    opAttr: {
      // As Guild writes it: the op's `delete-on-success`, off with --keep-batch.
      "delete-on-success": !spec.keepBatch,
      deps: [],
      "flag-null-labels": {},
      "flags-extra": {},
      "label-template": null,
      "op-cmd": {
        "cmd-args": ["${guild_python_exe}", "-um", spec.optimizer === "+" ? "guild.batch_main" : "guild.plugins.random_main"],
        "cmd-env": { NO_OP_INTERRUPTED_MSG: "1" },
        "cmd-flags": {},
        "flags-dest": "args",
      },
      "output-attrs": null,
      "output-scalars": null,
      "python-requires": null,
      "sourcecode-root": null,
    },
    sourcecode: null,
    outputScalars: null,
    randomSeed: spec.randomSeed,
    extraAttrs: {
      ...(spec.tags.length ? { tags: [...spec.tags].sort() } : {}),
      ...(spec.maxTrials !== null ? { max_trials: spec.maxTrials } : {}),
      ...(spec.stageTrials ? { stage_trials: true } : {}),
      objective: spec.objective,
      sourcecode_digest: null,
    },
  };
  const protoPlan: RunPlan = { ...spec.proto, randomSeed: spec.proto.randomSeed ?? spec.randomSeed };
  const batch = spec.existing
    ? reclaimBatch(spec.existing, protoPlan)
    : createRun(batchPlan, {
        stage: spec.stage === true,
        beforeVisible: (dir) => {
          // The batch copies no source code: an empty manifest, as Guild's.
          fs.writeFileSync(path.join(dir, ".guild", "manifest"), "");
          const proto = path.join(dir, ".guild", "proto");
          fs.mkdirSync(path.join(proto, ".guild", "attrs"), { recursive: true });
          // The proto keeps its PENDING forever, as Guild's does.
          writeRunSkeleton(proto, protoPlan, "proto");
        },
      });
  if (spec.stage && !spec.existing)
    return { batch, trials: [], exitStatus: 0, deleted: false, completed: 0, failed: 0, skipped: 0, terminated: 0 };
  writeAttr(batch.dir, "started", timestampUs());
  writeAttr(batch.dir, "env", runEnv(batchPlan, batch));
  const outFd = fs.openSync(path.join(batch.dir, ".guild", "output"), "a");
  const indexFd = fs.openSync(path.join(batch.dir, ".guild", "output.index"), "a");
  // The batch logs the scalars of its output (its trials' output), as Guild's batch process does.
  const matcher = compileOutputScalars(null, []);
  const logger = matcher ? new ScalarLogger(matcher, () => new EventFileWriter(path.join(batch.dir, ".guild"))) : null;
  const out = [new Tee(0, outFd, indexFd, null, logger), new Tee(1, outFd, indexFd, null, logger)] as const;
  const say: BatchLog = (level, msg) => {
    log(level, msg);
    out[1].write(Buffer.from(`${level}: [guild] ${msg}\n`));
  };

  const result: BatchResult = { batch, trials: [], exitStatus: 0, deleted: false, completed: 0, failed: 0, skipped: 0, terminated: 0 };
  let stopSignal: NodeJS.Signals | null = null;
  let failStop: number | null = null;
  const running = new Map<string, number>();
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopSignal) return;
    stopSignal = sig;
    // startRun passes the signal on to each trial's process; the batch only says so.
    if (sig !== "SIGTERM") return;
    for (const pid of running.values()) say("INFO", `Stopping trial (proc ${pid})`);
    // Guild waits 30 s for the trials, then kills what is left.
    setTimeout(() => {
      for (const pid of running.values()) {
        say("INFO", `Forcefully terminating trial (proc ${pid})`);
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }, KILL_AFTER_MS).unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    for (const t of spec.trials) result.trials.push(initTrial(spec, batch, t));
    const queue = result.trials.map((t, i) => ({ run: t, flags: spec.trials[i]!, n: i + 1 }));
    const total = queue.length;
    const next = async (): Promise<void> => {
      for (;;) {
        if (stopSignal || failStop !== null) return;
        const item = queue.shift();
        if (!item) return;
        const status = isPending(item.run.dir);
        if (status !== null || !claimTrial(item.run.dir)) {
          say("INFO", `Skipping ${item.run.id} because its status is '${status ?? "running"}' (expected 'pending')`);
          result.skipped++;
          continue;
        }
        const plan = spec.trialPlan(item.flags);
        progress?.(`trial ${item.n}/${total} (${result.completed} completed, ${result.failed} failed)`);
        const desc = `${spec.proto.opspec} (${trialFlagsDesc(item.flags)})`;
        if (spec.stageTrials) {
          say("INFO", `Staging trial ${item.run.id}: ${desc}`);
          fs.writeFileSync(path.join(item.run.dir, ".guild", "STAGED"), "");
          fs.rmSync(path.join(item.run.dir, ".guild", "PENDING"), { force: true });
          writeAttr(item.run.dir, "user_flags", {});
          writeAttr(item.run.dir, "deps", {});
          writeAttr(item.run.dir, "started", timestampUs());
          fs.rmSync(path.join(item.run.dir, ".guild", "LOCK"), { force: true });
          result.completed++;
          continue;
        }
        say("INFO", `Running trial ${item.run.id}: ${desc}`);
        writeAttr(item.run.dir, "user_flags", {});
        writeAttr(item.run.dir, "deps", placeDeps(item.run.dir, item.run.dir, plan.deps ?? []));
        fs.rmSync(path.join(item.run.dir, ".guild", "PENDING"), { force: true });
        const status2 = await startRun(plan, item.run, {
          quiet: spec.quiet,
          onSpawn: (pid) => running.set(item.run.id, pid),
          mirror: (stream, chunk) => out[stream].write(chunk),
        });
        running.delete(item.run.id);
        if (status2 === 0) result.completed++;
        else if (status2 === -15 || (stopSignal && status2 < 0)) {
          result.terminated++;
          say("INFO", `Trial ${item.run.id} was terminated`);
        } else {
          result.failed++;
          say("ERROR", `Trial ${item.run.id} exited with an error (${exitCode(status2)}) - see log for details`);
          if (spec.failOnTrialError && failStop === null) {
            failStop = exitCode(status2);
            say("ERROR", "Stopping batch because a trial failed (pending trials can be started as needed)");
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(spec.jobs, total || 1)) }, () => next()));
    if (stopSignal === "SIGINT") say("INFO", "Stopping batch");
    else if (stopSignal) say("INFO", "Stopping batch (pending trials can be started as needed)");
    result.exitStatus = stopSignal ? -(osConstants.signals[stopSignal] ?? 15) : (failStop ?? 0);
  } catch (e) {
    result.exitStatus = 1;
    say("ERROR", (e as Error).message);
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    out[0].end();
    out[1].end();
    logger?.close();
    fs.closeSync(outFd);
    fs.closeSync(indexFd);
    writeAttr(batch.dir, "exit_status", result.exitStatus);
    writeAttr(batch.dir, "stopped", timestampUs());
    fs.rmSync(path.join(batch.dir, ".guild", "LOCK"), { force: true });
  }
  if (result.exitStatus === 0 && !spec.keepBatch) {
    const r = markDeleted(spec.home, batch.id);
    result.deleted = r.outcome === "deleted";
  }
  return result;
}

/** A batch run restarted: claimed, unstaged, its proto's flags those of the restart. */
function reclaimBatch(batch: CreatedRun, proto: RunPlan): CreatedRun {
  const g = path.join(batch.dir, ".guild");
  fs.writeFileSync(path.join(g, "LOCK"), String(process.pid));
  fs.rmSync(path.join(g, "STAGED"), { force: true });
  for (const name of ["exit_status", "stopped"]) fs.rmSync(path.join(g, "attrs", name), { force: true });
  for (const name of ["output", "output.index"]) if (fs.existsSync(path.join(g, name))) fs.truncateSync(path.join(g, name));
  const protoDir = path.join(g, "proto");
  writeAttr(protoDir, "flags", proto.flags);
  writeAttr(protoDir, "user_flags", proto.userFlags);
  if (proto.label) writeAttr(protoDir, "label", proto.label);
  writeAttr(protoDir, "cmd", proto.cmd);
  return batch;
}

/** The trial ids linked from a batch run directory (`<B>/<T> -> ../<T>`), in name order. */
export function batchTrialIds(batchDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(batchDir);
  } catch {
    return [];
  }
  return names.filter((n) => /^[0-9a-f]{32}$/.test(n) && fs.lstatSync(path.join(batchDir, n)).isSymbolicLink()).sort();
}
