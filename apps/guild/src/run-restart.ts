import fs from "node:fs";
import path from "node:path";
import { canPrompt, CliError, confirm, declined, EXIT } from "@guildts/format";
import {
  argEncode,
  coerceFlagValue,
  flagEnv,
  FlagError,
  GuildfileError,
  loadGuildfile,
  opEnv,
  parseFlagAssigns,
  type Guildfile,
  type OpDef,
} from "@guildts/guildfile";
import { runOptions } from "@guildts/plumbing";
import { placeDeps, startRun, stoppedNote, type ResolvedDepSource, type RunPlan } from "@guildts/runner";
import { encodeAttr, GuildFloat, readAttr, writeAttr, type AttrValue, type OpRef, type RunRecord } from "@guildts/runstore";
import { selectOne } from "./select-one.js";

type Flags = Record<string, AttrValue>;

function isMap(v: unknown): v is Flags {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GuildFloat);
}

const TRY = "\nTry 'guild run --help' for more information.";

/** The op definition a run was made from, when its guild file is still there (null otherwise). */
export function opDefOf(opref: OpRef | null): { gf: Guildfile; op: OpDef } | null {
  if (opref?.type !== "guildfile" || !fs.existsSync(opref.pkg)) return null;
  let gf: Guildfile;
  try {
    gf = loadGuildfile(opref.pkg);
  } catch (e) {
    if (e instanceof GuildfileError) return null;
    throw e;
  }
  const model = gf.models.find((m) => m.name === opref.model);
  const op = model?.operations.find((o) => o.name === opref.op);
  return op ? { gf, op } : null;
}

/** Saved flags updated by `NAME=VALUE` arguments, coerced and checked by the op's flag defs when known. */
export function updatedFlags(saved: Flags, assigns: string[], op: OpDef | null): { flags: Flags; userFlags: Flags } {
  try {
    const userFlags = parseFlagAssigns(op, assigns);
    const flags: Flags = { ...saved };
    const defs = new Map((op?.flags ?? []).map((f) => [f.name, f]));
    for (const [k, v] of Object.entries(userFlags)) {
      const f = defs.get(k);
      flags[k] = f ? coerceFlagValue(f, v) : v;
    }
    return { flags, userFlags };
  } catch (e) {
    if (e instanceof FlagError) throw new CliError(e.message, EXIT.NO_MATCH);
    throw e;
  }
}

function same(a: AttrValue | undefined, b: AttrValue): boolean {
  return a !== undefined && encodeAttr(a) === encodeAttr(b);
}

export interface RestartDeps {
  /** The plan of a run of `op` (run-cmd's opPlan). */
  plan: (
    gf: Guildfile,
    op: OpDef,
    home: string,
    flags: Flags,
    userFlags: Flags,
    runParams: Record<string, AttrValue>,
    label: string | null,
  ) => RunPlan;
  /** Restarts a batch run (new trials from its proto). */
  batch: (run: RunRecord, assigns: string[], opts: Record<string, unknown>) => Promise<number>;
  /** Hands the run to a detached process (`--background`/`--pidfile`). */
  background: (plan: RunPlan, run: { id: string; dir: string }, opts: Record<string, unknown>) => Promise<number>;
}

/**
 * `guild run --start/--restart RUN [FLAG=VALUE...]` (batch spec §2.1): the same directory and
 * id; flags are the saved ones updated by the command line; `run_params` and `random_seed` kept
 * (unless `--random-seed`); `cmd`, `label`, `flags`, `user_flags`, `op`, `started`, `env`
 * rewritten; the output truncated. Source code is not copied again. Guild's refusals and texts.
 */
export async function restartCmd(opts: Record<string, unknown>, args: string[], deps: RestartDeps): Promise<number> {
  const spec = String(opts.restart ?? opts.start);
  const words = args.filter((a) => !a.includes("="));
  if (words.length) throw new CliError(`OPERATION cannot be used with --restart${TRY}`, EXIT.NO_MATCH);
  for (const [key, name] of [
    ["optimizer", "--optimizer"],
    ["proto", "--proto"],
    ["printTrials", "--print-trials"],
    ["helpOp", "--help-op"],
  ] as const)
    if (opts[key] !== undefined && opts[key] !== false) throw new CliError(`${name} cannot be used with --restart${TRY}`, EXIT.NO_MATCH);
  const o = runOptions({ home: opts.home, all: true });
  const run = selectOne(o, spec);
  if (run.status === "running")
    throw new CliError(
      `cannot restart run ${run.id} because it's running\nUse 'guild stop ${run.id}' to stop it first and try again.`,
      EXIT.NO_MATCH,
    );
  const opAttr = readAttr(run.dir, "op");
  if (opAttr === undefined || opAttr === null)
    throw new CliError(
      `cannot restart run in ${run.dir}: missing op configuration\nThe run may not have been initialized correctly. Try starting the operation without the --start/--restart flag.`,
      EXIT.NO_MATCH,
    );
  if (!isMap(opAttr))
    throw new CliError(
      `cannot restart run in ${run.dir}: invalid op configuration\nThis may be an internal error. Please open an issue https://github.com/guildai/guildai/issues.`,
      EXIT.NO_MATCH,
    );
  const assigns = args.filter((a) => a.includes("="));
  if (run.batch_proto) return deps.batch(run, assigns, opts);
  const def = opDefOf(run.opref);
  if (!def && assigns.length)
    throw new CliError(`cannot find definition for operation ${run.operation ?? "?"} (its guild file is gone)`, EXIT.NO_MATCH);
  const saved = readAttr(run.dir, "flags");
  const { flags, userFlags } = updatedFlags(isMap(saved) ? saved : {}, assigns, def?.op ?? null);
  if (opts.needed && (run.status === "completed" || run.status === "terminated") && same(saved, flags)) {
    process.stdout.write("Skipping run because flags have not changed (--needed specified)\n");
    return EXIT.OK;
  }
  const savedParams = readAttr(run.dir, "run_params");
  const runParams: Record<string, AttrValue> = isMap(savedParams) ? { ...savedParams } : {};
  for (const [key, opt] of [
    ["label", "label"],
    ["needed", "needed"],
  ] as const)
    if (opts[opt] !== undefined && opts[opt] !== false) runParams[key] = opts[opt] as AttrValue;
  const home = path.dirname(path.dirname(run.dir));
  const label = typeof opts.label === "string" ? opts.label : null;
  const plan = def ? deps.plan(def.gf, def.op, home, flags, userFlags, runParams, label) : planFromAttrs(run, opAttr, flags, home);
  if (!opts.yes) {
    if (!canPrompt()) throw new CliError(`not starting ${run.id}: no terminal to confirm on (use -y to start without asking)`, EXIT.USAGE);
    process.stderr.write(
      `You are about to ${run.status === "staged" || run.status === "pending" ? "start" : "restart"} ${run.id} (${plan.opspec})\n`,
    );
    if (!confirm("Continue?")) throw declined();
  }
  const g = path.join(run.dir, ".guild");
  try {
    fs.writeFileSync(path.join(g, "LOCK"), String(process.pid), { flag: "wx" });
  } catch {
    // A LOCK left by a process that died: ours now (a live one made the status 'running').
    fs.writeFileSync(path.join(g, "LOCK"), String(process.pid));
  }
  fs.writeFileSync(path.join(g, "PENDING"), "");
  fs.rmSync(path.join(g, "STAGED"), { force: true });
  writeAttr(run.dir, "cmd", plan.cmd);
  if (plan.label) writeAttr(run.dir, "label", plan.label);
  writeAttr(run.dir, "flags", plan.flags);
  writeAttr(run.dir, "user_flags", userFlags);
  writeAttr(run.dir, "run_params", runParams);
  if (opts.randomSeed !== undefined) writeAttr(run.dir, "random_seed", Number(opts.randomSeed));
  writeAttr(run.dir, "op", def ? plan.opAttr : opAttr);
  if (plan.deps?.length) restartDeps(run.dir, plan.deps);
  // Guild leaves the old exit_status while the restart runs (its status reads as the old one);
  // here the run reads as running until it ends.
  for (const name of ["exit_status", "stopped"]) fs.rmSync(path.join(g, "attrs", name), { force: true });
  for (const name of ["output", "output.index"]) if (fs.existsSync(path.join(g, name))) fs.truncateSync(path.join(g, name));
  fs.rmSync(path.join(g, "PENDING"), { force: true });
  if (opts.background || opts.pidfile !== undefined) return deps.background(plan, { id: run.id, dir: run.dir }, opts);
  const status = await startRun(plan, { id: run.id, dir: run.dir }, { quiet: opts.quiet === true });
  const note = stoppedNote(plan, run.id, status);
  if (note) process.stderr.write(note + "\n");
  return status < 0 ? 256 + status : status;
}

/**
 * A restart resolves the dependencies again (Guild's `_resolve_deps` on the run): a source
 * already resolved to the same upstream run is skipped with Guild's message (unless
 * `always-resolve`); a new one (a staged run's operation sources, a changed `operation:NAME=RUN`)
 * is placed, its links replaced.
 */
function restartDeps(dir: string, sources: ResolvedDepSource[]): void {
  const saved = readAttr(dir, "deps");
  const prior = (isMap(saved) ? saved : {}) as Record<string, Record<string, Record<string, AttrValue>>>;
  const todo = sources.map((s) => {
    const had = prior[s.resource]?.[s.source];
    if (had && !s.alwaysResolve && encodeAttr(had.config ?? null) === encodeAttr(s.config ?? null)) {
      process.stderr.write(`Skipping resolution of ${s.source} because it's already resolved\n`);
      return { ...s, deferred: true };
    }
    return s;
  });
  writeAttr(
    dir,
    "deps",
    placeDeps(dir, dir, todo, prior, (m) => process.stderr.write(`WARNING: ${m}\n`)),
  );
}

/** A bad reference in a recorded op env, as a one-line error. */
function refErrors<T>(body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof FlagError) throw new CliError(e.message, EXIT.NO_MATCH);
    throw e;
  }
}

/** A run whose guild file is gone: its recorded command and op environment, as staged. */
function planFromAttrs(run: RunRecord, opMap: Flags, flags: Flags, home: string): RunPlan {
  const cmd = readAttr(run.dir, "cmd");
  if (!Array.isArray(cmd) || !run.opref)
    throw new CliError(`run ${run.id} has no command to start (attrs cmd/opref missing)`, EXIT.NO_MATCH);
  const opCmd = isMap(opMap["op-cmd"]) ? opMap["op-cmd"] : {};
  const cmdEnv = isMap(opCmd["cmd-env"]) ? opCmd["cmd-env"] : {};
  return {
    home,
    opref: run.opref,
    opspec: run.operation ?? run.opref.op,
    cmd: cmd.map((a) => argEncode(a)),
    env: {
      ...refErrors(() => opEnv(cmdEnv, flags)),
      ...flagEnv(null, flags),
    },
    flags,
    userFlags: {},
    label: run.label,
    runParams: {},
    opAttr: opMap,
    sourcecode: null,
    outputScalars: opMap["output-scalars"] ?? null,
  };
}

/** The attrs `--proto` copies from the proto run (`op_util.RUN_PROTO_ATTRS`). */
const RUN_PROTO_ATTRS = ["sourcecode_digest", "vcs_commit", "host", "user", "platform", "plugins", "pip_freeze"];

/** A manifest path that stays inside a run directory: relative, no `..`, no empty part. */
function safeRunPath(p: string): boolean {
  return p !== "" && !path.isAbsolute(p) && p.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

/**
 * `--proto RUN`: the proto run's source code files (the `s` entries of its manifest, regular
 * files only, never through a link) and RUN_PROTO_ATTRS into the new run directory `dir`.
 */
export function copyProtoFiles(proto: RunRecord, dir: string): void {
  let manifest = "";
  try {
    manifest = fs.readFileSync(path.join(proto.dir, ".guild", "manifest"), "utf8");
  } catch {
    // no source code recorded
  }
  const kept: string[] = [];
  for (const line of manifest.split("\n")) {
    const parts = line.split(" ");
    if (parts[0] !== "s" || parts.length < 2 || !safeRunPath(parts[1]!)) continue;
    const src = path.join(proto.dir, parts[1]!);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(src);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    const dest = path.join(dir, parts[1]!);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(src, dest);
    kept.push(line);
  }
  fs.writeFileSync(path.join(dir, ".guild", "manifest"), kept.map((l) => `${l}\n`).join(""));
  for (const name of RUN_PROTO_ATTRS) {
    const v = readAttr(proto.dir, name);
    if (v !== undefined) writeAttr(dir, name, v);
  }
}

/** The run `--proto RUN` names, with its op definition and flags (updated by the command line). */
export function protoRun(
  opts: Record<string, unknown>,
  assigns: string[],
): { run: RunRecord; gf: Guildfile; op: OpDef; flags: Flags; userFlags: Flags } {
  for (const [key, name] of [
    ["restart", "--restart"],
    ["start", "--start"],
  ] as const)
    if (opts[key] !== undefined) throw new CliError(`${name} cannot be used with --proto${TRY}`, EXIT.NO_MATCH);
  const run = selectOne(runOptions({ home: opts.home, all: true }), String(opts.proto));
  if (run.batch_proto) throw new CliError(`--proto of a batch run is not supported here: use guild run --restart ${run.id}`, EXIT.NO_MATCH);
  const def = opDefOf(run.opref);
  if (!def) throw new CliError(`cannot find definition for operation ${run.operation ?? "?"} (its guild file is gone)`, EXIT.NO_MATCH);
  const saved = readAttr(run.dir, "flags");
  return { run, ...def, ...updatedFlags(isMap(saved) ? saved : {}, assigns, def.op) };
}
