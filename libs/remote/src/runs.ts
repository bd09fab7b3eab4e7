import { describeOperation, parseOpRef, type AttrValue, type OpRef, type RunRecord, type RunStatus } from "@guildts/runstore";
import type { RunFilter } from "@guildts/select";
import { RemoteError, type SshRemote } from "./config.js";
import { lastLine, quoteArgv, remoteScript, runRemote, streamRemote } from "./ssh.js";

/**
 * Runs of a remote, and acting on them (§6.2). One ssh call per command: a script that checks
 * the remote home, then prefers this project's plumbing on the remote PATH (`guild-ls-runs
 * --json`: one record per line, the same RunRecord as here) and falls back to Guild 0.9's
 * `guild runs list --json` (a JSON list of Guild's run data), saying first which one answers.
 */

/** Exit statuses of the scripts' own checks (chosen clear of the commands' 0-5 and ssh's 255). */
export const NO_HOME_EXIT = 91;
export const NO_GUILD_EXIT = 92;

/** A run id as it may travel to a shell or a path: Guild's hex ids, guildts's, nothing else. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export function checkRunId(r: SshRemote, id: unknown): string {
  if (typeof id !== "string" || !SAFE_ID.test(id) || id.includes(".."))
    throw new RemoteError(`remote ${r.name} sent a run id that is not one: ${JSON.stringify(id).slice(0, 80)}`);
  return id;
}

export type Dialect = "guildts" | "guild";

/** A filter as options of the remote's listing; guildts's own spellings, or Guild 0.9's long options. */
export function filterArgv(f: RunFilter, dialect: Dialect): string[] {
  const out: string[] = [];
  const each = (opt: string, vs: readonly string[] | undefined) => {
    for (const v of vs ?? []) out.push(`${opt}=${v}`);
  };
  // guildts's -o is "operation contains"; Guild has only --operation (its -Fo).
  each(dialect === "guildts" ? "--op" : "--operation", f.ops);
  each("--operation", f.opspecs);
  each("--label", f.labels);
  if (f.unlabeled) out.push("--unlabeled");
  each("--tag", f.tags);
  if (f.marked) out.push("--marked");
  if (f.unmarked) out.push("--unmarked");
  for (const s of f.statuses ?? []) out.push(`--${s}`);
  for (const s of f.notStatuses ?? []) out.push(`--not-${s}`);
  each("--comment", f.comments);
  if (f.started !== undefined) out.push(`--started=${f.started}`);
  if (f.digest !== undefined) out.push(`--digest=${f.digest}`);
  if (f.expr !== undefined) out.push(`--filter=${f.expr}`);
  if (f.batch !== undefined) {
    if (dialect === "guild") throw new RemoteError("--batch is not supported by a remote with Guild 0.9 only", "config");
    out.push(`--batch=${f.batch}`);
  }
  return out;
}

function homeCheck(): string {
  return `if [ ! -d "$GUILD_HOME" ]; then echo "no Guild home at $GUILD_HOME" >&2; exit ${NO_HOME_EXIT}; fi`;
}

/** Script lines: run `guildts` (argv) when the remote has guildts's plumbing, else `guild` (argv), printing which first. */
export function dispatchLines(guildts: readonly string[], guild: readonly string[] | null, mark = true): string[] {
  const say = (d: Dialect) => (mark ? `echo ${d}; ` : "");
  const lines = [`if command -v ${guildts[0]} >/dev/null 2>&1; then ${say("guildts")}exec ${quoteArgv(guildts)}`];
  if (guild) lines.push(`elif command -v guild >/dev/null 2>&1; then ${say("guild")}exec ${quoteArgv(guild)}`);
  lines.push(`else echo "no guild on the remote PATH ($PATH)" >&2; exit ${NO_GUILD_EXIT}; fi`);
  return lines;
}

/** The common failures of a remote script as one line naming the remote (and the run, when given). */
export function scriptError(r: SshRemote, status: number | null, stderr: string, what: string): RemoteError {
  if (status === NO_HOME_EXIT) return new RemoteError(`remote ${r.name}: ${lastLine(stderr)} (guild-home: ${r.guildHome})`);
  if (status === NO_GUILD_EXIT)
    return new RemoteError(`remote ${r.name}: no guild or guildts on the remote PATH (install one, or set venv-activate/venv-path)`);
  const detail = lastLine(stderr);
  return new RemoteError(`remote ${r.name}: ${what} failed (exit ${status ?? "signal"})${detail ? `: ${detail}` : ""}`);
}

export interface RemoteListing {
  runs: RunRecord[];
  dialect: Dialect;
}

/** The remote's runs matching `filter` (newest first), as records. */
export function listRemoteRuns(r: SshRemote, filter: RunFilter, opts: { deleted?: boolean } = {}): RemoteListing {
  const extra = opts.deleted ? ["--deleted"] : [];
  const script = remoteScript(r, [
    homeCheck(),
    ...dispatchLines(
      ["guild-ls-runs", "--json", "--all", ...extra, ...filterArgv(filter, "guildts")],
      ["guild", "runs", "list", "--all", ...extra, ...safeGuildFilter(filter), "--json"],
    ),
  ]);
  const res = runRemote(r, script);
  if (res.status !== 0) throw scriptError(r, res.status, res.stderr, "listing runs");
  const text = res.stdout.toString("utf8");
  const nl = text.indexOf("\n");
  const dialect = text.slice(0, nl);
  const body = text.slice(nl + 1);
  if (dialect === "guildts") return { dialect, runs: parseRecords(r, body) };
  if (dialect === "guild") return { dialect, runs: parseGuildJson(r, body) };
  throw new RemoteError(`remote ${r.name} answered something that is not a run listing: ${JSON.stringify(text.slice(0, 60))}`);
}

function safeGuildFilter(f: RunFilter): string[] {
  try {
    return filterArgv(f, "guild");
  } catch {
    return ["--batch-not-supported-by-guild"];
  }
}

function garbage(r: SshRemote, line: string, n: number): RemoteError {
  return new RemoteError(`remote ${r.name} sent something that is not JSON (line ${n}): ${JSON.stringify(line.slice(0, 60))}`);
}

/** guild-ls-runs --json's lines, each checked to be a record with a safe id. */
export function parseRecords(r: SshRemote, body: string): RunRecord[] {
  const runs: RunRecord[] = [];
  let n = 0;
  for (const line of body.split("\n")) {
    n++;
    if (line === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw garbage(r, line, n);
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw garbage(r, line, n);
    const rec = v as RunRecord;
    checkRunId(r, rec.id);
    rec.tags ??= [];
    rec.flags ??= {};
    runs.push(rec);
  }
  return runs;
}

const STATUSES = new Set<RunStatus>(["running", "completed", "error", "terminated", "pending", "staged"]);

/** Guild 0.9's `runs list --json` (a list of Guild's run data) as records. */
export function parseGuildJson(r: SshRemote, body: string): RunRecord[] {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    throw garbage(r, body.split("\n")[0] ?? "", 1);
  }
  if (!Array.isArray(v)) throw garbage(r, body.split("\n")[0] ?? "", 1);
  return v.map((d: Record<string, unknown>) => {
    if (d === null || typeof d !== "object") throw garbage(r, JSON.stringify(d), 1);
    const id = checkRunId(r, d.id);
    let opref: OpRef | null = null;
    try {
      opref = typeof d.opref === "string" ? parseOpRef(d.opref) : null;
    } catch {
      opref = null;
    }
    const num = (x: unknown) => (typeof x === "number" ? x : null);
    const status = STATUSES.has(d.status as RunStatus) ? (d.status as RunStatus) : "error";
    const tags = Array.isArray(d.tags) ? d.tags.map(String) : [];
    return {
      id,
      dir: typeof d.run_dir === "string" ? d.run_dir : "",
      deleted: false,
      opref,
      operation: opref ? describeOperation(opref, null) : null,
      status,
      remote: null,
      pid: null,
      initialized: null,
      started: num(d.started),
      stopped: num(d.stopped),
      exit_status: num(d.exit_status),
      label: typeof d.label === "string" ? d.label : null,
      tags,
      marked: d.marked === true,
      flags: {} as { [name: string]: AttrValue },
      batch: null,
      batch_proto: null,
    } satisfies RunRecord;
  });
}

export type RemoteLifecycle = "delete" | "purge-live" | "restore" | "purge";

/**
 * Deletes, restores or purges runs on the remote by full id: guildts's plumbing
 * (`guild-mark-deleted` / `guild-restore-deleted` / `guild-purge-deleted`), else Guild's
 * `guild runs delete|restore|purge -y ID...`. The remote's output is shown as it comes.
 */
export async function remoteLifecycle(r: SshRemote, action: RemoteLifecycle, ids: readonly string[]): Promise<number> {
  for (const id of ids) checkRunId(r, id);
  const plumbing: Record<RemoteLifecycle, string[]> = {
    delete: ["guild-mark-deleted"],
    "purge-live": ["guild-purge-deleted", "--live"],
    restore: ["guild-restore-deleted"],
    purge: ["guild-purge-deleted"],
  };
  const guild: Record<RemoteLifecycle, string[]> = {
    delete: ["guild", "runs", "delete", "-y"],
    "purge-live": ["guild", "runs", "delete", "-p", "-y"],
    restore: ["guild", "runs", "restore", "-y"],
    purge: ["guild", "runs", "purge", "-y"],
  };
  const script = remoteScript(r, [
    homeCheck(),
    ...dispatchLines([...plumbing[action], "--", ...ids], [...guild[action], "--", ...ids], false),
  ]);
  return streamRemote(r, script);
}

/** Runs a remote guild command (Guild's porcelain, or guildts's `guild`), streaming its output. */
export function remoteGuild(r: SshRemote, argv: readonly string[]): Promise<number> {
  const script = remoteScript(r, [
    homeCheck(),
    // The home is the cwd: no project's guild.yml limits what the remote guild sees.
    `cd "$GUILD_HOME"`,
    `if ! command -v guild >/dev/null 2>&1; then echo "no guild on the remote PATH" >&2; exit ${NO_GUILD_EXIT}; fi`,
    `exec ${quoteArgv(["guild", ...argv])}`,
  ]);
  return streamRemote(r, script);
}
