import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { bundlePathDir, tempDir } from "./index.js";

/**
 * A real OpenSSH server on 127.0.0.1 for the remote tests (Debian's `openssh-server`).
 *
 * `startSshd()` makes a throwaway directory with a host key, a client key and its
 * `authorized_keys`, an `sshd_config` of its own (no PAM, no strict modes, its own pid file, so it
 * runs as root or as any user without touching /etc/ssh), and a client config (`ssh_config`:
 * the key, the port, a `known_hosts` holding the host key, BatchMode) that remotes name with
 * `ssh-config:`. It starts `sshd -D` on a free port and waits until it accepts connections.
 *
 * The remote PATH: `SetEnv PATH=...` in the server's config puts this checkout's bundled commands
 * (`dist/path`) and this node first, so `guild`/`guild-ls-runs` on the remote are the ones just
 * built. `path` replaces that PATH (a stub `guild` only, for the Guild-0.9 tests).
 *
 * Always `stop()` it (`t.after(() => sshd.stop())`): it kills the server and removes the directory.
 */
export interface Sshd {
  port: number;
  /** The throwaway directory (keys, configs, log). */
  dir: string;
  /** The client private key (for `private-key:`). */
  key: string;
  /** A client config for `ssh -F` (`ssh-config:` in a remote): Host `sshd-test` and 127.0.0.1. */
  clientConfig: string;
  /**
   * The same without connection sharing. `clientConfig` shares one connection per host
   * (`ControlMaster auto`, `ControlPersist`: a session costs no key exchange, which keeps the
   * suite fast); a test of the connection itself (a refused key) uses this one.
   */
  clientConfigDirect: string;
  /** The user sshd logs in (this process's user). */
  user: string;
  /** The server's log (`-E`), for a failing test's message. */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export function hasSshd(): boolean {
  return (
    fs.existsSync("/usr/sbin/sshd") && spawnSync("sh", ["-c", "command -v ssh && command -v rsync && command -v ssh-keygen"]).status === 0
  );
}

/** A TCP port nobody listens on now (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

function keygen(file: string): void {
  const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "guildts-test", "-f", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("data", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

export interface SshdOptions {
  /** The remote sessions' PATH; default: dist/path, this node's directory, then the system's. */
  path?: string;
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  // As root, sshd wants its privilege separation directory (the Debian package makes it at boot).
  if (process.getuid?.() === 0 && !fs.existsSync("/run/sshd")) fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = tempDir("guildts-sshd-");
  fs.chmodSync(dir, 0o700);
  const hostKey = path.join(dir, "host_key");
  const key = path.join(dir, "id_client");
  keygen(hostKey);
  keygen(key);
  const authorized = path.join(dir, "authorized_keys");
  fs.copyFileSync(`${key}.pub`, authorized);
  const user = os.userInfo().username;
  const remotePath = opts.path ?? [bundlePathDir(), path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":");
  let lastError = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = path.join(dir, "sshd_config");
    const logFile = path.join(dir, "sshd.log");
    fs.writeFileSync(
      config,
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${hostKey}`,
        `PidFile ${path.join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${authorized}`,
        "UsePAM no",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        `AllowUsers ${user}`,
        "Subsystem sftp internal-sftp",
        "LogLevel ERROR",
        "MaxStartups 64",
        "MaxSessions 64",
        `SetEnv PATH=${remotePath} LANG=C.UTF-8 TZ=UTC`,
        "",
      ].join("\n"),
    );
    const knownHosts = path.join(dir, "known_hosts");
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${fs.readFileSync(`${hostKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ")}\n`);
    const clientConfig = path.join(dir, "ssh_config");
    fs.writeFileSync(
      clientConfig,
      [
        "Host sshd-test 127.0.0.1",
        "  HostName 127.0.0.1",
        `  Port ${port}`,
        `  User ${user}`,
        `  IdentityFile ${key}`,
        "  IdentitiesOnly yes",
        `  UserKnownHostsFile ${knownHosts}`,
        "  StrictHostKeyChecking yes",
        "  BatchMode yes",
        "  LogLevel ERROR",
        "",
      ].join("\n"),
    );
    const clientConfigDirect = path.join(dir, "ssh_config_direct");
    fs.writeFileSync(clientConfigDirect, fs.readFileSync(clientConfig, "utf8"));
    fs.appendFileSync(clientConfig, `  ControlMaster auto\n  ControlPath ${path.join(dir, "cm-%C")}\n  ControlPersist 120\n`);
    const child: ChildProcess = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config, "-E", logFile], { stdio: "ignore" });
    let exited = false;
    child.once("exit", () => {
      exited = true;
    });
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline && !(await connects(port))) await new Promise((r) => setTimeout(r, 50));
    const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
    if (exited || Date.now() >= deadline) {
      lastError = log();
      child.kill("SIGKILL");
      continue; // the port was taken meanwhile: another one
    }
    let stopped = false;
    return {
      port,
      dir,
      key,
      clientConfig,
      clientConfigDirect,
      user,
      log,
      async stop() {
        if (stopped) return;
        stopped = true;
        // The shared connection's master process (it outlives the server's listener otherwise).
        spawnSync("ssh", ["-F", clientConfig, "-O", "exit", "127.0.0.1"], { stdio: "ignore", timeout: 5000 });
        if (!exited) {
          const gone = new Promise((r) => child.once("exit", r));
          child.kill("SIGTERM");
          const t = setTimeout(() => child.kill("SIGKILL"), 2000);
          await gone;
          clearTimeout(t);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start: ${lastError}`);
}
