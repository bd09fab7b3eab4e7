import { RemoteError, type SshRemote, userHost } from "./config.js";
import { checkRunId, type Dialect, NO_GUILD_EXIT, NO_HOME_EXIT } from "./runs.js";
import { lastLine, quoteArgv, remoteScript, rsyncShell, runRemote, streamRemote } from "./ssh.js";

/**
 * `guild run -r R OP` (§6.2 "Remote run", made without a wheel): the project's directory (the
 * guild file's) is copied with rsync to `<remote home>/guildts-jobs/<job>/src/`, and the remote's
 * own guild starts the operation there in the background (`guild run -y --pidfile <job>/JOB OP
 * FLAG=VAL...`): the remote guild builds the run as it always does (its source code copied from
 * that directory, the run renamed into `runs/` whole), so a run started remotely is a run like
 * any other there. The project copy stays beside the run (its opref names that guild.yml, as
 * Guild's `.guild/job-packages` stays in the run): a restart on the remote finds it.
 *
 * A guildts remote and a Guild 0.9 remote take the same `guild run --pidfile` and `guild watch`
 * command lines; which one answered is reported (`dialect`).
 */

/** Where remote project copies live, relative to the remote GUILD_HOME. */
export const JOBS_DIR = "guildts-jobs";

/** What never travels with a project: version control, Guild homes, caches, virtual envs. */
export const PROJECT_EXCLUDES = [".git/", ".hg/", ".svn/", ".guild/", "__pycache__/", "*.pyc", "node_modules/", ".venv/", "venv/"];

export interface RemoteJob {
  /** The run the remote guild created. */
  id: string;
  dialect: Dialect;
  /** The job's directory on the remote (absolute). */
  jobDir: string;
  /** What the remote guild printed when starting (its own messages, for the user). */
  output: string;
}

export interface StartRemoteOptions {
  /** The project's directory here (the guild file's). */
  projectDir: string;
  /** `guild run` arguments after `-y --pidfile FILE`: options, then OPSPEC and FLAG=VALUE. */
  runArgs: readonly string[];
  /** rsync's progress on stderr (a terminal). */
  progress?: boolean;
  /** Called before each step (`Initializing remote run`, `Copying project source`...). */
  onStep?(message: string): void;
}

function jobName(): string {
  const crypto = process.getBuiltinModule("node:crypto") as typeof import("node:crypto");
  return `${Date.now().toString(36)}-${crypto.randomBytes(6).toString("hex")}`;
}

/** rsync of the project to the job's `src/`: its status and last error line. */
function rsyncProject(r: SshRemote, from: string, to: string, progress: boolean): Promise<{ status: number; error: string }> {
  const cp = process.getBuiltinModule("node:child_process") as typeof import("node:child_process");
  const argv = [
    "rsync",
    "-a",
    "--protect-args",
    "--delete",
    ...PROJECT_EXCLUDES.map((e) => `--exclude=${e}`),
    ...(progress ? ["--info=progress2"] : []),
    "-e",
    rsyncShell(r),
    "--",
    `${from.replace(/\/+$/, "")}/`,
    `${userHost(r)}:${to}/`,
  ];
  return new Promise((resolve) => {
    const child = cp.spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", progress ? "inherit" : "ignore", "pipe"] });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err = (err + d.toString("utf8")).slice(-8192);
    });
    child.on("error", (e) =>
      resolve({ status: 127, error: (e as NodeJS.ErrnoException).code === "ENOENT" ? "rsync is not installed" : e.message }),
    );
    child.on("close", (code, signal) =>
      resolve({ status: code ?? 128, error: lastLine(err) || (signal ? `rsync killed by ${signal}` : "") }),
    );
  });
}

/** The run id a remote `guild run --pidfile` printed (`OP started in background as ID`). */
export function startedId(r: SshRemote, output: string): string {
  const m = /started in background as (\S+)/.exec(output);
  if (!m) {
    const said = lastLine(output);
    throw new RemoteError(`remote ${r.name}: the remote guild did not start the run${said ? `: ${said}` : ""}`);
  }
  return checkRunId(r, m[1]);
}

/**
 * Copies the project to the remote and starts the operation there in the background; resolves
 * once the remote guild has created the run (its id) and handed it to its background process.
 */
export async function startRemoteRun(r: SshRemote, o: StartRemoteOptions): Promise<RemoteJob> {
  const job = jobName();
  o.onStep?.(`Initializing remote run on ${r.name}`);
  const init = runRemote(
    r,
    remoteScript(r, [
      `if [ ! -d "$GUILD_HOME" ]; then mkdir -p "$GUILD_HOME"; fi`,
      `cd "$GUILD_HOME"`,
      `mkdir -p ${quoteArgv([`${JOBS_DIR}/${job}/src`])}`,
      `cd ${quoteArgv([`${JOBS_DIR}/${job}`])}`,
      "pwd -P",
    ]),
  );
  if (init.status !== 0)
    throw new RemoteError(`remote ${r.name}: cannot make the run's directory (exit ${init.status}): ${lastLine(init.stderr)}`);
  const jobDir = lastLine(init.stdout.toString("utf8"));
  if (!jobDir.startsWith("/")) throw new RemoteError(`remote ${r.name} answered something unexpected instead of a directory`);
  o.onStep?.(`Copying project source to ${r.name}`);
  const cp = await rsyncProject(r, o.projectDir, `${jobDir}/src`, o.progress === true);
  if (cp.status !== 0)
    throw new RemoteError(`remote ${r.name}: cannot copy the project source to ${userHost(r)} (rsync exit ${cp.status}): ${cp.error}`);
  const run = ["run", "-y", "--pidfile", `${jobDir}/JOB`, ...o.runArgs];
  const start = runRemote(
    r,
    remoteScript(r, [
      `cd ${quoteArgv([`${jobDir}/src`])}`,
      "export NO_IMPORT_FLAGS_PROGRESS=1 NO_STAGED_MSG=1 NO_WARN_RUNDIR=1",
      // guildts when its plumbing is there (the same `guild run` line either way).
      `if command -v guild-ls-runs >/dev/null 2>&1 && command -v guild >/dev/null 2>&1; then echo guildts; exec ${quoteArgv(["guild", ...run])} 2>&1`,
      `elif command -v guild >/dev/null 2>&1; then echo guild; exec ${quoteArgv(["guild", ...run])} 2>&1`,
      `else echo "no guild on the remote PATH ($PATH)" >&2; exit ${NO_GUILD_EXIT}; fi`,
    ]),
  );
  const text = start.stdout.toString("utf8");
  const nl = text.indexOf("\n");
  const dialect = text.slice(0, nl) as Dialect;
  const output = text.slice(nl + 1);
  if (start.status === NO_GUILD_EXIT)
    throw new RemoteError(`remote ${r.name}: no guild or guildts on the remote PATH (install one, or set venv-activate/venv-path)`);
  if (start.status !== 0) {
    const said = lastLine(output) || lastLine(start.stderr);
    throw new RemoteError(`remote ${r.name}: guild run failed (exit ${start.status})${said ? `: ${said}` : ""}`);
  }
  return { id: startedId(r, output), dialect: dialect === "guild" ? "guild" : "guildts", jobDir, output };
}

/**
 * `guild watch ID` on the remote, its output streamed here: resolves to the remote's exit status
 * when the run ends (or the link drops). The remote's home is the cwd, so no project scope applies.
 */
export function watchRemoteRun(r: SshRemote, id: string): Promise<number> {
  checkRunId(r, id);
  return streamRemote(
    r,
    remoteScript(r, [
      `if [ ! -d "$GUILD_HOME" ]; then echo "no Guild home at $GUILD_HOME" >&2; exit ${NO_HOME_EXIT}; fi`,
      `cd "$GUILD_HOME"`,
      `if ! command -v guild >/dev/null 2>&1; then echo "no guild on the remote PATH" >&2; exit ${NO_GUILD_EXIT}; fi`,
      `NO_WATCHING_MSG=1 exec ${quoteArgv(["guild", "watch", id])}`,
    ]),
  );
}
