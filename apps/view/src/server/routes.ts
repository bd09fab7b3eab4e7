import fs from "node:fs";
import path from "node:path";
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { toJson } from "@guildts/format";
import { applyAttrChanges, applyLifecycle, ATTR_OK, lsRuns, parseAttrRecord, recordsWithScalars, selectRuns } from "@guildts/plumbing";
import { diffRunsText } from "@guildts/plumbing/diff-runs.js";
import { parseSelector } from "@guildts/select";
import { findEventFiles, OK_OUTCOMES, readAttr, readEventFileFrom, type RunRecord } from "@guildts/runstore";
import type { AppContext, Env } from "./app.js";
import { jsonError } from "./app.js";
import { parseRunQuery, QueryError } from "./query.js";
import { redactEnv } from "./security.js";
import { seriesOf } from "./series.js";

const RUN_ID = /^[0-9a-f]{32}$/;
const DIFF_PARTS = ["flags", "attrs", "output", "sourcecode", "env", "deps"];

/** The run of an id, in the live store or (with `deleted`) the trash; null when there is none. */
function runById(ctx: AppContext, id: string, deleted = false): RunRecord | null {
  if (!RUN_ID.test(id)) return null;
  const q = parseRunQuery(new URLSearchParams(deleted ? { all: "1", deleted: "1" } : { all: "1" }), ctx.scope);
  try {
    return selectRuns(q.options, [parseSelector(id)]).runs[0] ?? null;
  } catch {
    return null;
  }
}

/** The runs of `run=ID` parameters (ids only), live then deleted; with the parameters left over. */
function runsOfIds(ctx: AppContext, ids: readonly string[]): RunRecord[] {
  const out: RunRecord[] = [];
  for (const id of ids) {
    const r = runById(ctx, id) ?? runById(ctx, id, true);
    if (r) out.push(r);
  }
  return out;
}

/** A run's attrs (`.guild/attrs/*`), parsed, with secret env values redacted. */
function runAttrs(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(dir, ".guild", "attrs")).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    try {
      out[n] = readAttr(dir, n);
    } catch {
      // unreadable attr: left out
    }
  }
  if ("env" in out) out.env = redactEnv(out.env);
  return out;
}

function tail(file: string, bytes: number): string {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const n = Math.min(size, bytes);
      const buf = Buffer.alloc(n);
      fs.readSync(fd, buf, 0, n, size - n);
      return buf.toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return "";
  }
}

/** Whether `p` is `root` or below it. */
function within(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * The file of a run a request names, or the reason it is refused: the path decoded once, no `..`
 * or `.` segment, no backslash or NUL, and its real path (links followed) inside the run's.
 */
export function runFile(runDir: string, rawRel: string): { file: string } | { refused: string } {
  let rel: string;
  try {
    rel = decodeURIComponent(rawRel);
  } catch {
    return { refused: "a malformed escape" };
  }
  if (rel === "" || /[\\\0]/.test(rel) || rel.startsWith("/") || rel.split("/").some((s) => s === ".." || s === "."))
    return { refused: "not a path inside the run" };
  let real: string;
  let root: string;
  try {
    root = fs.realpathSync(runDir);
    real = fs.realpathSync(path.join(runDir, rel));
  } catch {
    return { refused: "no such file" };
  }
  if (!within(real, root)) return { refused: "a link out of the run" };
  return { file: real };
}

const INLINE: Record<string, string> = {
  ".txt": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".csv": "text/plain; charset=utf-8",
  ".json": "text/plain; charset=utf-8",
  ".yml": "text/plain; charset=utf-8",
  ".yaml": "text/plain; charset=utf-8",
  ".py": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
};
const SANDBOXED: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The view's API beyond /api/runs: a run, its output and files, series, actions, events. */
export function addRoutes(app: Hono<Env>, ctx: AppContext): void {
  app.get("/api/runs/:id", (c) => {
    const r = runById(ctx, c.req.param("id")) ?? runById(ctx, c.req.param("id"), true);
    if (!r) return jsonError(c, 404, "no such run");
    const [record] = [...recordsWithScalars({ home: parseRunQuery(new URLSearchParams(), ctx.scope).options.home }, [r])];
    const attrs = runAttrs(r.dir);
    return c.body(
      toJson({
        record,
        flags: r.flags ?? {},
        attrs,
        scalars: record!.scalars,
        deps: attrs.deps ?? null,
        output_tail: tail(path.join(r.dir, ".guild", "output"), 16 * 1024),
      }),
      200,
      { "Content-Type": "application/json; charset=utf-8" },
    );
  });

  app.get("/api/runs/:id/output", (c) => {
    const r = runById(ctx, c.req.param("id")) ?? runById(ctx, c.req.param("id"), true);
    if (!r) return jsonError(c, 404, "no such run");
    let text = "";
    try {
      text = fs.readFileSync(path.join(r.dir, ".guild", "output"), "utf8");
    } catch {}
    return c.body(text, 200, { "Content-Type": "text/plain; charset=utf-8" });
  });

  app.get("/api/runs/:id/files", (c) => {
    const r = runById(ctx, c.req.param("id")) ?? runById(ctx, c.req.param("id"), true);
    if (!r) return jsonError(c, 404, "no such run");
    const lines: string[] = [];
    const walk = (rel: string) => {
      let entries: fs.Dirent[] = [];
      try {
        entries = fs.readdirSync(path.join(r.dir, rel), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (p === ".guild") continue;
        let st: fs.Stats;
        try {
          st = fs.lstatSync(path.join(r.dir, p));
        } catch {
          continue;
        }
        const dir = st.isDirectory();
        lines.push(toJson({ path: p, size: dir ? 0 : st.size, dir, mtime: Math.floor(st.mtimeMs) }));
        if (dir && lines.length < 100_000) walk(p);
      }
    };
    walk("");
    return c.body(lines.length ? `${lines.join("\n")}\n` : "", 200, { "Content-Type": "application/x-ndjson; charset=utf-8" });
  });

  app.get("/api/runs/:id/files/*", (c) => {
    const r = runById(ctx, c.req.param("id")) ?? runById(ctx, c.req.param("id"), true);
    if (!r) return jsonError(c, 404, "no such run");
    const raw = new URL(c.req.url).pathname;
    const prefix = `/api/runs/${r.id}/files/`;
    const got = runFile(r.dir, raw.slice(prefix.length));
    if ("refused" in got) return jsonError(c, got.refused === "no such file" ? 404 : 403, got.refused);
    const st = fs.statSync(got.file);
    if (!st.isFile()) return jsonError(c, 403, "not a regular file");
    const ext = path.extname(got.file).toLowerCase();
    const headers: Record<string, string> = { "X-Content-Type-Options": "nosniff" };
    if (SANDBOXED[ext]) {
      headers["Content-Type"] = SANDBOXED[ext];
      headers["Content-Security-Policy"] = "sandbox";
    } else if (INLINE[ext]) headers["Content-Type"] = INLINE[ext];
    else {
      headers["Content-Type"] = "application/octet-stream";
      headers["Content-Disposition"] = `attachment; filename="${path.basename(got.file).replace(/[^\w.-]/g, "_")}"`;
    }
    return c.body(fs.readFileSync(got.file), 200, headers);
  });

  // The diff of two runs: `guild diff A B --flags|--attrs|-O|-s`, the same pairs and the same
  // diff (plumbing's diffRunsText), as plain text.
  app.get("/api/diff", (c) => {
    const params = new URL(c.req.url).searchParams;
    for (const k of params.keys()) if (k !== "a" && k !== "b" && k !== "what") return jsonError(c, 400, `unknown parameter '${k}'`);
    const what = params.get("what") ?? "flags";
    if (!DIFF_PARTS.includes(what)) return jsonError(c, 400, `'what' must be one of ${DIFF_PARTS.join(", ")}`);
    const [a, b] = [params.get("a") ?? "", params.get("b") ?? ""].map((id) => runById(ctx, id) ?? runById(ctx, id, true));
    if (!a || !b) return jsonError(c, 404, "no such run");
    let diff: { lines: string[]; warnings: string[] };
    try {
      diff = diffRunsText(a, b, { [what]: true });
    } catch (e) {
      return jsonError(c, 403, (e as Error).message.split("\n")[0]!);
    }
    return c.json({ text: diff.lines.join("\n"), warnings: diff.warnings });
  });

  app.get("/api/series", (c) => {
    const params = new URL(c.req.url).searchParams;
    for (const k of params.keys()) if (k !== "run" && k !== "key") return jsonError(c, 400, `unknown parameter '${k}'`);
    const runs = runsOfIds(ctx, params.getAll("run"));
    return c.json({ runs: seriesOf(runs, params.getAll("key")) });
  });

  app.post("/api/actions", async (c) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") return jsonError(c, 415, "actions take Content-Type: application/json");
    const origin = c.req.header("origin");
    const host = c.req.header("host");
    if (!origin || origin.toLowerCase() !== `http://${host}`.toLowerCase()) return jsonError(c, 403, "forbidden");
    const csrf = c.req.header("x-csrf-token");
    if (!csrf || csrf !== ctx.csrf) return jsonError(c, 403, "forbidden");
    let body: { action?: unknown; runs?: unknown; value?: unknown };
    try {
      body = (await c.req.json()) as typeof body;
    } catch {
      return jsonError(c, 400, "the body is not JSON");
    }
    const ids = body.runs;
    if (!Array.isArray(ids) || ids.some((i) => typeof i !== "string" || !RUN_ID.test(i)))
      return jsonError(c, 400, '"runs" must be a list of run ids');
    const home = parseRunQuery(new URLSearchParams(), ctx.scope).options.home.path;
    const action = body.action;
    if (action === "delete" || action === "restore") {
      const res = applyLifecycle(action, home, ids as string[], () => {});
      return c.json({
        results: res.map((r) =>
          OK_OUTCOMES.has(r.outcome) ? { id: r.id, ok: true } : { id: r.id, ok: false, error: r.reason ?? r.outcome },
        ),
      });
    }
    const value = body.value;
    const change = (id: string): unknown => {
      switch (action) {
        case "label":
          return { id, label: typeof value === "string" && value !== "" ? value : null };
        case "tag":
          return { id, tags: { add: [value] } };
        case "untag":
          return { id, tags: { remove: [value] } };
        case "mark":
          return { id, marked: true };
        case "unmark":
          return { id, marked: false };
        default:
          throw new QueryError(`unknown action '${String(action)}'`);
      }
    };
    let records;
    try {
      records = (ids as string[]).map((id) => parseAttrRecord(change(id)));
    } catch (e) {
      return jsonError(c, 400, (e as Error).message);
    }
    const res = applyAttrChanges(home, records, () => {});
    return c.json({
      results: res.map((r) => (ATTR_OK.has(r.outcome) ? { id: r.id, ok: true } : { id: r.id, ok: false, error: r.reason ?? r.outcome })),
    });
  });

  app.get("/api/events", (c) =>
    streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      // Followed files: run id -> event file -> offset read so far; and the running runs' records.
      const offsets = new Map<string, Map<string, number>>();
      let running = new Map<string, RunRecord>();
      const listRunning = () => {
        try {
          const q = parseRunQuery(new URLSearchParams({ status: "running" }), ctx.scope);
          return new Map(lsRuns(q.options).runs.map((r) => [r.id, r]));
        } catch {
          return new Map<string, RunRecord>();
        }
      };
      running = listRunning();
      // Start at the end of what exists: only new points are sent.
      for (const r of running.values()) {
        const m = new Map<string, number>();
        for (const rel of findEventFiles(r.dir).files) m.set(rel, fs.statSync(path.join(r.dir, rel)).size);
        offsets.set(r.id, m);
      }
      let lastKeepalive = Date.now();
      let lastList = Date.now();
      // The running runs are listed again every second, or less often when a listing is costly
      // (a large store): at most a tenth of the server's time goes to it. The followed runs'
      // event files are looked at every 200 ms whatever the store's size.
      let listEvery = 1000;
      while (!closed) {
        await stream.sleep(200);
        if (closed) break;
        if (Date.now() - lastList >= listEvery) {
          const t0 = Date.now();
          const now = listRunning();
          lastList = Date.now();
          listEvery = Math.max(1000, 10 * (lastList - t0));
          const changed: RunRecord[] = [];
          for (const [id, r] of running) if (!now.has(id)) changed.push(runById(ctx, id) ?? r);
          for (const [id, r] of now) if (!running.has(id)) changed.push(r);
          running = now;
          if (changed.length) {
            const recs = [...recordsWithScalars(parseRunQuery(new URLSearchParams(), ctx.scope).options, changed)];
            await stream.writeSSE({ event: "runs", data: recs.map((r) => toJson(r)).join("\n") });
          }
        }
        for (const r of running.values()) {
          let m = offsets.get(r.id);
          if (!m) offsets.set(r.id, (m = new Map()));
          for (const rel of findEventFiles(r.dir).files) {
            let size: number;
            try {
              size = fs.statSync(path.join(r.dir, rel)).size;
            } catch {
              continue;
            }
            const from = m.get(rel) ?? 0;
            if (size === from) continue;
            try {
              const got = readEventFileFrom(r.dir, rel, from);
              m.set(rel, got.end);
              for (const [key, s] of got.points) await stream.writeSSE({ event: "series", data: JSON.stringify({ run: r.id, key, ...s }) });
            } catch {
              m.set(rel, size);
            }
          }
        }
        if (Date.now() - lastKeepalive >= 15_000) {
          lastKeepalive = Date.now();
          await stream.write(": keepalive\n\n");
        }
      }
    }),
  );
}
