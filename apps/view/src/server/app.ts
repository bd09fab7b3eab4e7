import { Hono, type Context } from "hono";
import { CliError, writeJsonLines } from "@guildts/format";
import { lsRuns, recordsWithScalars, selectRuns } from "@guildts/plumbing";
import type { RunRecord } from "@guildts/runstore";
import { SelectorError } from "@guildts/select";
import { addRoutes } from "./routes.js";
import { findPageDir, pageAsset, shellHtml } from "./page.js";
import { parseRunQuery, QueryError, type ViewScope } from "./query.js";
import { APP_CSP, COMMON_HEADERS, requestToken, sameToken, tokenCookie } from "./security.js";

/** What the app needs to answer: the store and scope it shows, and its secrets. */
export interface AppContext {
  scope: ViewScope;
  token: string;
  csrf: string;
  /** `Host` header values accepted (lower case, with the port). */
  hosts: () => Set<string>;
  /** Where the page's bundle is (null: a placeholder page). */
  pageDir?: string | null;
}

export type Env = { Variables: Record<string, never> };

export function jsonError(c: Context, status: 400 | 401 | 403 | 404 | 405 | 409 | 415 | 500, message: string): Response {
  return c.json({ error: message }, status);
}

const NDJSON = "application/x-ndjson; charset=utf-8";

/** NDJSON lines of values, produced in batches as the client reads (constant memory). */
export function ndjsonStream(values: Iterable<unknown>): ReadableStream<Uint8Array> {
  const it = values[Symbol.iterator]();
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const batch: unknown[] = [];
      for (let i = 0; i < 256; i++) {
        const n = it.next();
        if (n.done) break;
        batch.push(n.value);
      }
      if (batch.length) {
        let text = "";
        writeJsonLines(batch, (chunk) => (text += chunk));
        controller.enqueue(enc.encode(text));
      }
      if (batch.length < 256) controller.close();
    },
  });
}

/** The runs of a query, listed as `guild-ls-runs` lists them (selectors resolved as guild-rev-parse-run). */
export function queryRuns(
  params: URLSearchParams,
  scope: ViewScope,
): { runs: RunRecord[]; options: ReturnType<typeof parseRunQuery>["options"] } {
  const q = parseRunQuery(params, scope, ["limit"]);
  // `limit=N`: the newest N, as `guild runs -n N` lists them (unfiltered, only their files are read).
  const rawLimit = params.get("limit");
  if (rawLimit !== null && !/^[1-9][0-9]{0,6}$/.test(rawLimit)) throw new QueryError("parameter 'limit' takes a positive integer");
  const limit = rawLimit === null ? undefined : Number(rawLimit);
  try {
    const runs = q.selectors.length ? selectRuns(q.options, q.selectors).runs.slice(0, limit) : lsRuns(q.options, limit).runs;
    return { runs, options: q.options };
  } catch (e) {
    if (e instanceof SelectorError || e instanceof CliError) throw new QueryError(e.message);
    throw e;
  }
}

/** The Hono app of the view: authentication first, then the page and the API. */
export function createApp(ctx: AppContext): Hono<Env> {
  const app = new Hono<Env>();
  const pageDir = ctx.pageDir === undefined ? findPageDir() : ctx.pageDir;

  app.use("*", async (c, next) => {
    for (const [k, v] of Object.entries(COMMON_HEADERS)) c.header(k, v);
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (!ctx.hosts().has(host)) return c.text("", 403);
    const url = new URL(c.req.url);
    // The token in the URL: exchanged for the cookie, and the URL loses it.
    if (c.req.method === "GET" && url.pathname === "/" && url.searchParams.has("token")) {
      if (!sameToken(url.searchParams.get("token"), ctx.token)) return c.body(null, 401);
      url.searchParams.delete("token");
      const rest = url.searchParams.toString();
      c.header("Set-Cookie", tokenCookie(ctx.token));
      return c.redirect(rest ? `/?${rest}` : "/", 303);
    }
    const given = requestToken({ authorization: c.req.header("authorization"), cookie: c.req.header("cookie") });
    if (!sameToken(given, ctx.token)) return c.body(null, 401);
    await next();
  });

  app.get("/", (c) => {
    c.header("Content-Security-Policy", APP_CSP);
    return c.html(shellHtml(ctx.csrf));
  });
  app.get("/app.js", (c) => {
    c.header("Content-Type", "text/javascript; charset=utf-8");
    return c.body(pageAsset(pageDir, "app.js"));
  });
  app.get("/app.css", (c) => {
    c.header("Content-Type", "text/css; charset=utf-8");
    return c.body(pageAsset(pageDir, "app.css"));
  });

  app.get("/api/runs", (c) => {
    let listed;
    try {
      listed = queryRuns(new URL(c.req.url).searchParams, ctx.scope);
    } catch (e) {
      if (e instanceof QueryError) return jsonError(c, 400, e.message);
      throw e;
    }
    c.header("Content-Type", NDJSON);
    return c.body(ndjsonStream(recordsWithScalars(listed.options, listed.runs)));
  });

  addRoutes(app, ctx);
  app.notFound((c) => jsonError(c, 404, "not found"));
  app.onError((e, c) => jsonError(c, 500, (e as Error).message.split("\n")[0]!));
  return app;
}
