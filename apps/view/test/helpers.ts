import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import http from "node:http";
import { binPath, commandEnv, repoRoot } from "@guildts/testkit";

/** A `guild view --no-open` process serving a home, and what its one line of stdout said. */
export interface Served {
  child: ChildProcess;
  url: string;
  origin: string;
  token: string;
  port: number;
  /** `Authorization: Bearer` headers. */
  auth: Record<string, string>;
  stop(): Promise<number | null>;
  stderr(): string;
}

/** Starts the built `guild view` (dist/bin/guild.js) and waits for its URL line. */
export async function serve(home: string, args: string[] = [], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  const child = spawn(process.execPath, [binPath("guild"), "-H", home, "view", "--no-open", ...args], {
    cwd: opts.cwd ?? home,
    env: commandEnv(opts.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (b) => (err += b));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`guild view printed no URL in 20 s; stderr: ${err}`)), 20000);
    child.stdout!.on("data", (b) => {
      out += b;
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`guild view exited ${code}: ${err}`));
    });
  });
  const m = /^(http:\/\/[^/]+)\/\?(?:.*&)?token=([0-9a-f]{64})$/.exec(url);
  if (!m) throw new Error(`unexpected URL line: ${url}`);
  const origin = m[1]!;
  const token = m[2]!;
  return {
    child,
    url,
    origin,
    token,
    port: Number(new URL(origin).port),
    auth: { authorization: `Bearer ${token}` },
    stderr: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGINT");
      }),
  };
}

/** A raw HTTP request (the target sent exactly as given: no URL normalisation, unlike fetch). */
export function raw(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path: target, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (data += c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The CSRF token of the served shell (its `guild-csrf` meta). */
export async function csrfOf(s: Served): Promise<string> {
  const html = await (await fetch(`${s.origin}/`, { headers: s.auth })).text();
  const m = /<meta name="guild-csrf" content="([0-9a-f]{64})">/.exec(html);
  if (!m) throw new Error("no CSRF meta in the shell");
  return m[1]!;
}

/** Appends scalars to a new event file of a run, as a training script would (libs/runner's writer). */
export function logScalars(runDir: string, points: [string, number, number][]): void {
  const script = `import { EventFileWriter } from "@guildts/runner";
const w = new EventFileWriter(process.argv[1], { uid: Date.now() });
for (const [t, v, s] of JSON.parse(process.argv[2])) w.addScalar(t, v, s);
w.close();`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script, path.join(runDir, ".guild"), JSON.stringify(points)], {
    cwd: repoRoot(),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`logScalars: ${r.stderr}`);
}
