import type { SpawnSyncReturns } from "node:child_process";
import { shlexQuote } from "@guildts/py";
import { RemoteError, type SshRemote, userHost } from "./config.js";

/**
 * ssh as Guild drives it (§6.2, `ssh_util.py`), with every remote command built once from argv
 * arrays: `quoteArgv` shell-quotes each word (Python's `shlex.quote`), and the only shell string
 * that ever reaches the remote is the script `remoteScript` joins from such lines. Nothing a user
 * or a remote sent (a run id, a filter, a label) is ever pasted into a shell unquoted.
 */

type ChildProcess = typeof import("node:child_process");
const cp = (): ChildProcess => process.getBuiltinModule("node:child_process") as ChildProcess;

/** Default seconds to wait for the connection (ssh's own default is the TCP timeout). */
export const DEFAULT_CONNECT_TIMEOUT = 10;

/** The ssh options for a remote (no host, no command): what both ssh and `rsync -e` get. */
export function sshOptions(r: SshRemote): string[] {
  const o: string[] = [];
  if (r.sshConfig) o.push("-F", r.sshConfig);
  // Never a password prompt that hangs a script: keys (or an agent) only.
  o.push("-oBatchMode=yes");
  // Guild turns host key checking off (StrictHostKeyChecking=no); here a new host is learnt and
  // a changed key refused. An ssh config file (`ssh-config:`) decides for itself.
  if (!r.sshConfig) o.push("-oStrictHostKeyChecking=accept-new");
  if (r.privateKey) o.push("-i", r.privateKey);
  o.push(`-oConnectTimeout=${r.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT}`);
  if (r.port !== null) o.push("-p", String(r.port));
  if (r.proxy) o.push(`-oProxyCommand=${r.proxy}`);
  return o;
}

/** One shell word per argument. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(shlexQuote).join(" ");
}

/** A path for the remote shell: `~/x` keeps its tilde (expanded by the shell), the rest is quoted. */
export function quotePath(p: string): string {
  if (p === "~") return '"$HOME"';
  if (p.startsWith("~/")) return `"$HOME"/${shlexQuote(p.slice(2))}`;
  return shlexQuote(p);
}

/**
 * The one shell string sent for a remote command: `set -e`, the remote's activation lines
 * (`venv-activate`, conda, venv: the user's own shell, as in Guild), `GUILD_HOME` exported, then
 * `lines` (each already built with quoteArgv).
 */
export function remoteScript(r: SshRemote, lines: readonly string[]): string {
  return ["set -e", ...r.activate, `GUILD_HOME=${quotePath(r.guildHome)}`, "export GUILD_HOME", ...lines].join("\n");
}

/** The argv of `ssh` running `script` on the remote. */
export function sshArgv(r: SshRemote, script: string): string[] {
  return ["ssh", ...sshOptions(r), "--", userHost(r), script];
}

/** `rsync -e`'s command: rsync splits it on blanks and honours quotes. */
export function rsyncShell(r: SshRemote): string {
  return quoteArgv(["ssh", ...sshOptions(r)]);
}

export interface RemoteResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** ssh's own failures (exit 255) as one line naming the remote. */
export function connectionError(r: SshRemote, stderr: string): RemoteError | null {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.at(-1) ?? "";
  const all = lines.join(" ");
  const who = `${userHost(r)}${r.port !== null ? ` port ${r.port}` : ""}`;
  if (/Permission denied|Too many authentication failures|no mutual signature/i.test(all))
    return new RemoteError(`remote ${r.name}: authentication refused by ${who} (${last})`);
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(all))
    return new RemoteError(`remote ${r.name}: host key verification failed for ${r.host}`);
  if (
    /Could not resolve hostname|Connection refused|Connection timed out|timed out|No route to host|Network is unreachable|Connection closed|kex_exchange|ProxyCommand/i.test(
      all,
    )
  )
    return new RemoteError(`remote ${r.name} is not available: cannot reach host ${who} (${last})`);
  return null;
}

/**
 * Runs `script` on the remote and captures its output. ssh failing to connect (exit 255 with
 * ssh's message) is a RemoteError; the remote command's own status is returned.
 */
export function runRemote(r: SshRemote, script: string, opts: { input?: string | Buffer; timeoutMs?: number } = {}): RemoteResult {
  const [cmd, ...args] = sshArgv(r, script);
  const res: SpawnSyncReturns<Buffer> = cp().spawnSync(cmd!, args, {
    input: opts.input ?? "",
    maxBuffer: 1 << 30,
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
  });
  if (res.error) {
    if ((res.error as NodeJS.ErrnoException).code === "ENOENT") throw new RemoteError("ssh is not installed (no 'ssh' on PATH)", "fault");
    throw new RemoteError(`remote ${r.name}: ${res.error.message}`);
  }
  const stderr = res.stderr.toString("utf8");
  if (res.status === 255) {
    const err = connectionError(r, stderr);
    if (err) throw err;
  }
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr };
}

/** Runs `script` with the remote's output streamed to ours; its exit status. */
export function streamRemote(r: SshRemote, script: string): Promise<number> {
  const [cmd, ...args] = sshArgv(r, script);
  return new Promise((resolve, reject) => {
    const child = cp().spawn(cmd!, args, { stdio: ["inherit", "inherit", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
      if (stderr.length > 1 << 16) stderr = stderr.slice(-(1 << 15));
      // ssh's connection errors are turned into one line below; everything else is the remote's.
      if (!/^(ssh|kex_exchange|Permission denied|Host key|Connection)/m.test(d.toString("utf8"))) process.stderr.write(d);
    });
    child.on("error", (e) => reject(new RemoteError(`remote ${r.name}: ${e.message}`)));
    child.on("close", (code, signal) => {
      if (code === 255) {
        const err = connectionError(r, stderr);
        if (err) return reject(err);
      }
      resolve(code ?? (signal ? 128 + 15 : 1));
    });
  });
}

/** The last line of a remote's stderr, trimmed, for a one-line error. */
export function lastLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? ""
  );
}
