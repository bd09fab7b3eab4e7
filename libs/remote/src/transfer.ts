import fs from "node:fs";
import path from "node:path";
import {
  commitIncoming,
  fingerprintLines,
  prepareIncoming,
  runFingerprint,
  transferRoot,
  TRANSFER_DIR,
  writeFileAtomic,
} from "@guildts/runstore";
import { RemoteError, type SshRemote, userHost } from "./config.js";
import { checkRunId, NO_HOME_EXIT } from "./runs.js";
import { lastLine, quoteArgv, remoteScript, rsyncShell, runRemote } from "./ssh.js";

/**
 * `guild push` and `guild pull` over `rsync -e ssh` (§6.2), made safe:
 *
 * - Every run lands in `runs/.guildts-transfer/<id>/` on the receiving side, seeded with hard
 *   links of the copy already there (so only changes travel, and without --delete the files only
 *   there stay, as with Guild), and is swapped into `runs/<id>` whole (runstore's incoming.ts; on
 *   the remote the same three renames in shell, `SWAP_FUNCTIONS`). rsync's temporary files go to
 *   `<id>.tmp/`, never into the run. An interrupted transfer leaves nothing half in view; the
 *   next one resumes from the staged copy.
 * - What was last transferred is recorded per remote and run (the fingerprints of both copies,
 *   `syncRecord`); a run changed on both sides since is refused without `force`, as is one that
 *   differs and was never transferred from this home.
 * - A run in the receiving side's trash is refused (a run is in exactly one place).
 * - A pulled run the remote reports running gets `.guild/LOCK.remote` (the remote's name) before
 *   it is swapped in, as Guild's `set_remote_lock`; its local `LOCK` is dropped.
 */

export type Direction = "push" | "pull";

export interface TransferRun {
  id: string;
  /** A pull: the remote's status (running → LOCK.remote). */
  status?: string;
}

export type Outcome = "copied" | "up-to-date" | "skipped" | "conflict" | "refused" | "failed";

export interface RunOutcome {
  id: string;
  outcome: Outcome;
  message: string | null;
  bytes: number;
}

export interface TransferOptions {
  delete?: boolean;
  force?: boolean;
  /** Follow rsync's progress (`--info=progress2`), reported through `onProgress`: for a terminal. */
  progress?: boolean;
  /** The bytes of the current run copied so far and rsync's percentage (with `progress`). */
  onProgress?(id: string, bytes: number, percent: number): void;
  onStart?(id: string, index: number, total: number): void;
  onRun?(r: RunOutcome): void;
  /** Test hook: the rsync argv before it runs. */
  rsyncPath?: string;
}

/** Shell functions every transfer script starts with (the remote half of runstore's incoming.ts). */
const SWAP_FUNCTIONS = [
  `T=runs/${TRANSFER_DIR}`,
  // recover ID: put back a run a crash left aside, drop a finished swap's old copy and a half seed.
  `recover() { if [ -e "$T/$1.old" ]; then if [ -e "runs/$1" ] || [ -L "runs/$1" ]; then rm -rf "$T/$1.old"; else mv "$T/$1.old" "runs/$1"; fi; fi; rm -rf "$T/$1.seed"; }`,
  // fp ID: the run's files (path, type, size, mtime), NUL-separated, after a marker.
  `fp() { printf '@@run %s\\0' "$1"; if [ -e "trash/runs/$1" ]; then printf '@@trash\\0'; fi; if [ -d "runs/$1" ]; then (cd "runs/$1" && find . -mindepth 1 \\( -type f -o -type l \\) -printf '%P\\t%y\\t%s\\t%T@\\0'); else printf '@@none\\0'; fi; }`,
  // stage ID: the staging directory, seeded with hard links of the run there (resumes a staged one).
  `stage() { recover "$1"; mkdir -p "$T/$1.tmp"; if [ ! -d "$T/$1" ]; then if [ -d "runs/$1" ]; then cp -al "runs/$1" "$T/$1.seed" && mv "$T/$1.seed" "$T/$1"; else mkdir "$T/$1"; fi; fi; }`,
  // commit ID: swap the staged copy in.
  `commit() { recover "$1"; [ -d "$T/$1" ] || { echo "nothing staged for $1" >&2; return 93; }; if [ -e "runs/$1" ] || [ -L "runs/$1" ]; then mv "runs/$1" "$T/$1.old"; fi; mv "$T/$1" "runs/$1"; rm -rf "$T/$1.old" "$T/$1.tmp"; }`,
];

function homeLines(create: boolean): string[] {
  return [
    create
      ? `if [ ! -d "$GUILD_HOME" ]; then mkdir -p "$GUILD_HOME" && echo "created Guild home $GUILD_HOME" >&2; fi`
      : `if [ ! -d "$GUILD_HOME" ]; then echo "no Guild home at $GUILD_HOME" >&2; exit ${NO_HOME_EXIT}; fi`,
    `cd "$GUILD_HOME"`,
    "mkdir -p runs",
    `printf '@@home %s\\0' "$(pwd -P)"`,
  ];
}

interface RemoteState {
  home: string;
  runs: Map<string, { fingerprint: string | null; trashed: boolean }>;
}

/** Parses the NUL-separated output of `fp` calls. */
export function parseFingerprints(r: SshRemote, out: Buffer): RemoteState {
  const parts = out.toString("utf8").split("\0");
  let home = "";
  const runs = new Map<string, { fingerprint: string | null; trashed: boolean }>();
  let id: string | null = null;
  let lines: string[] = [];
  let none = false;
  let trashed = false;
  const flush = () => {
    if (id !== null) runs.set(id, { fingerprint: none ? null : fingerprintLines(lines.map(truncateSeconds)), trashed });
  };
  for (const p of parts) {
    if (p.startsWith("@@home ")) home = p.slice(7);
    else if (p.startsWith("@@run ")) {
      flush();
      id = p.slice(6);
      lines = [];
      none = false;
      trashed = false;
    } else if (p === "@@none") none = true;
    else if (p === "@@trash") trashed = true;
    else if (p !== "" && id !== null) lines.push(p);
  }
  flush();
  if (!home.startsWith("/")) throw new RemoteError(`remote ${r.name} answered something unexpected instead of its Guild home`);
  return { home, runs };
}

/** `find -printf %T@` prints fractional seconds; fingerprints use whole ones. */
function truncateSeconds(line: string): string {
  const i = line.lastIndexOf("\t");
  return `${line.slice(0, i)}\t${Math.floor(Number(line.slice(i + 1)))}`;
}

function remoteState(r: SshRemote, ids: readonly string[], create: boolean): RemoteState {
  const script = remoteScript(r, [
    ...homeLines(create),
    ...SWAP_FUNCTIONS,
    ...ids.map((id) => `recover ${quoteArgv([id])}; fp ${quoteArgv([id])}`),
  ]);
  const res = runRemote(r, script);
  if (res.status === NO_HOME_EXIT) throw new RemoteError(`remote ${r.name}: ${lastLine(res.stderr)} (guild-home: ${r.guildHome})`);
  if (res.status !== 0) throw new RemoteError(`remote ${r.name}: cannot read its runs (exit ${res.status}): ${lastLine(res.stderr)}`);
  for (const line of res.stderr.split("\n")) if (line.startsWith("created Guild home")) process.stderr.write(`remote ${r.name}: ${line}\n`);
  return parseFingerprints(r, res.stdout);
}

/** Where the record of the last transfer of a run with a remote is kept: `<home>/remotes/<name>/guildts-sync/<id>.json`. */
export function syncRecordPath(home: string, remote: string, id: string): string {
  return path.join(home, "remotes", remote.replace(/\W+/g, "-"), "guildts-sync", `${id}.json`);
}

interface SyncRecord {
  local: string | null;
  remote: string | null;
}

function readRecord(home: string, remote: string, id: string): SyncRecord | null {
  try {
    const v = JSON.parse(fs.readFileSync(syncRecordPath(home, remote, id), "utf8")) as SyncRecord;
    return typeof v === "object" && v ? v : null;
  } catch {
    return null;
  }
}

function writeRecord(home: string, remote: string, id: string, rec: SyncRecord): void {
  const file = syncRecordPath(home, remote, id);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(rec)}\n`);
}

/**
 * Whether to copy a run from `src` to `dst` (fingerprints now, and as last transferred): null to
 * copy, else why not.
 */
export function decide(
  src: string | null,
  dst: string | null,
  last: { src: string | null; dst: string | null } | null,
  where: { src: string; dst: string },
  force: boolean,
): { outcome: Outcome; message: string } | null {
  if (src === null) return { outcome: "failed", message: "not found" };
  if (dst === null) return null;
  if (src === dst) return { outcome: "up-to-date", message: "up to date" };
  if (force) return null;
  if (last === null)
    return {
      outcome: "conflict",
      message: `differs ${where.dst} and was never transferred between here and there: not overwritten (use --force)`,
    };
  const srcChanged = src !== last.src;
  const dstChanged = dst !== last.dst;
  if (srcChanged && dstChanged)
    return { outcome: "conflict", message: `changed ${where.src} and ${where.dst} since the last transfer: not overwritten (use --force)` };
  if (!srcChanged)
    return {
      outcome: "skipped",
      message: `unchanged ${where.src} since the last transfer but changed ${where.dst}: not overwritten (use --force)`,
    };
  return null;
}

function rsyncArgv(r: SshRemote, o: TransferOptions, tmpDir: string, src: string, dst: string, pull: boolean): string[] {
  const argv = [
    o.rsyncPath ?? "rsync",
    "-a",
    "--protect-args",
    "--stats",
    `--temp-dir=${tmpDir}`,
    "--exclude=/.guild/LOCK",
    "--exclude=/.guild/LOCK.remote",
  ];
  if (pull) argv.push("--exclude=/.guild/job-packages");
  if (o.delete) argv.push("--delete");
  if (o.progress) argv.push("--info=progress2");
  argv.push("-e", rsyncShell(r), "--", src, dst);
  return argv;
}

/** Runs rsync: its status, its last error line, and the bytes it moved (from --stats). */
/** The bytes and percentage of an rsync `--info=progress2` line (`  1,234,567  45%  10.00MB/s  0:00:01 (xfr#1...)`). */
export function parseProgress(line: string): { bytes: number; percent: number } | null {
  const m = /^\s*([\d,.]+)\s+(\d+)%/.exec(line);
  return m ? { bytes: Number(m[1]!.replace(/[,.]/g, "")), percent: Number(m[2]) } : null;
}

function runRsync(
  argv: string[],
  onProgress?: (bytes: number, percent: number) => void,
): Promise<{ status: number; error: string; bytes: number }> {
  const cp = process.getBuiltinModule("node:child_process") as typeof import("node:child_process");
  return new Promise((resolve) => {
    const child = cp.spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => {
      const s = d.toString("utf8");
      out = (out + s).slice(-8192);
      if (onProgress)
        for (const part of s.split(/[\r\n]/)) {
          const p = parseProgress(part);
          if (p) onProgress(p.bytes, p.percent);
        }
    });
    child.stderr!.on("data", (d: Buffer) => {
      err = (err + d.toString("utf8")).slice(-8192);
    });
    child.on("error", (e) =>
      resolve({ status: 127, error: (e as NodeJS.ErrnoException).code === "ENOENT" ? "rsync is not installed" : e.message, bytes: 0 }),
    );
    child.on("close", (code, signal) => {
      const m = /Total transferred file size: ([\d,.]+)/.exec(out);
      const bytes = m ? Number(m[1]!.replace(/[,.]/g, "")) : 0;
      // rsync's last line is often a consequence (a broken pipe): a full disk is said first.
      const full = /^.*(No space left on device|Disk quota exceeded).*$/m.exec(err);
      const error = full ? `${full[1]} on the receiving side (${full[0].trim()})` : lastLine(err);
      resolve({ status: code ?? 128, error: error || (signal ? `rsync killed by ${signal}` : ""), bytes });
    });
  });
}

function rsyncFailure(r: SshRemote, res: { status: number; error: string }): string {
  if (res.status === 255 || /connection unexpectedly closed|Connection refused|Permission denied/.test(res.error))
    return `cannot copy over ssh to ${userHost(r)}: ${res.error}`;
  return `rsync failed (exit ${res.status}): ${res.error}`;
}

/** `guild push R RUN...`: local runs (dirs under `home`/runs) copied to the remote, each whole. */
export async function pushRuns(r: SshRemote, home: string, runs: readonly TransferRun[], o: TransferOptions = {}): Promise<RunOutcome[]> {
  for (const run of runs) checkRunId(r, run.id);
  const ids = runs.map((x) => x.id);
  const state = remoteState(r, ids, true);
  const results: RunOutcome[] = [];
  const done = (x: RunOutcome) => {
    results.push(x);
    o.onRun?.(x);
  };
  const toCopy: string[] = [];
  const localFp = new Map<string, string | null>();
  for (const id of ids) {
    const rs = state.runs.get(id);
    const lfp = runFingerprint(path.join(home, "runs", id));
    localFp.set(id, lfp);
    if (rs?.trashed) {
      done({ id, outcome: "refused", message: `deleted on ${r.name} (restore or purge it there first)`, bytes: 0 });
      continue;
    }
    const rec = readRecord(home, r.name, id);
    const why = decide(
      lfp,
      rs?.fingerprint ?? null,
      rec && { src: rec.local, dst: rec.remote },
      { src: "here", dst: `on ${r.name}` },
      o.force === true,
    );
    if (why) {
      if (why.outcome === "up-to-date") writeRecord(home, r.name, id, { local: lfp, remote: lfp });
      done({ id, ...why, bytes: 0 });
    } else toCopy.push(id);
  }
  if (toCopy.length) {
    const res = runRemote(
      r,
      remoteScript(r, [`cd ${quoteArgv([state.home])}`, ...SWAP_FUNCTIONS, ...toCopy.map((id) => `stage ${quoteArgv([id])}`)]),
    );
    if (res.status !== 0)
      throw new RemoteError(`remote ${r.name}: cannot prepare the transfer (exit ${res.status}): ${lastLine(res.stderr)}`);
  }
  for (const [i, id] of toCopy.entries()) {
    o.onStart?.(id, i, toCopy.length);
    const staged = `${state.home}/runs/${TRANSFER_DIR}/${id}`;
    const argv = rsyncArgv(r, o, `${staged}.tmp`, `${path.join(home, "runs", id)}/`, `${userHost(r)}:${staged}/`, false);
    const rs = await runRsync(argv, o.progress ? (b, p) => o.onProgress?.(id, b, p) : undefined);
    if (rs.status !== 0) {
      done({ id, outcome: "failed", message: rsyncFailure(r, rs), bytes: rs.bytes });
      continue;
    }
    let commit;
    try {
      commit = runRemote(
        r,
        remoteScript(r, [
          `cd ${quoteArgv([state.home])}`,
          ...SWAP_FUNCTIONS,
          `commit ${quoteArgv([id])}`,
          `fp ${quoteArgv([id])}`,
          `printf '@@home %s\\0' "$(pwd -P)"`,
        ]),
      );
    } catch (e) {
      done({ id, outcome: "failed", message: (e as Error).message, bytes: rs.bytes });
      continue;
    }
    if (commit.status !== 0) {
      done({ id, outcome: "failed", message: `cannot move the copy into runs/ on ${r.name}: ${lastLine(commit.stderr)}`, bytes: rs.bytes });
      continue;
    }
    const after = parseFingerprints(r, commit.stdout).runs.get(id)?.fingerprint ?? null;
    writeRecord(home, r.name, id, { local: localFp.get(id) ?? null, remote: after });
    done({ id, outcome: "copied", message: null, bytes: rs.bytes });
  }
  return results;
}

/** `guild pull R RUN...`: remote runs (ids from its listing) copied here, each whole. */
export async function pullRuns(r: SshRemote, home: string, runs: readonly TransferRun[], o: TransferOptions = {}): Promise<RunOutcome[]> {
  for (const run of runs) checkRunId(r, run.id);
  const ids = runs.map((x) => x.id);
  const state = remoteState(r, ids, false);
  const results: RunOutcome[] = [];
  const done = (x: RunOutcome) => {
    results.push(x);
    o.onRun?.(x);
  };
  const toCopy: TransferRun[] = [];
  for (const run of runs) {
    const id = run.id;
    const rfp = state.runs.get(id)?.fingerprint ?? null;
    const localDir = path.join(home, "runs", id);
    if (fs.existsSync(path.join(home, "trash", "runs", id))) {
      done({ id, outcome: "refused", message: "deleted here (restore or purge it first)", bytes: 0 });
      continue;
    }
    const rec = readRecord(home, r.name, id);
    const lfp = runFingerprint(localDir);
    const why = decide(rfp, lfp, rec && { src: rec.remote, dst: rec.local }, { src: `on ${r.name}`, dst: "here" }, o.force === true);
    if (why && why.outcome !== "up-to-date") {
      done({ id, ...why, message: why.outcome === "failed" ? `not found on ${r.name}` : why.message, bytes: 0 });
      continue;
    }
    if (why) {
      // Same files: only the running marker may need to change.
      setRemoteLock(localDir, run.status === "running" ? r.name : null);
      writeRecord(home, r.name, id, { local: lfp, remote: rfp });
      done({ id, ...why, bytes: 0 });
      continue;
    }
    toCopy.push(run);
  }
  for (const [i, run] of toCopy.entries()) {
    const id = run.id;
    o.onStart?.(id, i, toCopy.length);
    let staged: string;
    try {
      staged = prepareIncoming(home, id);
    } catch (e) {
      done({ id, outcome: "failed", message: `cannot stage the copy here: ${(e as Error).message}`, bytes: 0 });
      continue;
    }
    const tmp = path.join(transferRoot(home), `${id}.tmp`);
    fs.mkdirSync(tmp, { recursive: true });
    const argv = rsyncArgv(r, o, tmp, `${userHost(r)}:${state.home}/runs/${id}/`, `${staged}/`, true);
    const rs = await runRsync(argv, o.progress ? (b, p) => o.onProgress?.(id, b, p) : undefined);
    if (rs.status !== 0 && rs.status !== 24) {
      // 24: files vanished on the remote while copying (a running run): the copy is still whole.
      done({ id, outcome: "failed", message: rsyncFailure(r, rs), bytes: rs.bytes });
      continue;
    }
    try {
      setRemoteLock(staged, run.status === "running" ? r.name : null);
      commitIncoming(home, id);
      fs.rmSync(tmp, { recursive: true, force: true });
    } catch (e) {
      done({ id, outcome: "failed", message: `cannot move the copy into runs/: ${(e as Error).message}`, bytes: rs.bytes });
      continue;
    }
    writeRecord(home, r.name, id, { local: runFingerprint(path.join(home, "runs", id)), remote: state.runs.get(id)?.fingerprint ?? null });
    done({ id, outcome: "copied", message: null, bytes: rs.bytes });
  }
  return results;
}

/** Guild's `set_remote_lock`: no local LOCK; `.guild/LOCK.remote` holding the remote's name while it runs there. */
function setRemoteLock(runDir: string, remote: string | null): void {
  const g = path.join(runDir, ".guild");
  fs.rmSync(path.join(g, "LOCK"), { force: true });
  fs.rmSync(path.join(g, "LOCK.remote"), { force: true });
  if (remote !== null && fs.existsSync(g)) fs.writeFileSync(path.join(g, "LOCK.remote"), remote);
}
