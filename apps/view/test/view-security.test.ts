import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { generateHome, runCommand } from "@guildts/testkit";
import { csrfOf, logScalars, raw, serve, type Served } from "./helpers.js";

/** The ids of a home's live runs, newest first (guild-ls-runs). */
function ids(home: string, args: string[] = []): string[] {
  const r = runCommand("guild-ls-runs", ["-H", home, "-a", "--json", ...args], { cwd: home });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id);
}

describe("guild view: security and the API against the real server", () => {
  let home: string;
  let s: Served;
  let csrf: string;
  let run: string;
  let runDir: string;
  let runningId: string;
  before(async () => {
    home = generateHome({ runs: 12, scalars: true, seed: 3, runningPid: process.pid });
    const all = ids(home);
    runningId = ids(home, ["--running"])[0]!;
    assert.ok(runningId, "the generated home has a running run");
    run = all.find((i) => i !== runningId)!;
    runDir = path.join(home, "runs", run);
    fs.writeFileSync(path.join(runDir, "hello.txt"), "hello\n");
    fs.writeFileSync(path.join(runDir, "evil.svg"), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    fs.writeFileSync(path.join(runDir, "model.bin"), Buffer.from([0, 1, 2, 3]));
    fs.mkdirSync(path.join(runDir, "sub"));
    fs.writeFileSync(path.join(runDir, "sub", "a.txt"), "a\n");
    fs.writeFileSync(path.join(home, "outside.txt"), "secret outside the run\n");
    fs.symlinkSync(path.join(home, "outside.txt"), path.join(runDir, "link-out.txt"));
    fs.mkdirSync(path.join(home, "outside-dir"));
    fs.writeFileSync(path.join(home, "outside-dir", "x.txt"), "secret outside the run\n");
    fs.symlinkSync(path.join(home, "outside-dir"), path.join(runDir, "dir-out"));
    fs.writeFileSync(path.join(runDir, "page.html"), "<html><script>fetch('/api/runs')</script></html>");
    fs.writeFileSync(path.join(runDir, ".guild", "attrs", "env"), "API_KEY: hunter2\nMY_TOKEN: t0k\nPATH: /usr/bin\n");
    s = await serve(home, ["-a"]);
    csrf = await csrfOf(s);
  });
  after(async () => {
    await s?.stop();
  });

  test("a missing or wrong token is a 401 with no body, on every route", async () => {
    for (const p of ["/", "/app.js", "/api/runs", `/api/runs/${run}`, `/api/runs/${run}/files/hello.txt`, "/api/series", "/api/events"]) {
      const none = await raw(s.port, "GET", p);
      assert.equal(none.status, 401, p);
      assert.equal(none.body, "", p);
      const wrong = await raw(s.port, "GET", p, { authorization: `Bearer ${"0".repeat(64)}` });
      assert.equal(wrong.status, 401, p);
      const cookie = await raw(s.port, "GET", p, { cookie: `guild_view=${"a".repeat(64)}` });
      assert.equal(cookie.status, 401, p);
    }
    assert.equal((await raw(s.port, "GET", `/?token=${"1".repeat(64)}`)).status, 401);
  });

  test("DNS rebinding: a Host outside the allow-list is refused, even with the token", async () => {
    for (const host of ["evil.example", `evil.example:${s.port}`, `127.0.0.1:${s.port + 1}`, "127.0.0.1"]) {
      const r = await raw(s.port, "GET", "/api/runs", { ...s.auth, host });
      assert.equal(r.status, 403, host);
    }
    assert.equal((await raw(s.port, "GET", "/api/runs", { ...s.auth, host: `localhost:${s.port}` })).status, 200);
  });

  test("no CORS header, nosniff everywhere", async () => {
    const r = await raw(s.port, "GET", "/api/runs", { ...s.auth, origin: "http://evil.example" });
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    assert.equal(r.headers["x-content-type-options"], "nosniff");
    const opt = await raw(s.port, "OPTIONS", "/api/actions", { ...s.auth, origin: "http://evil.example" });
    assert.equal(opt.headers["access-control-allow-origin"], undefined);
  });

  const post = (headers: Record<string, string>, body: unknown) =>
    raw(s.port, "POST", "/api/actions", { ...s.auth, ...headers }, typeof body === "string" ? body : JSON.stringify(body));

  test("writes: text/plain, cross-origin, missing or wrong CSRF, GET: all refused, and nothing changes", async () => {
    const body = { action: "label", runs: [run], value: "pwned" };
    const origin = s.origin;
    const cases: [string, Record<string, string>][] = [
      ["text/plain", { "content-type": "text/plain", origin, "x-csrf-token": csrf }],
      ["form", { "content-type": "application/x-www-form-urlencoded", origin, "x-csrf-token": csrf }],
      ["cross-origin", { "content-type": "application/json", origin: "http://evil.example", "x-csrf-token": csrf }],
      ["no origin", { "content-type": "application/json", "x-csrf-token": csrf }],
      ["no csrf", { "content-type": "application/json", origin }],
      ["wrong csrf", { "content-type": "application/json", origin, "x-csrf-token": "f".repeat(64) }],
    ];
    for (const [what, h] of cases) {
      const r = await post(h, body);
      assert.ok(r.status === 403 || r.status === 415, `${what}: ${r.status}`);
    }
    const noAuth = await raw(
      s.port,
      "POST",
      "/api/actions",
      { "content-type": "application/json", origin, "x-csrf-token": csrf },
      JSON.stringify(body),
    );
    assert.equal(noAuth.status, 401);
    assert.equal((await raw(s.port, "GET", "/api/actions", s.auth)).status, 404);
    const label = path.join(runDir, ".guild", "attrs", "label");
    assert.ok(!fs.existsSync(label) || !fs.readFileSync(label, "utf8").includes("pwned"));
  });

  test("actions really label, tag, mark, delete and restore, through the CLI's code", async () => {
    const h = { "content-type": "application/json", origin: s.origin, "x-csrf-token": csrf };
    const ok = async (action: string, value?: string) => {
      const r = await post(h, { action, runs: [run], value });
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(JSON.parse(r.body), { results: [{ id: run, ok: true }] });
    };
    await ok("label", "best one");
    await ok("tag", "keep");
    await ok("mark");
    const rec = runCommand("guild-ls-runs", ["-H", home, "-a", "--json"], { cwd: home })
      .stdout.split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((r) => r.id === run)!;
    assert.equal(rec.label, "best one");
    assert.deepEqual(rec.tags, ["keep"]);
    assert.equal(rec.marked, true);
    await ok("delete");
    assert.ok(!ids(home).includes(run));
    assert.ok(ids(home, ["--deleted"]).includes(run));
    await ok("restore");
    assert.ok(ids(home).includes(run));
    const bad = await post(h, { action: "label", runs: ["f".repeat(32)], value: "x" });
    assert.equal(JSON.parse(bad.body).results[0].ok, false);
    assert.equal((await post(h, { action: "explode", runs: [run] })).status, 400);
  });

  test("run files: traversal in every spelling refused, links out refused", async () => {
    const base = `/api/runs/${run}/files/`;
    for (const t of [
      "../../../etc/passwd",
      "..%2f..%2f..%2fetc%2fpasswd",
      "%2e%2e%2f%2e%2e%2foutside.txt",
      "%2E%2E/outside.txt",
      "%252e%252e%252f%252e%252e%252foutside.txt",
      "..%5c..%5coutside.txt",
      "sub\\..\\..\\outside.txt",
      "hello.txt%00.png",
      "./hello.txt",
      "link-out.txt",
      "dir-out/x.txt",
      "%2fetc%2fpasswd",
      "/etc/passwd",
      "sub/%2e%2e/%2e%2e/outside.txt",
      "%c0%ae%c0%ae/outside.txt",
    ]) {
      const r = await raw(s.port, "GET", base + t, s.auth);
      assert.ok([400, 403, 404].includes(r.status), `${t}: ${r.status}`);
      assert.ok(!r.body.includes("secret outside"), t);
      assert.ok(!r.body.includes("root:"), t);
    }
    const ok = await raw(s.port, "GET", `${base}sub/a.txt`, s.auth);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "a\n");
  });

  test("an SVG with a script is served sandboxed; other types inline or as attachments, nosniff", async () => {
    const base = `/api/runs/${run}/files/`;
    const svg = await raw(s.port, "GET", `${base}evil.svg`, s.auth);
    assert.equal(svg.status, 200);
    assert.equal(svg.headers["content-security-policy"], "sandbox");
    assert.equal(svg.headers["x-content-type-options"], "nosniff");
    const html = await raw(s.port, "GET", `${base}page.html`, s.auth);
    assert.equal(html.status, 200);
    assert.match(html.headers["content-type"]!, /^text\/html/);
    assert.equal(html.headers["content-security-policy"], "sandbox");
    const txt = await raw(s.port, "GET", `${base}hello.txt`, s.auth);
    assert.match(txt.headers["content-type"]!, /^text\/plain/);
    assert.equal(txt.headers["content-disposition"], undefined);
    const bin = await raw(s.port, "GET", `${base}model.bin`, s.auth);
    assert.match(bin.headers["content-disposition"]!, /^attachment/);
    const list = await raw(s.port, "GET", `/api/runs/${run}/files`, s.auth);
    const paths = list.body
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { path: string }).path);
    assert.ok(paths.includes("hello.txt") && paths.includes("sub/a.txt"), paths.join(","));
  });

  test("a run's detail redacts secret env values", async () => {
    const r = await raw(s.port, "GET", `/api/runs/${run}`, s.auth);
    assert.equal(r.status, 200, r.body);
    const d = JSON.parse(r.body) as { record: { id: string }; attrs: { env: Record<string, string> }; scalars: Record<string, unknown> };
    assert.equal(d.record.id, run);
    assert.deepEqual(d.attrs.env, { API_KEY: "<redacted>", MY_TOKEN: "<redacted>", PATH: "/usr/bin" });
    assert.ok(!r.body.includes("hunter2"));
    assert.equal((await raw(s.port, "GET", `/api/runs/${"0".repeat(32)}`, s.auth)).status, 404);
  });

  test("/api/series: columns of every key of N runs in one request", async () => {
    const withScalars = ids(home, ["-F", "loss > 0"]).slice(0, 3);
    assert.ok(withScalars.length >= 2);
    const q = withScalars.map((i) => `run=${i}`).join("&");
    const r = await raw(s.port, "GET", `/api/series?${q}`, s.auth);
    assert.equal(r.status, 200, r.body);
    const body = JSON.parse(r.body) as { runs: Record<string, Record<string, { step: number[]; time: number[]; value: number[] }>> };
    assert.deepEqual(Object.keys(body.runs).sort(), [...withScalars].sort());
    for (const id of withScalars) {
      const loss = body.runs[id]!.loss!;
      assert.ok(loss.step.length > 0);
      assert.equal(loss.step.length, loss.value.length);
      assert.equal(loss.time.length, loss.value.length);
    }
    const one = JSON.parse((await raw(s.port, "GET", `/api/series?${q}&key=acc`, s.auth)).body) as typeof body;
    assert.deepEqual(Object.keys(one.runs[withScalars[0]!]!), ["acc"]);
  });

  test("/api/events: a new point of a running run arrives promptly; nothing is sent when nothing changes", async () => {
    const ac = new AbortController();
    const res = await fetch(`${s.origin}/api/events`, { headers: s.auth, signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let got = "";
    // One read pending at a time (a read abandoned at a timeout still gets the next chunk).
    let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
    const readFor = async (ms: number, until?: (s: string) => boolean) => {
      const end = Date.now() + ms;
      while (Date.now() < end && !(until && until(got))) {
        pending ??= reader.read();
        const r = await Promise.race([pending, new Promise<null>((res) => setTimeout(() => res(null), end - Date.now()))]);
        if (r === null) break;
        pending = null;
        if (r.done) break;
        got += dec.decode(r.value);
      }
    };
    await readFor(1200);
    assert.equal(got.replace(/^: keepalive\n\n/, ""), "", "nothing changed, nothing sent");
    const t0 = Date.now();
    logScalars(path.join(home, "runs", runningId), [["live_loss", 0.25, 7]]);
    const written = Date.now();
    await readFor(3000, (g) => g.includes("live_loss"));
    const latency = Date.now() - written;
    assert.ok(got.includes("live_loss"), `got ${JSON.stringify(got)}; stderr ${s.stderr()}`);
    assert.match(got, /event: series\ndata: \{"run":"[0-9a-f]{32}","key":"live_loss","step":\[7\],"time":\[[0-9.]+\],"value":\[0.25\]\}/);
    // The poll is every 200 ms; the bound here is loose (a loaded CI machine), the figure is logged.
    process.stderr.write(`view events: point received ${latency} ms after being written (${written - t0} ms to write)\n`);
    assert.ok(latency < 2000, `latency ${latency} ms`);
    ac.abort();
  });
});

describe("guild view: where it listens", () => {
  let home: string;
  before(() => {
    home = generateHome({ runs: 2, seed: 5 });
  });

  test("another interface than loopback is refused without --allow-remote: one line, exit 2", () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.1"]) {
      const r = runCommand("guild", ["-H", home, "view", "--no-open", "--host", host], { cwd: home });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(
        r.stderr,
        new RegExp(`^guild: refusing to listen on '${host.replace(/\./g, "\\.")}' \\(not loopback\\) without --allow-remote\\n`),
      );
    }
  });

  test("--allow-remote binds it, with a warning on stderr; the Host allow-list still holds", async () => {
    const s = await serve(home, ["--host", "0.0.0.0", "--allow-remote"]);
    try {
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
      await new Promise((r) => setTimeout(r, 100));
      assert.match(s.stderr(), /warning: listening on 0\.0\.0\.0: anyone who can reach it and has the URL's token/);
      assert.equal((await raw(s.port, "GET", "/api/runs", s.auth)).status, 200);
      assert.equal((await raw(s.port, "GET", "/api/runs", { ...s.auth, host: `evil.example:${s.port}` })).status, 403);
      assert.equal((await raw(s.port, "GET", "/api/runs")).status, 401);
    } finally {
      await s.stop();
    }
  });
});
