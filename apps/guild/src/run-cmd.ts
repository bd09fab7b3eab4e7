import { canPrompt, CliError, confirm, declined, eachLine, EXIT, textFor } from "@guildts/format";
import {
  findGuildfile,
  flagArgs,
  flagEnv,
  FlagError,
  flagsPrompt,
  GuildfileError,
  helpOp,
  impliedOptimizer,
  loadGuildfile,
  parseOptimizer,
  readBatchFile,
  OpResolveError,
  renderLabel,
  resolveCmdRefs,
  resolveFlags,
  resolveOperation,
  trainAlias,
  unimplementedOpKeys,
  type Guildfile,
  type OpDef,
} from "@guildts/guildfile";
import { addGuildShorts, addGuildUnsupported, closest, type Call } from "@guildts/plumbing";
import type { CAC } from "cac";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRun, pythonExe, spawnArgv, startInBackground, startRun, stoppedNote, type CreatedRun, type RunPlan } from "@guildts/runner";
import { batchOptions, guildRunParams, neededMatches, printNeeded, restartBatch, runBatchCmd, trialAssigns } from "./run-batch.js";
import { resolveRunDeps } from "./run-deps.js";
import { copyProtoFiles, protoRun, restartCmd } from "./run-restart.js";
import { resolveGuildHome, shlexQuote, shlexSplit, writeAttr, type AttrValue } from "@guildts/runstore";

/** The cwd's guild file, or a CliError saying there is none / what is wrong with it. */
export function cwdGuildfile(cwd = process.cwd()): Guildfile {
  const file = findGuildfile(cwd);
  if (!file) throw new CliError(`there is no model definition (guild.yml or MODELS) in ${cwd}`, EXIT.NO_MATCH);
  try {
    return loadGuildfile(file);
  } catch (e) {
    if (e instanceof GuildfileError) throw new CliError(e.message, EXIT.NO_MATCH);
    throw e;
  }
}

function guildErrors<T>(body: () => T): T {
  try {
    return body();
  } catch (e) {
    // Guild prints its choice and required-flag tables without the `guild: ` prefix.
    if (e instanceof FlagError && e.plain) {
      process.stderr.write(e.message + "\n");
      throw new CliError("", EXIT.NO_MATCH);
    }
    if (e instanceof OpResolveError || e instanceof FlagError) throw new CliError(withGuess(e.message, e.near), EXIT.NO_MATCH);
    if (e instanceof GuildfileError) throw new CliError(e.message, EXIT.NO_MATCH);
    throw e;
  }
}

/** Guild's message with "did you mean" on its first line when a name is close to what was typed (`trian`). */
function withGuess(message: string, near: { typed: string; names: readonly string[] } | undefined): string {
  const guess = near && closest(near.typed, near.names);
  if (!guess) return message;
  const [first, ...rest] = message.split("\n");
  return [`${first} (did you mean '${guess}'?)`, ...rest].join("\n");
}

/**
 * The command of an operation: `main: MODULE` through the op_main bootstrap, or `exec:` with
 * `${flag_args}` and each `${name}` resolved as Guild's `op_cmd` does (one encoding for
 * arguments, references and `FLAG_*`: `1.0`, `1e-05`, `1`/`` for booleans).
 */
export function opCommand(op: OpDef, flags: Record<string, AttrValue>): string[] {
  const args = flagArgs(op, flags);
  if (op.exec) {
    const params: Record<string, AttrValue> = { ...flags, python_exe: pythonExe(), guild_python_exe: pythonExe() };
    const out: string[] = [];
    for (const token of shlexSplit(op.exec)) {
      if (token === "${flag_args}") out.push(...args);
      // Guild replaces `${project_dir}` as text first (`op_util._apply_other_args`).
      else out.push(guildErrors(() => resolveCmdRefs(token.replaceAll("${project_dir}", op.model.guildfile.dir), params)));
    }
    return out;
  }
  if (op.main) {
    const [module, ...mainArgs] = shlexSplit(op.main);
    // Guild's spelling, so Guild restarts the run; spawnArgv runs it as this project's bootstrap.
    return [pythonExe(), "-um", "guild.op_main", module!, ...mainArgs, "--", ...args];
  }
  throw new CliError(`operation '${op.name}' has neither main nor exec: nothing to run`, EXIT.NO_MATCH);
}

/** The options of `guild run` and `guild train`. */
export function runCmdOptions(cli: CAC): CAC {
  addGuildUnsupported(cli, ...RUN_GUILD_ONLY);
  return addGuildShorts(
    cli
      .option("-H, --home <path>", "Guild home for the run")
      .option("-l, --label <label>", "Label for the run (${flag} and ${default_label} are replaced)")
      .option("-y, --yes", "Do not ask for confirmation")
      .option("--help-op", "Show the operation's help and flags, then exit")
      .option("--print-cmd", "Print the command the run would execute, then exit")
      .option("--stage", "Create the run staged, without starting it")
      .option("--start <run>", "Start a staged or pending run (an index, id or id prefix); flags may be given")
      .option("--proto <run>", "A new run of RUN's operation with its flags (FLAG=VALUE overrides) and source code")
      .option("--restart <run>", "Restart a run in place: same id, saved flags updated by FLAG=VALUE (a batch makes new trials)")
      .option("-q, --quiet", "Do not show the operation's output")
      .option("-b, --background", "Run the operation in the background (detached); follow it with 'guild watch'")
      .option("--pidfile <file>", "Run the operation in the background, writing the background process id to FILE")
      .option("-f, --force-flags", "Accept all flag assignments, even for undefined or invalid values")
      .option("-o, --optimizer <algorithm>", "Run as a batch with this optimizer: + (grid) or random")
      .option("-m, --max-trials <n>", "Maximum number of trials in a batch (random: default 20; grid: all)")
      .option("--trials <n>", "Same as --max-trials")
      .option("--random-seed <n>", "Random seed used when sampling trials or flag values")
      .option("--print-trials", "Show the generated trials and exit (nothing is created)")
      .option("--stage-trials", "For batch operations, stage trials without running them")
      .option("--keep-batch", "Keep the batch run rather than delete it on success")
      .option("--fail-on-trial-error", "Stop the batch when a trial exits with an error")
      .option("--batch-label <label>", "Label to use for batch runs (also -bl). Ignored for non-batch runs")
      .option("--batch-tag <tag>", "Associate TAG with the batch (also -bt; may be repeated). Ignored for non-batch runs")
      .option("--needed", "Run only when no completed run of the operation has the same flags")
      .option("--jobs <n>", "Run up to N trials of a batch at once (default 1)"),
    // Guild's -h is --help-op (click's help is --help only).
    { "-bl": "--batch-label", "-bt": "--batch-tag", "-h": "--help-op" },
  );
}

/** Guild 0.9's `run` options guildts does not have yet: refused by name (issue 20). */
const RUN_GUILD_ONLY = [
  "-t, --tag",
  "-c, --comment",
  "-ec, --edit-comment",
  "-e, --edit-flags",
  "-d, --run-dir",
  "--force-sourcecode",
  "--gpus",
  "--no-gpus",
  "-bc, --batch-comment",
  "-ebc, --edit-batch-comment",
  "-O, --optimize",
  "-N, --minimize",
  "-X, --maximize",
  "-Fo, --opt-flag",
  "--debug-sourcecode",
  "--force-deps",
  "--stop-after",
  "--save-trials",
  "--keep-run",
  "-D, --dep",
  "--break",
  "--break-on-error",
  "--print-env",
  "--help-model",
  "--test-output-scalars",
  "--test-output-attrs",
  "--test-sourcecode",
  "--test-flags",
  "--run-id",
];

/** The plan of a run of `op` with these flag values (a single run, a batch's proto or a trial). */
export function opPlan(
  gf: Guildfile,
  op: OpDef,
  home: string,
  flagsIn: Record<string, AttrValue>,
  userFlags: Record<string, AttrValue>,
  runParams: Record<string, AttrValue>,
  labelOption: string | null,
  depOpts: { stage?: boolean; quiet?: boolean } = {},
): RunPlan {
  const opspec = op.model.name ? `${op.model.name}:${op.name}` : op.name;
  const resolved = resolveRunDeps(op, flagsIn, home, {
    stage: depOpts.stage === true,
    // A batch's trials resolve as its proto did: their plans log nothing more.
    log: depOpts.quiet ? () => {} : (m) => process.stderr.write(`${m}\n`),
    warn: (m) => process.stderr.write(`WARNING: ${m}\n`),
  });
  const flags = resolved.flags;
  const cmd = opCommand(op, flags);
  const template = labelOption ?? op.labelTemplate;
  const label = renderLabel(template ?? null, flags, (m) => process.stderr.write(`WARNING: ${m}\n`));
  return {
    home,
    opref: { type: "guildfile", pkg: gf.path, version: gf.md5, model: op.model.name, op: op.name },
    opspec,
    cmd,
    env: { PROJECT_DIR: gf.dir, ...(op.flagsDest ? { FLAGS_DEST: op.flagsDest } : {}), ...flagEnv(op, flags) },
    flags,
    userFlags,
    label: label || null,
    runParams,
    opAttr: {
      "delete-on-success": false,
      deps: resolved.opDeps,
      "flag-null-labels": {},
      "flags-extra": Object.fromEntries(op.flags.filter((f) => Object.keys(f.extra).length).map((f) => [f.name, f.extra])),
      "label-template": op.labelTemplate,
      "op-cmd": {
        "cmd-args": opCmdArgs(op),
        "cmd-env": { ...(op.flagsDest ? { FLAGS_DEST: op.flagsDest } : {}), PROJECT_DIR: gf.dir },
        "cmd-flags": Object.fromEntries(op.flags.map((f) => [f.name, (f.argSkip ? { "arg-skip": true } : {}) as AttrValue])),
        ...(op.flagsDest ? { "flags-dest": op.flagsDest } : {}),
      },
      "output-attrs": null,
      "output-scalars": (op.outputScalars ?? null) as AttrValue,
      "python-requires": null,
      sourcecode: { dest: "." },
    },
    sourcecode: { root: gf.dir, config: op.sourcecode },
    outputScalars: op.outputScalars,
    deps: resolved.sources,
  };
}

/** Guild's `op-cmd` `cmd-args`: the command template, `${python_exe}` and `__flag_args__` unexpanded. */
function opCmdArgs(op: OpDef): AttrValue[] {
  if (op.exec) return shlexSplit(op.exec).map((t) => (t === "${flag_args}" ? "__flag_args__" : t));
  if (op.main) {
    const [module, ...mainArgs] = shlexSplit(op.main);
    return ["${python_exe}", "-um", "guild.op_main", module!, ...mainArgs, "--", "__flag_args__"];
  }
  return [];
}

/** `guild run [MODEL:]OPERATION [FLAG=VALUE...]` and (alias "train") `guild train [MODEL]`. */
export async function runCmd(call: Call, alias?: "train"): Promise<number> {
  const { opts } = call;
  const args = [...call.args];
  if (opts.start !== undefined || opts.restart !== undefined)
    return restartCmd(opts, args, { plan: opPlan, batch: restartBatch, background });
  if (opts.proto !== undefined) return protoCmd(opts, args);
  const gf = cwdGuildfile();
  const batchFiles = args.filter((a) => a.startsWith("@"));
  const assigns = args.filter((a) => a.includes("=") && !a.startsWith("@"));
  const words = args.filter((a) => !a.includes("=") && !a.startsWith("@"));
  if (words.length > 1) throw new CliError(`unexpected argument '${words[1]}' (flags are NAME=VALUE)`, EXIT.USAGE);
  const op = guildErrors(() =>
    alias ? trainAlias(gf, words[0]) : words[0] === undefined ? noOperation() : resolveOperation(gf, words[0]),
  );
  if (opts.helpOp) {
    process.stdout.write(helpOp(op));
    return EXIT.OK;
  }
  checkOpKeys(op);
  const batchOpts = batchOptions(opts);
  const fileTrials = guildErrors(() => batchFiles.flatMap((f) => readBatchFile(f.slice(1))));
  const force = opts.forceFlags === true || fileTrials.length > 0;
  const { flags, userFlags } = guildErrors(() => resolveFlags(op, assigns, { force }));
  const home = resolveGuildHome({ option: opts.home === undefined ? undefined : String(opts.home) });
  const labelOption = typeof opts.label === "string" ? opts.label : null;
  const runParams = guildRunParams(opts, words[0] ?? (op.model.name ? `${op.model.name}:${op.name}` : op.name), assigns, batchOpts);
  const optimizer = guildErrors(() =>
    batchOpts.optimizer ? parseOptimizer(batchOpts.optimizer) : (impliedOptimizer(flags) ?? (fileTrials.length >= 2 ? "+" : null)),
  );
  if (optimizer || opts.printTrials) {
    if (!optimizer) throw new CliError("cannot print trials for a non-batch operation", EXIT.NO_MATCH);
    return runBatchCmd({ gf, op, home: home.path, flags, userFlags, fileTrials, optimizer, runParams, labelOption, batchOpts, opts });
  }
  if (batchOpts.maxTrials !== null) process.stderr.write("WARNING: not a batch run - ignoring --max-trials\n");
  // One trial from batch files: its values are plain user flags.
  const single =
    fileTrials.length === 1 ? guildErrors(() => resolveFlags(op, [...trialAssigns(fileTrials[0]!), ...assigns], { force })) : null;
  const plan = opPlan(gf, op, home.path, single?.flags ?? flags, single?.userFlags ?? userFlags, runParams, labelOption, {
    stage: opts.stage === true,
  });
  if (batchOpts.needed && printNeeded(neededMatches(home.path, plan.opref, plan.flags))) return EXIT.OK;
  return runSingle(op, plan, opts);
}

/** Guild-file keys this project does not implement: an error for those that change what runs, else a warning. */
function checkOpKeys(op: OpDef): void {
  const p = unimplementedOpKeys(op);
  if (p.errors.length) throw new CliError(p.errors[0]!, EXIT.NO_MATCH);
  for (const w of p.warnings) process.stderr.write(`WARNING: ${w}\n`);
}

/** `guild run --proto RUN [FLAG=VALUE...]`: a new run of RUN's operation, flags and source code. */
async function protoCmd(opts: Record<string, unknown>, args: string[]): Promise<number> {
  const words = args.filter((a) => !a.includes("="));
  if (words.length) throw new CliError(`unexpected argument '${words[0]}': --proto takes the operation from RUN`, EXIT.USAGE);
  const assigns = args.filter((a) => a.includes("="));
  const p = protoRun(opts, assigns);
  const home = resolveGuildHome({ option: opts.home === undefined ? undefined : String(opts.home) });
  const opspec = p.op.model.name ? `${p.op.model.name}:${p.op.name}` : p.op.name;
  const runParams = { ...guildRunParams(opts, opspec, assigns, batchOptions(opts)), proto: p.run.id };
  const labelOption = typeof opts.label === "string" ? opts.label : null;
  const plan = { ...opPlan(p.gf, p.op, home.path, p.flags, p.userFlags, runParams, labelOption), sourcecode: null };
  return runSingle(p.op, plan, opts, (dir) => copyProtoFiles(p.run, dir));
}

/** Creates (or stages) and starts one run: `--print-cmd`, the confirmation, the run's exit status. */
async function runSingle(op: OpDef, plan: RunPlan, opts: Record<string, unknown>, beforeVisible?: (dir: string) => void): Promise<number> {
  if (opts.printCmd) {
    process.stdout.write(spawnArgv(plan.cmd).map(shlexQuote).join(" ") + "\n");
    return EXIT.OK;
  }
  if (!opts.yes) {
    if (!canPrompt())
      throw new CliError(`not running ${plan.opspec}: no terminal to confirm on (use -y to run without asking)`, EXIT.USAGE);
    process.stderr.write(eachLine(flagsPrompt(op, plan.flags).replace(/\s*Continue\?.*$/s, ""), textFor(process.stderr)) + "\n");
    if (!confirm(opts.stage ? "Stage the run?" : "Continue?")) throw declined(); // Guild exits 0 here: one code for "no" everywhere
  }
  const run = createRun(plan, {
    stage: opts.stage === true,
    warn: (m) => process.stderr.write(`WARNING: ${m}\n`),
    ...(beforeVisible ? { beforeVisible } : {}),
  });
  if (opts.stage) {
    process.stdout.write(`${plan.opspec} staged as ${run.id}\nTo start the operation, use 'guild run --start ${run.id}'\n`);
    return EXIT.OK;
  }
  if (opts.background || opts.pidfile !== undefined) return background(plan, run, opts);
  const freeze = pipFreeze(op, run.dir);
  const status = await startRun(plan, run, { quiet: opts.quiet === true });
  await freeze;
  const note = stoppedNote(plan, run.id, status);
  if (note) process.stderr.write(note + "\n");
  // Guild exits with the operation's status; a signal -N becomes 256-N, as Guild does.
  return status < 0 ? 256 + status : status;
}

/**
 * Guild's python_script plugin writes `pip_freeze` (the `pip freeze` lines) for a Python
 * operation (`main:`, or an `exec:` that runs python) unless `pip-freeze: no` or NO_PIP_FREEZE=1.
 * Here it runs beside the operation, not before it; no pip, no attr.
 */
function pipFreeze(op: OpDef, dir: string): Promise<void> {
  const python = op.main !== null && op.main !== undefined ? true : /^(\S*\/)?python[0-9.]*\b|^\$\{python_exe\}/.test(op.exec ?? "");
  if (!python || op.pipFreeze === false || process.env.NO_PIP_FREEZE === "1") return Promise.resolve();
  return new Promise((resolve) => {
    const child = spawn(pythonExe(), ["-m", "pip", "freeze"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b));
    child.on("error", () => resolve());
    child.on("close", (code) => {
      if (code === 0 && fs.existsSync(dir)) {
        try {
          writeAttr(
            dir,
            "pip_freeze",
            out.split("\n").filter((l) => l.trim() !== ""),
          );
        } catch {
          // the run was removed meanwhile
        }
      }
      resolve();
    });
  });
}

/** `--background`/`--pidfile`: the run goes on in a detached process; its id and how to follow it are printed. */
async function background(plan: RunPlan, run: CreatedRun, opts: Record<string, unknown>): Promise<number> {
  const pidfile = typeof opts.pidfile === "string" ? opts.pidfile : undefined;
  await startInBackground(plan, run, { pidfile });
  process.stdout.write(
    `${plan.opspec} started in background as ${run.id}${pidfile ? ` (pidfile ${pidfile})` : ""}\n` +
      `To watch its output, use 'guild watch ${run.id}'\n`,
  );
  return EXIT.OK;
}

function noOperation(): never {
  throw new CliError("missing the operation to run: guild run [MODEL:]OPERATION (see 'guild operations')", EXIT.USAGE);
}
