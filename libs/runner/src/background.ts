import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic, type AttrValue } from "@guildts/runstore";
import type { CreatedRun, RunPlan } from "./run.js";

/**
 * `guild run --background` (Guild's daemonized `_run_op_in_background`): the created run is
 * started by a detached worker process (its own session, so the terminal's Ctrl-C and hangup
 * never reach it), which does exactly what a foreground `guild run` does after creating the run
 * (`startRun`, quiet): the output still goes to `.guild/output`, the exit status is recorded.
 */

/** What the worker needs of the plan: plain JSON (flag values are not needed, only their names). */
export interface BackgroundJob {
  plan: Pick<RunPlan, "home" | "opref" | "opspec" | "cmd" | "env" | "outputScalars"> & { flagNames: string[] };
  run: CreatedRun;
  pidfile: string | null;
}

const WORKER = fileURLToPath(new URL("./background-worker.js", import.meta.url));

/**
 * Starts `run` in a detached worker and resolves to the worker's pid once the job is handed over.
 * The run's LOCK names the worker until it starts the operation's process (then that process),
 * so the run is `running` from the moment this resolves; with `pidfile`, the worker's pid is
 * written there (and removed by the worker when the run ends), as Guild's daemon does.
 */
export async function startInBackground(plan: RunPlan, run: CreatedRun, opts: { pidfile?: string } = {}): Promise<number> {
  const job: BackgroundJob = {
    plan: {
      home: plan.home,
      opref: plan.opref,
      opspec: plan.opspec,
      cmd: plan.cmd,
      env: plan.env,
      outputScalars: plan.outputScalars,
      flagNames: Object.keys(plan.flags),
    },
    run,
    pidfile: opts.pidfile ? path.resolve(opts.pidfile) : null,
  };
  // The worker's own messages (a command that cannot start) land in the run's output.
  const errFd = fs.openSync(path.join(run.dir, ".guild", "output"), "a");
  let child;
  try {
    child = spawn(process.execPath, [WORKER], {
      detached: true,
      stdio: ["pipe", "ignore", errFd],
      cwd: process.cwd(),
      // RUN_ID in the worker's environment marks it as this run's process (see stop.ts).
      env: { ...process.env, RUN_ID: run.id, RUN_DIR: run.dir },
    });
  } finally {
    fs.closeSync(errFd);
  }
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => resolve(child.pid!));
  });
  writeFileAtomic(path.join(run.dir, ".guild", "LOCK"), String(pid));
  if (job.pidfile) fs.writeFileSync(job.pidfile, `${pid}\n`);
  await new Promise<void>((resolve, reject) => {
    child.stdin!.once("error", reject);
    child.stdin!.end(JSON.stringify(job), () => resolve());
  });
  child.unref();
  return pid;
}

/** The plan a worker rebuilds from its job (what startRun reads of it). */
export function planOfJob(job: BackgroundJob): RunPlan {
  const flags: Record<string, AttrValue> = Object.fromEntries(job.plan.flagNames.map((n) => [n, null]));
  return {
    ...job.plan,
    flags,
    userFlags: {},
    label: null,
    runParams: {},
    opAttr: {},
    sourcecode: null,
  };
}
