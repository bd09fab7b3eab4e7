// A small stand-in for `guild view`'s server, speaking the HTTP contract (view-api.md) the page
// uses, for the page tests while the real server (src/server, another branch) is not merged:
// the shell with its CSRF meta and strict CSP, the bundle, /api/runs (guild-ls-runs itself),
// /api/series (the run's event files, read by libs/runstore), /api/actions (guild-update-attrs,
// guild-mark-deleted, guild-restore-deleted) and an /api/events stream that stays open.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readEvents } from "@guildts/runstore";
import { runCommand } from "@guildts/testkit";

const pageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "page");
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const CSRF = "0123456789abcdef";

export interface Fixture {
  origin: string;
  url: string;
  /** Requests by path, in order. */
  requests: string[];
  /** Sends one server-sent event to every open /api/events stream (the tests play the store). */
  push(event: "runs" | "series", data: string): void;
  close(): Promise<void>;
}

export function series(home: string, id: string): Record<string, { step: number[]; time: number[]; value: number[] }> {
  const dir = path.join(home, "runs", id, ".guild");
  const out: Record<string, { step: number[]; time: number[]; value: number[] }> = {};
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.includes("tfevents"));
  } catch {}
  for (const f of files.sort())
    readEvents(fs.readFileSync(path.join(dir, f)), (tag, value, step) => {
      const s = (out[tag] ??= { step: [], time: [], value: [] });
      s.step.push(step);
      s.time.push(step);
      s.value.push(value);
    });
  return out;
}

export async function fixtureServer(home: string): Promise<Fixture> {
  const requests: string[] = [];
  const streams = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    requests.push(u.pathname);
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "Content-Type": type, "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff" });
      res.end(body);
    };
    if (u.pathname === "/")
      return send(
        200,
        "text/html",
        `<!doctype html><html><head><meta charset="utf-8"><meta name="guild-csrf" content="${CSRF}"><title>guild view</title><link rel="stylesheet" href="/app.css"><script type="module" src="/app.js"></script></head><body><div id="guild-app"></div></body></html>`,
      );
    if (u.pathname === "/app.js" || u.pathname === "/app.css")
      return send(
        200,
        u.pathname.endsWith("js") ? "text/javascript" : "text/css",
        fs.readFileSync(path.join(pageDir, u.pathname.slice(1)), "utf8"),
      );
    if (u.pathname === "/api/runs") {
      const args = ["-H", home, "-a", "--json", "--scalars"];
      const filter = u.searchParams.get("filter");
      if (filter) args.push("-F", filter);
      if (u.searchParams.get("deleted") === "1") args.push("--deleted");
      const r = runCommand("guild-ls-runs", args);
      if (r.status !== 0) return send(400, "application/json", JSON.stringify({ error: r.stderr.trim().replace(/^guild-ls-runs: /, "") }));
      return send(200, "application/x-ndjson", r.stdout);
    }
    const runPath = /^\/api\/runs\/([0-9a-f]{32})(?:\/(files)(?:\/(.+))?)?$/.exec(u.pathname);
    if (runPath) {
      const [, id, files, file] = runPath;
      const dir = path.join(home, "runs", id!);
      if (file) {
        const p = path.join(dir, decodeURIComponent(file));
        if (!p.startsWith(`${dir}/`) || !fs.existsSync(p)) return send(404, "application/json", '{"error":"no such file"}');
        return send(200, "text/plain", fs.readFileSync(p, "utf8"));
      }
      if (files) {
        const out = fs.readdirSync(dir, { withFileTypes: true }).map((e) => ({
          path: e.name,
          dir: e.isDirectory(),
          size: e.isDirectory() ? 0 : fs.statSync(path.join(dir, e.name)).size,
          mtime: 0,
        }));
        return send(200, "application/x-ndjson", out.map((o) => JSON.stringify(o)).join("\n") + "\n");
      }
      const rec = runCommand("guild-ls-runs", ["-H", home, "-a", "--json", "--scalars"])
        .stdout.split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id: string; flags: unknown; scalars: unknown })
        .find((r) => r.id === id);
      if (!rec) return send(404, "application/json", '{"error":"no such run"}');
      return send(
        200,
        "application/json",
        JSON.stringify({ record: rec, flags: rec.flags, attrs: {}, scalars: rec.scalars, deps: null, output_tail: "hello from the run\n" }),
      );
    }
    if (u.pathname === "/api/series") {
      const runs: Record<string, unknown> = {};
      for (const id of u.searchParams.getAll("run")) runs[id] = series(home, id);
      return send(200, "application/json", JSON.stringify({ runs }));
    }
    if (u.pathname === "/api/events") {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(": keepalive\n\n");
      streams.add(res);
      res.on("close", () => streams.delete(res));
      return;
    }
    if (u.pathname === "/api/actions" && req.method === "POST") {
      if (req.headers["x-csrf-token"] !== CSRF || !String(req.headers["content-type"]).startsWith("application/json"))
        return send(403, "application/json", '{"error":"forbidden"}');
      let body = "";
      req.on("data", (b) => (body += b));
      req.on("end", () => {
        const a = JSON.parse(body) as { action: string; runs: string[]; value?: string };
        let r: { status: number | null; stderr: string };
        if (a.action === "delete") r = runCommand("guild-mark-deleted", ["-H", home, ...a.runs]);
        else if (a.action === "restore") r = runCommand("guild-restore-deleted", ["-H", home, ...a.runs]);
        else {
          const rec = (id: string) =>
            a.action === "label"
              ? { id, label: a.value }
              : a.action === "tag"
                ? { id, tags: { add: [a.value] } }
                : a.action === "untag"
                  ? { id, tags: { remove: [a.value] } }
                  : { id, marked: a.action === "mark" };
          r = runCommand("guild-update-attrs", ["-H", home, "--stdin"], { input: a.runs.map((id) => JSON.stringify(rec(id))).join("\n") });
        }
        const ok = r.status === 0;
        send(
          200,
          "application/json",
          JSON.stringify({ results: a.runs.map((id) => (ok ? { id, ok } : { id, ok, error: r.stderr.trim() })) }),
        );
      });
      return;
    }
    send(404, "application/json", '{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/`,
    requests,
    push: (event, data) => {
      for (const r of streams)
        r.write(
          `event: ${event}\n${data
            .split("\n")
            .map((l) => `data: ${l}`)
            .join("\n")}\n\n`,
        );
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
