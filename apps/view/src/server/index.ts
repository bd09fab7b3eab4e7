import http from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { createApp } from "./app.js";
import type { ViewScope } from "./query.js";
import { allowedHosts, badTarget, COMMON_HEADERS, isLoopback, newToken } from "./security.js";

export { createApp, queryRuns } from "./app.js";
export { parseRunQuery, queryOfOptions, QueryError, type ViewScope } from "./query.js";
export * from "./security.js";
export { exportHtml, findPageDir, scriptJson, shellHtml } from "./page.js";

export interface ViewOptions extends ViewScope {
  /** Interface to bind (default 127.0.0.1); anything but loopback needs `allowRemote`. */
  host?: string;
  /** Port (0: a free one). */
  port?: number;
  /** Binding beyond loopback was asked for explicitly (`--host` with `--allow-remote`). */
  allowRemote?: boolean;
  /** The page's bundle directory (default: found beside the bundle or in apps/view/dist/page). */
  pageDir?: string | null;
  /** Query parameters the page opens with (the command's filters and runs). */
  query?: URLSearchParams;
  /** Fixed secrets (tests); random 256-bit tokens by default. */
  token?: string;
  csrf?: string;
}

export interface ViewServer {
  /** The URL to open: `http://HOST:PORT/?token=…` (the only place the token is shown). */
  url: string;
  /** `http://HOST:PORT` */
  origin: string;
  port: number;
  token: string;
  csrf: string;
  close(): Promise<void>;
}

export class ViewError extends Error {}

/**
 * Starts the view's server: Hono on node's http server, loopback by default. Every request's
 * target is checked raw (before URL parsing normalises `..` away) and refused with 400 when it
 * spells a way out.
 */
export async function startView(o: ViewOptions): Promise<ViewServer> {
  const host = o.host ?? "127.0.0.1";
  if (!isLoopback(host) && !o.allowRemote) throw new ViewError(`refusing to listen on '${host}' (not loopback) without --allow-remote`);
  const token = o.token ?? newToken();
  const csrf = o.csrf ?? newToken();
  let port = o.port ?? 0;
  let hosts = new Set<string>();
  const app = createApp({ scope: o, token, csrf, hosts: () => hosts, pageDir: o.pageDir });
  const listener = getRequestListener(app.fetch);
  const server = http.createServer((req, res) => {
    const bad = badTarget(req.url ?? "");
    if (bad) {
      res.writeHead(400, { ...COMMON_HEADERS, "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: `bad request target: ${bad}` }));
      return;
    }
    void listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new ViewError(e.code === "EADDRINUSE" ? `port ${port} is in use` : `cannot listen on ${host}:${port}: ${e.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  const shown = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const origin = `http://${shown}:${port}`;
  // The token last, as the contract shows it: `/?token=…` when there is nothing else.
  const rest = new URLSearchParams(o.query);
  rest.delete("token");
  const url = `${origin}/?${rest.toString() ? `${rest.toString()}&` : ""}token=${token}`;
  return {
    url,
    origin,
    port,
    token,
    csrf,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export { exportView } from "./export.js";
export { seriesOf } from "./series.js";
