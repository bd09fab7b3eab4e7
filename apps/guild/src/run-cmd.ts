import { canPrompt, CliError, confirm, EXIT, eachLine, textFor } from "@guildts/format";
import {
  argEncode,
  findGuildfile,
  flagArgs,
  flagEnv,
  FlagError,
  flagsPrompt,
  GuildfileError,
  helpOp,
  loadGuildfile,
  OpResolveError,
  renderLabel,
  resolveCmdRefs,
  resolveFlags,
  resolveOperation,
  trainAlias,
  type Guildfile,
  type OpDef,
} from "@guildts/guildfile";
import path from "node:path";
import { runOptions, type Call } from "@guildts/plumbing";
import type { CAC } from "cac";
import { selectOne } from "./select-one.js";
import type { RunPlan } from "@guildts/runner";
import { readAttr, resolveGuildHome, shlexQuote, shlexSplit, type AttrValue } from "@guildts/runstore";

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
    if (e instanceof OpResolveError || e instanceof FlagError || e instanceof GuildfileError) throw new CliError(e.message, EXIT.NO_MATCH);
    throw e;
  }
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
    return [pythonExe(), "-um", "guildts_op_main", module!, ...mainArgs, "--", ...args];
  }
  throw new CliError(`operation '${op.name}' has neither main nor exec: nothing to run`, EXIT.NO_MATCH);
}

function pythonExe(): string {
  return process.env.GUILD_PYTHON ?? "python3";
}

/** The options of `guild run` and `guild train`. */
/** The runner, loaded when a run is made or started (the other commands never load it). */
const runner = () => import("@guildts/runner");

export function runCmdOptions(cli: CAC): CAC {
  return cli
    .option("-H, --home <path>", "Guild home for the run")
    .option("-l, --label <label>", "Label for the run (${flag} and ${default_label} are replaced)")
    .option("-y, --yes", "Do not ask for confirmation")
    .option("--help-op", "Show the operation's help and flags, then exit")
    .option("--print-cmd", "Print the command the run would execute, then exit")
    .option("--stage", "Create the run staged, without starting it")
    .option("--start <run>", "Start a staged run (an index, id or id prefix among the staged runs)")
    .option("-q, --quiet", "Do not show the operation's output");
}

/** `guild run [MODEL:]OPERATION [FLAG=VALUE...]` and (alias "train") `guild train [MODEL]`. */
export async function runCmd(call: Call, alias?: "train"): Promise<number> {
  const { opts } = call;
  const args = [...call.args];
  if (opts.start !== undefined) return startStaged(String(opts.start), opts, args);
  const gf = cwdGuildfile();
  const assigns = args.filter((a) => a.includes("="));
  const words = args.filter((a) => !a.includes("="));
  if (words.length > 1) throw new CliError(`unexpected argument '${words[1]}' (flags are NAME=VALUE)`, EXIT.USAGE);
  const op = guildErrors(() =>
    alias ? trainAlias(gf, words[0]) : words[0] === undefined ? noOperation() : resolveOperation(gf, words[0]),
  );
  if (opts.helpOp) {
    process.stdout.write(helpOp(op));
    return EXIT.OK;
  }
  const { flags, userFlags } = guildErrors(() => resolveFlags(op, assigns));
  const cmd = opCommand(op, flags);
  if (opts.printCmd) {
    process.stdout.write(cmd.map(shlexQuote).join(" ") + "\n");
    return EXIT.OK;
  }
  const opspec = op.model.name ? `${op.model.name}:${op.name}` : op.name;
  const template = typeof opts.label === "string" ? opts.label : op.labelTemplate;
  const label = renderLabel(template ?? null, flags, (m) => process.stderr.write(`WARNING: ${m}\n`));
  if (!opts.yes) {
    if (!canPrompt()) throw new CliError(`not running ${opspec}: no terminal to confirm on (use -y to run without asking)`, EXIT.USAGE);
    process.stderr.write(eachLine(flagsPrompt(op, flags).replace(/\s*Continue\?.*$/s, ""), textFor(process.stderr)) + "\n");
    if (!confirm(opts.stage ? "Stage the run?" : "Continue?")) return EXIT.OK; // Guild: declining a run is exit 0
  }
  const home = resolveGuildHome({ option: opts.home === undefined ? undefined : String(opts.home) });
  const plan: RunPlan = {
    home: home.path,
    opref: { type: "guildfile", pkg: gf.path, version: gf.md5, model: op.model.name, op: op.name },
    opspec,
    cmd,
    env: { PROJECT_DIR: gf.dir, ...(op.flagsDest ? { FLAGS_DEST: op.flagsDest } : {}), ...flagEnv(op, flags) },
    flags,
    userFlags,
    label: label || null,
    runParams: {
      opspec: words[0] ?? opspec,
      flags: assigns,
      label: typeof opts.label === "string" ? opts.label : null,
      yes: opts.yes === true,
      stage: opts.stage === true,
      print_cmd: false,
      quiet: opts.quiet === true,
    },
    opAttr: {
      "delete-on-success": false,
      deps: [],
      "flag-null-labels": {},
      "flags-extra": {},
      "label-template": op.labelTemplate,
      "op-cmd": {
        "cmd-args": cmd,
        "cmd-env": { ...(op.flagsDest ? { FLAGS_DEST: op.flagsDest } : {}), PROJECT_DIR: gf.dir },
        "cmd-flags": Object.fromEntries(op.flags.map((f) => [f.name, {}])),
      },
      "output-attrs": null,
      "output-scalars": (op.outputScalars ?? null) as AttrValue,
      "python-requires": null,
      sourcecode: { dest: "." },
    },
    sourcecode: { root: gf.dir, config: op.sourcecode },
    outputScalars: op.outputScalars,
  };
  const { createRun, startRun } = await runner();
  const run = createRun(plan, { stage: opts.stage === true, warn: (m) => process.stderr.write(`WARNING: ${m}\n`) });
  if (opts.stage) {
    process.stdout.write(`${opspec} staged as ${run.id}\nTo start the operation, use 'guild run --start ${run.id}'\n`);
    return EXIT.OK;
  }
  const status = await startRun(plan, run, { quiet: opts.quiet === true });
  // Guild exits with the operation's status; a signal -N becomes 256-N, as Guild does.
  return status < 0 ? 256 + status : status;
}

/** `guild run --start RUN`: starts a staged run from what staging recorded (attrs, opref). */
async function startStaged(spec: string, opts: Record<string, unknown>, args: string[]): Promise<number> {
  if (args.length) throw new CliError("OPERATION and flags cannot be used with --start", EXIT.USAGE);
  const o = runOptions({ home: opts.home, all: true, staged: true });
  const run = selectOne(o, spec);
  const flags = readAttr(run.dir, "flags");
  const cmd = readAttr(run.dir, "cmd");
  const op = readAttr(run.dir, "op");
  if (!Array.isArray(cmd) || !run.opref)
    throw new CliError(`run ${run.id} has no command to start (attrs cmd/opref missing)`, EXIT.NO_MATCH);
  const opspec = run.operation ?? run.opref.op;
  if (!opts.yes) {
    if (!canPrompt()) throw new CliError(`not starting ${run.id}: no terminal to confirm on (use -y to start without asking)`, EXIT.USAGE);
    process.stderr.write(`You are about to start ${textFor(process.stderr)(`${run.id} (${opspec})`)}\n`);
    if (!confirm("Continue?")) return EXIT.OK;
  }
  const opMap = op && typeof op === "object" && !Array.isArray(op) ? (op as Record<string, AttrValue>) : {};
  const cmdEnv =
    opMap["op-cmd"] && typeof opMap["op-cmd"] === "object"
      ? ((opMap["op-cmd"] as Record<string, AttrValue>)["cmd-env"] as Record<string, AttrValue> | undefined)
      : undefined;
  const flagValues = flags && typeof flags === "object" && !Array.isArray(flags) ? (flags as Record<string, AttrValue>) : {};
  const plan: RunPlan = {
    home: path.dirname(path.dirname(run.dir)),
    opref: run.opref,
    opspec,
    cmd: cmd.map((a) => argEncode(a)),
    env: {
      ...Object.fromEntries(Object.entries(cmdEnv ?? {}).map(([k, v]) => [k, argEncode(v)])),
      ...flagEnv(null, flagValues),
    },
    flags: flagValues,
    userFlags: {},
    label: run.label,
    runParams: {},
    opAttr: opMap,
    sourcecode: null,
    outputScalars: opMap["output-scalars"] ?? null,
  };
  const { startRun } = await runner();
  const status = await startRun(plan, { id: run.id, dir: run.dir }, { quiet: opts.quiet === true });
  return status < 0 ? 256 + status : status;
}

function noOperation(): never {
  throw new CliError("missing the operation to run: guild run [MODEL:]OPERATION (see 'guild operations')", EXIT.USAGE);
}
