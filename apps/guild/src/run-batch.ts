import { canPrompt, CliError, confirm, declined, EXIT, runsTable } from "@guildts/format";
import {
  batchFileTrials,
  checkFunctions,
  FlagError,
  formatTrialsTable,
  gridTrials,
  newRandomSeed,
  randomTrials,
  type Guildfile,
  type OpDef,
  type Optimizer,
} from "@guildts/guildfile";
import { lsRuns, runOptions } from "@guildts/plumbing";
import path from "node:path";
import { batchOpRef, pythonExe, runBatch, stoppedNote, type CreatedRun, type Flags } from "@guildts/runner";
import { encodeAttr, encodeFlagVal } from "@guildts/py";
import { formatOpRef, readAttr, type AttrValue, type OpRef, type RunRecord } from "@guildts/runstore";
import { opPlan } from "./run-cmd.js";
import { opDefOf, updatedFlags } from "./run-restart.js";

/** The batch options of `guild run`, checked (one-line usage errors naming the bad value). */
export interface BatchOptions {
  optimizer: string | null;
  maxTrials: number | null;
  randomSeed: number | null;
  jobs: number;
  printTrials: boolean;
  stageTrials: boolean;
  keepBatch: boolean;
  failOnTrialError: boolean;
  needed: boolean;
  batchLabel: string | null;
  batchTags: string[];
}

function intOption(opts: Record<string, unknown>, key: string, name: string, min: number): number | null {
  const v = opts[key];
  if (v === undefined || v === false) return null;
  const text = String(Array.isArray(v) ? v[v.length - 1] : v);
  if (!/^[+-]?\d+$/.test(text.trim())) throw new CliError(`invalid value for ${name}: '${text}' is not a valid integer`, EXIT.USAGE);
  const n = Number(text);
  if (n < min) throw new CliError(`invalid value for ${name}: ${text} is not in the range x>=${min}`, EXIT.USAGE);
  return n;
}

function strings(v: unknown): string[] {
  if (v === undefined || v === false) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function batchOptions(opts: Record<string, unknown>): BatchOptions {
  if (opts.printTrials && opts.stageTrials)
    throw new CliError(
      "--print-trials and --stage-trials cannot both be used\nTry 'guild run --help' for more information.",
      EXIT.NO_MATCH,
    );
  const label = strings(opts.batchLabel);
  return {
    optimizer: opts.optimizer === undefined ? null : String(opts.optimizer),
    maxTrials: intOption(opts, "maxTrials", "-m/--max-trials", 1) ?? intOption(opts, "trials", "--trials", 1),
    randomSeed: intOption(opts, "randomSeed", "--random-seed", 0),
    jobs: intOption(opts, "jobs", "--jobs", 1) ?? 1,
    printTrials: opts.printTrials === true,
    stageTrials: opts.stageTrials === true,
    keepBatch: opts.keepBatch === true,
    failOnTrialError: opts.failOnTrialError === true,
    needed: opts.needed === true,
    batchLabel: label.length ? label[label.length - 1]! : null,
    batchTags: strings(opts.batchTag),
  };
}

/** Guild's `run_params` attr: every option of `guild run` by its dest name (the ones guildts has set). */
export function guildRunParams(
  opts: Record<string, unknown>,
  opspec: string,
  assigns: string[],
  b: BatchOptions,
): Record<string, AttrValue> {
  return {
    additional_deps: [],
    background: false,
    batch_comment: null,
    batch_label: b.batchLabel,
    batch_tags: b.batchTags,
    break_: [],
    break_on_error: false,
    comment: null,
    debug_sourcecode: null,
    edit_batch_comment: false,
    edit_comment: false,
    edit_flags: false,
    fail_on_trial_error: b.failOnTrialError,
    flags: assigns,
    force_deps: false,
    force_flags: opts.forceFlags === true,
    force_sourcecode: false,
    gpus: null,
    help_model: false,
    help_op: false,
    keep_batch: b.keepBatch,
    keep_run: false,
    label: typeof opts.label === "string" ? opts.label : null,
    max_trials: b.maxTrials,
    maximize: null,
    minimize: null,
    needed: b.needed,
    no_gpus: false,
    no_wait: false,
    opspec,
    opt_flags: [],
    optimize: false,
    optimizer: b.optimizer,
    pidfile: null,
    print_cmd: false,
    print_env: false,
    print_trials: b.printTrials,
    proto: null,
    quiet: opts.quiet === true,
    random_seed: b.randomSeed,
    remote: null,
    restart: null,
    run_dir: null,
    run_id: null,
    save_trials: null,
    stage: opts.stage === true,
    stage_trials: b.stageTrials,
    stop_after: null,
    tags: [],
    test_flags: false,
    test_output_attrs: null,
    test_output_scalars: null,
    test_sourcecode: false,
    yes: opts.yes === true,
  };
}

/** A batch-file trial as `NAME=VALUE` arguments. */
export function trialAssigns(trial: Flags): string[] {
  return Object.entries(trial).map(([k, v]) => `${k}=${encodeFlagVal(v)}`);
}

function guildErrors<T>(body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof FlagError) throw new CliError(e.message, EXIT.NO_MATCH);
    throw e;
  }
}

export interface BatchCall {
  gf: Guildfile;
  op: OpDef;
  home: string;
  flags: Flags;
  userFlags: Flags;
  fileTrials: Flags[];
  optimizer: Optimizer;
  runParams: Record<string, AttrValue>;
  labelOption: string | null;
  batchOpts: BatchOptions;
  opts: Record<string, unknown>;
}

/** The trials of a batch, before anything is created (errors are Guild's, as FlagError). */
export function batchTrials(c: BatchCall, seed: number): Flags[] {
  const max = c.batchOpts.maxTrials;
  if (c.fileTrials.length) {
    const trials = batchFileTrials(c.fileTrials, c.flags, c.userFlags, seed);
    return max && max < trials.length ? trials.slice(0, max) : trials;
  }
  if (c.optimizer === "random") return randomTrials(c.flags, max ?? 20, seed);
  checkFunctions(c.flags);
  return gridTrials(c.flags, { maxTrials: max, seed });
}

function same(a: AttrValue | undefined, b: AttrValue): boolean {
  return a !== undefined && encodeAttr(a) === encodeAttr(b);
}

/**
 * `--needed` (`_matching_runs_for_needed`): the completed or terminated runs of the same opref
 * and flags; for a batch (`batchRef` given) the batches of that batch op whose proto has the
 * operation's opref and flags.
 */
export function neededMatches(home: string, opRef: OpRef, flags: Flags, batchRef?: OpRef): RunRecord[] {
  const o = runOptions({ home, all: true });
  const sameRef = (a: OpRef | null, b: OpRef) => a !== null && formatOpRef(a) === formatOpRef(b);
  return lsRuns(o).runs.filter((r) => {
    if (r.status !== "completed" && r.status !== "terminated") return false;
    if (!batchRef) return r.batch_proto === null && sameRef(r.opref, opRef) && same(r.flags, flags);
    return (
      sameRef(r.opref, batchRef) &&
      r.batch_proto !== null &&
      sameRef(r.batch_proto.opref, opRef) &&
      same(readAttr(r.batch_proto.dir, "flags"), flags)
    );
  });
}

/** Guild's `--needed` message and the matching runs (stdout); true when there are any. */
export function printNeeded(matches: RunRecord[]): boolean {
  if (!matches.length) return false;
  process.stdout.write("Skipping because the following runs match this operation (--needed specified):\n");
  for (const line of runsTable(matches, { cwd: process.cwd() })) process.stdout.write(`  ${line}\n`);
  return true;
}

/** `guild run` of a batch: the trials listed (`--print-trials`), or the batch run. */
export async function runBatchCmd(c: BatchCall, existing?: CreatedRun): Promise<number> {
  const b = c.batchOpts;
  const seed = b.randomSeed ?? newRandomSeed();
  const trials = guildErrors(() => batchTrials(c, seed));
  if (b.printTrials) {
    process.stdout.write(formatTrialsTable(trials));
    return EXIT.OK;
  }
  const proto = opPlan(c.gf, c.op, c.home, c.flags, c.userFlags, c.runParams, c.labelOption);
  if (b.needed) {
    if (printNeeded(neededMatches(c.home, proto.opref, c.flags, batchOpRef(c.optimizer)))) return EXIT.OK;
  }
  if (!c.opts.yes) {
    if (!canPrompt())
      throw new CliError(`not running ${proto.opspec}: no terminal to confirm on (use -y to run without asking)`, EXIT.USAGE);
    const how = c.optimizer === "random" ? `with random search (${trials.length} trials)` : `as a batch (${trials.length} trials)`;
    process.stderr.write(`You are about to ${b.stageTrials ? "stage" : "run"} ${proto.opspec} ${how}\n`);
    for (const k of Object.keys(c.flags).sort()) process.stderr.write(`  ${k}: ${encodeFlagVal(c.flags[k]!)}\n`);
    if (!confirm("Continue?")) throw declined();
  }
  const tty = process.stderr.isTTY === true;
  const label = b.batchLabel ?? (b.batchTags.length ? b.batchTags.join(" ") : null);
  const r = await runBatch(
    {
      home: c.home,
      optimizer: c.optimizer,
      proto,
      trials,
      trialPlan: (flags) => opPlan(c.gf, c.op, c.home, flags, {}, c.runParams, c.labelOption, { quiet: true }),
      batchCmd: [pythonExe(), "-um", c.optimizer === "+" ? "guild.batch_main" : "guild.plugins.random_main"],
      randomSeed: seed,
      maxTrials: b.maxTrials,
      objective: "loss",
      runParams: c.runParams,
      label,
      tags: b.batchTags,
      stageTrials: b.stageTrials,
      keepBatch: b.keepBatch,
      failOnTrialError: b.failOnTrialError,
      jobs: b.jobs,
      quiet: c.opts.quiet === true,
      ...(existing ? { existing } : {}),
      stage: c.opts.stage === true,
    },
    (level, msg) => process.stderr.write(`${level}: [guild] ${msg}\n`),
    tty ? (text) => process.stderr.write(`${text}\n`) : undefined,
  );
  if (c.opts.stage && !existing) {
    const desc = `${proto.opspec}${c.optimizer === "+" ? "+" : "+skopt:random"}`;
    process.stdout.write(`${desc} staged as ${r.batch.id}\nTo start the operation, use 'guild run --start ${r.batch.id}'\n`);
    return EXIT.OK;
  }
  const n = r.trials.length;
  const parts = [`${r.completed} ${b.stageTrials ? "staged" : "completed"}`, `${r.failed} failed`];
  const left = n - r.completed - r.failed - r.skipped - r.terminated;
  if (r.terminated) parts.push(`${r.terminated} terminated`);
  if (r.skipped) parts.push(`${r.skipped} skipped`);
  if (left > 0) parts.push(`${left} pending`);
  // Stopped (Ctrl-C, a signal): one line names the batch run and its status, as a single run's does.
  const stopped = stoppedNote({ opspec: `${proto.opspec}${c.optimizer === "+" ? "+" : "+skopt:random"}` }, r.batch.id, r.exitStatus);
  const head = stopped ? stopped.replace(/^Run /, "Batch ") : `Batch ${r.batch.id.slice(0, 8)}`;
  process.stderr.write(
    `${head}${stopped ? "; " : ": "}${n} trial${n === 1 ? "" : "s"}, ${parts.join(", ")}${r.deleted ? " (batch run deleted on success; --keep-batch keeps it)" : ""}\n`,
  );
  return r.exitStatus < 0 ? 256 + r.exitStatus : r.exitStatus;
}

/**
 * `guild run --restart B` of a batch (batch spec §1.9): the proto's flags updated by the command
 * line, `max_trials`, `stage_trials` and `random_seed` kept unless given again, and **new** trials
 * (the old ones and their links stay).
 */
export async function restartBatch(run: RunRecord, assigns: string[], opts: Record<string, unknown>): Promise<number> {
  const protoDir = run.batch_proto!.dir;
  const def = opDefOf(run.batch_proto!.opref);
  if (!def) throw new CliError(`cannot find definition for operation ${run.operation ?? "?"} (its guild file is gone)`, EXIT.NO_MATCH);
  const saved = readAttr(protoDir, "flags");
  const { flags, userFlags } = updatedFlags(
    saved && typeof saved === "object" && !Array.isArray(saved) ? (saved as Flags) : {},
    assigns,
    def.op,
  );
  const savedParams = readAttr(run.dir, "run_params");
  const runParams =
    savedParams && typeof savedParams === "object" && !Array.isArray(savedParams) ? (savedParams as Record<string, AttrValue>) : {};
  const b = batchOptions(opts);
  const num = (v: AttrValue | undefined) => (typeof v === "number" ? v : null);
  const batchOpts: BatchOptions = {
    ...b,
    maxTrials: b.maxTrials ?? num(readAttr(run.dir, "max_trials")),
    randomSeed: b.randomSeed ?? num(readAttr(run.dir, "random_seed")),
    stageTrials: b.stageTrials || readAttr(run.dir, "stage_trials") === true,
    keepBatch: b.keepBatch || runParams.keep_batch === true,
    failOnTrialError: b.failOnTrialError || runParams.fail_on_trial_error === true,
  };
  if (opts.needed && (run.status === "completed" || run.status === "terminated") && encodeAttr(saved ?? null) === encodeAttr(flags)) {
    process.stdout.write("Skipping run because flags have not changed (--needed specified)\n");
    return EXIT.OK;
  }
  const optimizer: Optimizer = run.opref?.op === "random" ? "random" : "+";
  return runBatchCmd(
    {
      gf: def.gf,
      op: def.op,
      home: path.dirname(path.dirname(run.dir)),
      flags,
      userFlags,
      fileTrials: [],
      optimizer,
      runParams,
      labelOption: null,
      batchOpts,
      opts: { ...opts, yes: opts.yes },
    },
    { id: run.id, dir: run.dir },
  );
}
