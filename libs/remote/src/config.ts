import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AttrDecodeError, decodeAttr, type AttrValue } from "@guildts/runstore";

/**
 * Remotes as Guild 0.9 reads them (spec guild-batch-deps-inspect-remote §6.1): the `remotes:`
 * section of Guild's user config, the first that applies of `$GUILD_CONFIG`, `./guild-config.yml`,
 * `$GUILD_HOME/config.yml`, `~/.guild/config.yml`; or an inline `ssh:[USER@]HOST[:PORT]` spec.
 */

/** A remote that cannot be used: a one-line message (the commands exit 2 or 5 with it). */
export class RemoteError extends Error {
  override name = "RemoteError";
  constructor(
    message: string,
    /** "config": the user's config or arguments are wrong (usage); "fault": the remote or the link failed. */
    readonly kind: "config" | "fault" = "fault",
  ) {
    super(message);
  }
}

/** Guild's remote types (entry points `guild.remotetypes`); only ssh is built here. */
export const GUILD_REMOTE_TYPES = ["ssh", "s3", "ec2", "azure-blob", "azure-vm", "gist"] as const;

export interface RemoteDef {
  name: string;
  type: string;
  description: string;
  /** The config keys as written (strings, numbers...). */
  config: Record<string, AttrValue>;
  /** The user config file it came from, or null (inline spec). */
  file: string | null;
}

export interface SshRemote {
  name: string;
  host: string;
  port: number | null;
  user: string | null;
  /** Absolute path (resolved against the config file's directory), or null. */
  privateKey: string | null;
  connectTimeout: number | null;
  /** The remote GUILD_HOME as Guild derives it (`guild-home`, conda, venv, `.guild`). */
  guildHome: string;
  /** Shell lines run before every remote command (venv/conda activation), or []. */
  activate: string[];
  proxy: string | null;
  /** guildts's own: an ssh client config file passed as `ssh -F` (known hosts, identities). */
  sshConfig: string | null;
}

/** The user config file Guild reads, first that applies; null when none exists. */
export function userConfigPath(home: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.GUILD_CONFIG) return path.resolve(cwd, env.GUILD_CONFIG);
  const local = path.join(cwd, "guild-config.yml");
  if (fs.existsSync(local)) return local;
  const inHome = path.join(home, "config.yml");
  if (fs.existsSync(inHome)) return inHome;
  return path.join(env.HOME || os.homedir(), ".guild", "config.yml");
}

function isMap(v: unknown): v is Record<string, AttrValue> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Every remote of the user config (sorted by name), or [] when it has none. */
export function readRemotes(file: string): RemoteDef[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new RemoteError(`cannot read ${file}: ${(e as Error).message}`, "config");
  }
  let data: AttrValue;
  try {
    data = decodeAttr(text);
  } catch (e) {
    if (e instanceof AttrDecodeError) throw new RemoteError(`${file}: invalid YAML: ${e.message}`, "config");
    throw e;
  }
  if (data === null) return [];
  if (!isMap(data)) throw new RemoteError(`${file}: the config must be a mapping`, "config");
  const remotes = data.remotes;
  if (remotes === undefined || remotes === null) return [];
  if (!isMap(remotes)) throw new RemoteError(`${file}: 'remotes' must be a mapping of names to remotes`, "config");
  return Object.entries(remotes)
    .map(([name, v]) => {
      if (!isMap(v)) throw new RemoteError(`${file}: remote ${name} must be a mapping (type, host...)`, "config");
      if (v.type === undefined || v.type === null) throw new RemoteError(`remote ${name} is missing required config: type`, "config");
      return { name, type: String(v.type), description: v.description == null ? "" : String(v.description), config: v, file };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Guild's inline ssh spec: `[USER@]HOST[:PORT][:VENV_PATH]`. */
const SSH_SPEC = /^(?:(\w+)@)?([^/:]+)(?::(\d+))?(?::(.+))?$/;

/**
 * The remote a name stands for: a remote of the user config, else an inline spec (`ssh:HOST`),
 * else Guild's "is not defined" error. Types other than ssh are recognised and refused.
 */
export function resolveRemote(name: string, file: string, env: NodeJS.ProcessEnv = process.env): SshRemote {
  const def = readRemotes(file).find((r) => r.name === name) ?? inlineRemote(name);
  if (!def)
    throw new RemoteError(
      `remote ${name} is not defined (show remotes with 'guild remotes'; an inline remote is ssh:[USER@]HOST[:PORT])`,
      "config",
    );
  if (def.type !== "ssh") {
    if ((GUILD_REMOTE_TYPES as readonly string[]).includes(def.type))
      throw new RemoteError(`remote ${name} has type ${def.type}, which guildts does not support (only ssh remotes)`, "config");
    throw new RemoteError(`remote ${name} has unsupported type: ${def.type}`, "config");
  }
  return sshRemote(def, env);
}

function inlineRemote(spec: string): RemoteDef | null {
  const colon = spec.indexOf(":");
  if (colon < 0) return null;
  const type = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  if (type === "ssh") {
    const m = SSH_SPEC.exec(rest);
    if (!m) throw new RemoteError(`invalid ssh spec '${rest}' - expected format [USER@]HOST[:PORT][/ENV_PATH]`, "config");
    const config: Record<string, AttrValue> = { type: "ssh", host: m[2]! };
    if (m[1]) config.user = m[1];
    if (m[3]) config.port = Number(m[3]);
    if (m[4]) config["venv-path"] = m[4];
    return { name: spec, type, description: "", config, file: null };
  }
  if ((GUILD_REMOTE_TYPES as readonly string[]).includes(type)) return { name: spec, type, description: "", config: { type }, file: null };
  return null;
}

/** `~` and `$VAR`/`${VAR}` expanded, as Guild's `util.expand_path`. */
function expandPath(p: string, env: NodeJS.ProcessEnv): string {
  const user = p === "~" || p.startsWith("~/") ? (env.HOME || os.homedir()) + p.slice(1) : p;
  return user.replace(/\$(\w+)|\$\{(\w+)\}/g, (all, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? all);
}

const KNOWN_SSH_KEYS = new Set([
  "type",
  "description",
  "host",
  "port",
  "user",
  "private-key",
  "connect-timeout",
  "guild-home",
  "venv-path",
  "guild-env",
  "conda-env",
  "venv-activate",
  "use-prerelease",
  "init",
  "proxy",
  "ssh-config",
]);

function str(def: RemoteDef, key: string): string | null {
  const v = def.config[key];
  if (v === undefined || v === null) return null;
  if (typeof v === "object") throw new RemoteError(`remote ${def.name}: '${key}' must be a string`, "config");
  return String(v);
}

function int(def: RemoteDef, key: string, max: number): number | null {
  const v = str(def, key);
  if (v === null) return null;
  if (!/^\d+$/.test(v) || Number(v) > max)
    throw new RemoteError(`remote ${def.name}: '${key}' must be a whole number, not '${v}'`, "config");
  return Number(v);
}

export function sshRemote(def: RemoteDef, env: NodeJS.ProcessEnv = process.env): SshRemote {
  const host = str(def, "host");
  if (!host) throw new RemoteError(`remote ${def.name} is missing required config: host`, "config");
  if (host.startsWith("-")) throw new RemoteError(`remote ${def.name}: host '${host}' cannot start with '-'`, "config");
  const user = str(def, "user");
  if (user !== null && (user.startsWith("-") || /[@\s]/.test(user)))
    throw new RemoteError(`remote ${def.name}: invalid user '${user}'`, "config");
  const base = def.file ? path.dirname(def.file) : process.cwd();
  const file = (key: string) => {
    const v = str(def, key);
    return v === null ? null : path.resolve(base, expandPath(v, env));
  };
  const venv = str(def, "venv-path") ?? str(def, "guild-env");
  const conda = str(def, "conda-env");
  let guildHome = str(def, "guild-home");
  if (guildHome === null) {
    if (conda !== null) {
      if (!conda.includes("/"))
        throw new RemoteError(
          `cannot determine Guild home from conda-env '${conda}' - specify a path for conda-env or specify guild-home`,
          "config",
        );
      guildHome = `${conda}/.guild`;
    } else guildHome = venv !== null ? `${venv}/.guild` : ".guild";
  }
  const activate: string[] = [];
  const venvActivate = str(def, "venv-activate");
  if (venvActivate !== null) activate.push(venvActivate);
  else if (conda !== null)
    activate.push(
      `source ${conda}/etc/profile.d/conda.sh > /dev/null 2>&1 || source ${conda}/../../etc/profile.d/conda.sh > /dev/null 2>&1`,
      `conda activate '${conda}'`,
    );
  else if (venv !== null) activate.push(`source ${venv}/bin/activate`);
  return {
    name: def.name,
    host,
    port: int(def, "port", 65535),
    user,
    privateKey: file("private-key"),
    connectTimeout: int(def, "connect-timeout", 86400),
    guildHome,
    activate,
    proxy: str(def, "proxy"),
    sshConfig: file("ssh-config"),
  };
}

/** Keys a remote's config has that Guild's ssh remotes do not know (for a warning). */
export function unknownKeys(def: RemoteDef): string[] {
  return def.type === "ssh" ? Object.keys(def.config).filter((k) => !KNOWN_SSH_KEYS.has(k)) : [];
}

/** `[USER@]HOST`, as messages and ssh name the remote host. */
export function userHost(r: SshRemote): string {
  return r.user ? `${r.user}@${r.host}` : r.host;
}
