/**
 * The view's security rules, each in one place: the access token and its cookie, the Host
 * allow-list (DNS rebinding), the checks every write passes (JSON, same Origin, CSRF token), the
 * raw request path guard (traversal spellings refused before any routing), the app's CSP, and the
 * redaction of secrets in a run's env.
 */
const crypto = () => process.getBuiltinModule("node:crypto") as typeof import("node:crypto");

/** 256 random bits as 64 hex digits: the access token and the CSRF token. */
export function newToken(): string {
  return crypto().randomBytes(32).toString("hex");
}

/** Whether `given` is `expected`, compared in constant time. */
export function sameToken(given: string | undefined | null, expected: string): boolean {
  if (typeof given !== "string" || given.length !== expected.length) return false;
  return crypto().timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

export const COOKIE = "guild_view";

/** The `Set-Cookie` value that stores the token: script-proof, never sent cross-site. */
export function tokenCookie(token: string): string {
  return `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The token a request carries: `Authorization: Bearer T`, else the `guild_view` cookie. */
export function requestToken(headers: { authorization?: string | null; cookie?: string | null }): string | null {
  const auth = headers.authorization;
  if (auth) {
    const m = /^Bearer ([0-9a-f]{64})$/.exec(auth.trim());
    return m ? m[1]! : null;
  }
  const cookie = headers.cookie;
  if (!cookie) return null;
  for (const part of cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Whether a host name is a loopback address (or `localhost`). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The `Host` values a request may carry: the loopback names at the bound port, and the bound
 * host itself. Anything else is a page on another name (DNS rebinding) and is refused.
 */
export function allowedHosts(bound: string, port: number): Set<string> {
  const names = new Set(["127.0.0.1", "localhost", "[::1]"]);
  if (!isLoopback(bound) && bound !== "0.0.0.0" && bound !== "::") names.add(bound.includes(":") ? `[${bound}]` : bound);
  return new Set([...names].map((n) => `${n}:${port}`.toLowerCase()));
}

/**
 * Refuses request targets that spell a way out before anything decodes or routes them: `..`
 * segments (plain, percent-encoded in any case, or double-encoded), backslashes and NULs. Returns
 * the reason, or null when the target is acceptable.
 */
export function badTarget(raw: string): string | null {
  if (!raw.startsWith("/")) return "not an origin-form target";
  const q = raw.indexOf("?");
  const p = q < 0 ? raw : raw.slice(0, q);
  // Decode repeatedly (a double-encoded `%252e` is `%2e` after one pass) to see every spelling.
  let s = p;
  for (let i = 0; i < 4; i++) {
    if (/\\|\0/.test(s)) return "backslash or NUL in the path";
    if (/(^|\/)\.\.?(\/|$)/.test(s)) return "a '.' or '..' segment in the path";
    let next: string;
    try {
      next = decodeURIComponent(s);
    } catch {
      return "a malformed escape in the path";
    }
    if (next === s) break;
    s = next;
  }
  if (/\\|\0|(^|\/)\.\.?(\/|$)/.test(s)) return "a '.', '..', backslash or NUL in the path";
  return null;
}

/** The app's Content-Security-Policy: its own scripts and styles only, no framing, no forms. */
export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Headers every response gets. No CORS header is ever sent. */
export const COMMON_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** Whether an env variable's value is a secret (its name holds TOKEN, SECRET, KEY or PASSWORD). */
export function isSecretName(name: string): boolean {
  return /TOKEN|SECRET|KEY|PASSWORD/i.test(name);
}

export const REDACTED = "<redacted>";

/** A run's `env` attr with the values of secret-named variables replaced. */
export function redactEnv(env: unknown): unknown {
  if (env === null || typeof env !== "object" || Array.isArray(env)) return env;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env as Record<string, unknown>)) out[k] = isSecretName(k) ? REDACTED : v;
  return out;
}
