import { canPrompt, CliError, confirm, declined, EXIT, eachLine, textFor } from "@guildts/format";
import { FlagError, flagsPrompt, GuildfileError, OpResolveError, resolveFlags, resolveOperation } from "@guildts/guildfile";
import { remoteOption, selectRemoteRuns, type Call, type RunOptions } from "@guildts/plumbing";
import { listRemoteRuns, remoteGuild, startRemoteRun, watchRemoteRun, type SshRemote } from "@guildts/remote";
import { resolveGuildHome, type RunRecord } from "@guildts/runstore";
import { guarded, remoteList, remoteOf } from "./remote.js";
import { confirmRuns } from "./preview.js";
import { cwdGuildfile } from "./run-cmd.js";

/**
 * `guild run -r R OP [FLAG=VALUE...]`, `guild watch -r R [RUN]`, `guild stop -r R [RUN...]`: the
 * operation is resolved and its flags checked here (errors before anything travels), the project
 * copied and the run started by the remote's guild (libs/remote's jobs.ts), then its output
 * followed until it ends (`--no-wait` to detach; Ctrl-C detaches, the run goes on).
 */

/** `guild run` options that go to the remote guild as they are (value options and switches). */
const PASSED_VALUES: Record<string, string> = {
  label: "--label",
  optimizer: "--optimizer",
  maxTrials: "--max-trials",
  randomSeed: "--random-seed",
  batchLabel: "--batch-label",
  batchTag: "--batch-tag",
  jobs: "--jobs",
};
const PASSED_SWITCHES: Record<string, string> = {
  forceFlags: "--force-flags",
  needed: "--needed",
  keepBatch: "--keep-batch",
  failOnTrialError: "--fail-on-trial-error",
  stageTrials: "--stage-trials",
};
/** Options that make no sense for a remote run (with the reason's wording). */
const REFUSED: Record<string, string> = {
  start: "--start",
  restart: "--restart",
  proto: "--proto",
  stage: "--stage",
  printCmd: "--print-cmd",
  printEnv: "--print-env",
  printTrials: "--print-trials",
  background: "--background (a remote run is always in the background there; use --no-wait)",
  pidfile: "--pidfile",
  home: "-H/--home (the remote's home is its guild-home)",
};

function opErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OpResolveError || e instanceof FlagError || e instanceof GuildfileError) throw new CliError(e.message, EXIT.NO_MATCH);
    throw e;
  }
}

export async function remoteRunCmd(call: Call): Promise<number> {
  const { opts } = call;
  for (const [k, name] of Object.entries(REFUSED))
    if (opts[k] !== undefined && opts[k] !== false) throw new CliError(`${name} does not go with --remote`, EXIT.USAGE);
  const remote = remoteOption(opts.remote, resolveGuildHome({}).path);
  const gf = cwdGuildfile();
  const assigns = call.args.filter((a) => a.includes("="));
  const words = call.args.filter((a) => !a.includes("="));
  if (words.some((w) => w.startsWith("@"))) throw new CliError("batch files (@FILE) do not go with --remote", EXIT.USAGE);
  if (words.length === 0) throw new CliError("missing the operation to run: guild run -r REMOTE [MODEL:]OPERATION", EXIT.USAGE);
  if (words.length > 1) throw new CliError(`unexpected argument '${words[1]}' (flags are NAME=VALUE)`, EXIT.USAGE);
  const op = opErrors(() => resolveOperation(gf, words[0]));
  const { flags } = opErrors(() => resolveFlags(op, assigns, { force: opts.forceFlags === true }));
  const opspec = op.model.name ? `${op.model.name}:${op.name}` : op.name;
  if (!opts.yes) {
    if (!canPrompt())
      throw new CliError(`not running ${opspec} on ${remote.name}: no terminal to confirm on (use -y to run without asking)`, EXIT.USAGE);
    const prompt = flagsPrompt(op, flags, { subject: `${opspec} on ${remote.name}` }).replace(/\s*Continue\?.*$/s, "");
    process.stderr.write(`${eachLine(prompt, textFor(process.stderr))}\n`);
    if (!confirm("Continue?")) throw declined();
  }
  const runArgs: string[] = [];
  for (const [k, opt] of Object.entries(PASSED_VALUES)) {
    const v = opts[k];
    for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) runArgs.push(opt, String(one));
  }
  for (const [k, opt] of Object.entries(PASSED_SWITCHES)) if (opts[k] === true) runArgs.push(opt);
  // The operation as the user named it, and the flags as typed: the remote guild resolves them again.
  runArgs.push(words[0]!, ...assigns);
  const tty = process.stderr.isTTY === true;
  const job = await guarded(() =>
    startRemoteRun(remote, {
      projectDir: gf.dir,
      runArgs,
      progress: tty,
      onStep: (m) => process.stderr.write(`${m}\n`),
    }),
  );
  process.stderr.write(`Starting ${opspec} on ${remote.name} as ${job.id}\n`);
  if (opts.wait === false) {
    process.stdout.write(`${job.id} is running on ${remote.name}\nTo watch use 'guild watch ${job.id} -r ${remote.name}'\n`);
    return EXIT.OK;
  }
  return followRemote(remote, job.id);
}

/** Streams the remote run's output until it ends; then its status decides the exit (0 completed). */
async function followRemote(remote: SshRemote, id: string): Promise<number> {
  let detached = false;
  // Ctrl-C reaches ssh too (same process group), which drops the link: the run goes on there.
  const onInt = () => {
    detached = true;
  };
  process.on("SIGINT", onInt);
  let status: number;
  try {
    status = await guarded(() => watchRemoteRun(remote, id));
  } finally {
    process.off("SIGINT", onInt);
  }
  if (detached) {
    process.stderr.write(`\nDetached from remote run ${id} (still running)\nTo re-attach use 'guild watch ${id} -r ${remote.name}'\n`);
    return EXIT.OK;
  }
  if (status !== 0) throw new CliError(`remote ${remote.name}: watching run ${id} failed (exit ${status})`, EXIT.FAULT);
  const rec = await guarded(async () => listRemoteRuns(remote, {}).runs.find((r) => r.id === id) ?? null);
  if (rec === null) throw new CliError(`remote ${remote.name}: run ${id} is gone (deleted while watching?)`, EXIT.NO_MATCH);
  if (rec.status === "completed" || rec.status === "running") return EXIT.OK;
  process.stderr.write(`guild: run ${id} on ${remote.name} ended with status '${rec.status}'\n`);
  return EXIT.NO_MATCH;
}

/** `guild watch -r R [RUN]`: RUN from the remote's listing (default: its latest running run), followed there. */
export async function remoteWatchCmd(spec: string | undefined, opts: Record<string, unknown>, o: RunOptions): Promise<number> {
  if (opts.pid !== undefined) throw new CliError("--pid does not go with --remote", EXIT.USAGE);
  if (opts.scalars) throw new CliError("--scalars does not go with --remote", EXIT.USAGE);
  const remote = remoteOf(opts, o);
  let run: RunRecord;
  if (spec !== undefined) {
    const runs = selectRemoteRuns(remoteList(remote, o), [spec], "1");
    if (runs.length !== 1) throw new CliError(`'${spec}' selects ${runs.length} runs on ${remote.name}: watch takes one run`, EXIT.USAGE);
    run = runs[0]!;
  } else {
    const running = remoteList(remote, { ...o, filter: { ...o.filter, statuses: ["running"] } });
    if (!running.length) throw new CliError(`nothing to watch on ${remote.name}`, EXIT.NO_MATCH);
    run = running[0]!;
  }
  process.stderr.write(`Watching run ${run.id} on ${remote.name}\n`);
  return followRemote(remote, run.id);
}

/** `guild stop -r R [RUN...]`: running runs of the remote's listing, confirmed here, stopped by the remote's guild. */
export async function remoteStopCmd(args: string[], opts: Record<string, unknown>, o: RunOptions): Promise<number> {
  const remote = remoteOf(opts, o);
  const runs = selectRemoteRuns(remoteList(remote, o), args, ":");
  if (runs.length === 0) {
    process.stdout.write(`Nothing to stop on ${remote.name}.\n`);
    return EXIT.OK;
  }
  confirmRuns(runs, {
    intro: `You are about to stop the following runs on ${remote.name}:`,
    question: `Stop ${runs.length} run(s)?`,
    yes: opts.yes === true,
    refusal: `not stopping ${runs.length} run(s) on ${remote.name}`,
  });
  const extra = [...(opts.force === true ? ["--force"] : []), ...(opts.timeout !== undefined ? ["--timeout", String(opts.timeout)] : [])];
  const status = await guarded(() => remoteGuild(remote, ["runs", "stop", "-y", ...extra, "--", ...runs.map((r) => r.id)]));
  if (status === 0) return EXIT.OK;
  if (status === 1) return EXIT.NO_MATCH;
  throw new CliError(`remote ${remote.name}: stop failed (exit ${status})`, EXIT.FAULT);
}
