import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fs from "node:fs";
import path from "node:path";
import { generateHome, runCommand, tempDir } from "@guildts/testkit";
import { raw, serve, type Served } from "./helpers.js";

describe("guild view: the command and /api/runs", () => {
  let home: string;
  let s: Served;
  before(async () => {
    home = generateHome({ runs: 30, scalars: true, seed: 7 });
    s = await serve(home);
  });
  after(async () => {
    await s?.stop();
  });

  test("prints one line, http://127.0.0.1:PORT/?token=<64 hex>, and listens on loopback", () => {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    assert.notEqual(s.port, 0);
  });

  test("the token in the URL becomes an HttpOnly SameSite=Strict cookie and a 303 to / (the URL keeps no token)", async () => {
    const r = await fetch(s.url, { redirect: "manual" });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "/");
    assert.equal(r.headers.get("set-cookie"), `guild_view=${s.token}; HttpOnly; SameSite=Strict; Path=/`);
    const page = await fetch(`${s.origin}/`, { headers: { cookie: `guild_view=${s.token}` } });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<meta name="guild-csrf" content="[0-9a-f]{64}">/);
    assert.match(html, /<script type="module" src="\/app\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="\/app\.css">/);
    assert.equal(
      page.headers.get("content-security-policy"),
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    assert.equal(page.headers.get("access-control-allow-origin"), null);
    const js = await fetch(`${s.origin}/app.js`, { headers: s.auth });
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type")!, /^text\/javascript/);
  });

  test("/api/runs is guild-ls-runs --json --scalars, byte for byte", async () => {
    const cli = runCommand("guild-ls-runs", ["-H", home, "--json", "--scalars"], { cwd: home });
    assert.equal(cli.status, 0, cli.stderr);
    const r = await fetch(`${s.origin}/api/runs`, { headers: s.auth });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "application/x-ndjson; charset=utf-8");
    const body = await r.text();
    assert.equal(body.split("\n").length - 1, 30);
    assert.equal(body, cli.stdout);
  });

  test("/api/runs takes the CLI's options by long name, with the CLI's results", async () => {
    const cases: [string, string[]][] = [
      ["status=error", ["-E"]],
      ["status=error&status=terminated", ["-E", "-T"]],
      ["op=train", ["-o", "train"]],
      ["filter=" + encodeURIComponent("loss < 0.5"), ["-F", "loss < 0.5"]],
      ["marked=1", ["-M"]],
      ["run=1&run=3", []],
    ];
    for (const [query, args] of cases) {
      const cli = query.startsWith("run=")
        ? runCommand("guild-rev-parse-run", ["-H", home, "1", "3"], { cwd: home })
        : runCommand("guild-ls-runs", ["-H", home, "--json", "--scalars", ...args], { cwd: home });
      const body = await (await fetch(`${s.origin}/api/runs?${query}`, { headers: s.auth })).text();
      if (query.startsWith("run=")) {
        assert.deepEqual(
          body
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l).id),
          cli.stdout.trim().split("\n"),
          query,
        );
      } else assert.equal(body, cli.stdout, query);
    }
  });

  test("/api/runs?limit=N is the newest N, as the full listing starts; a bad limit is a 400", async () => {
    const all = await (await fetch(`${s.origin}/api/runs`, { headers: s.auth })).text();
    const five = await (await fetch(`${s.origin}/api/runs?limit=5`, { headers: s.auth })).text();
    assert.equal(five, `${all.split("\n").slice(0, 5).join("\n")}\n`);
    for (const bad of ["0", "-1", "x", "1.5"]) {
      const r = await fetch(`${s.origin}/api/runs?limit=${bad}`, { headers: s.auth });
      assert.equal(r.status, 400, bad);
      assert.deepEqual(await r.json(), { error: "parameter 'limit' takes a positive integer" });
    }
  });

  test("an unknown parameter or a bad filter is a 400 with one message", async () => {
    const r = await fetch(`${s.origin}/api/runs?x=1`, { headers: s.auth });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { error: "unknown parameter 'x'" });
    const bad = await fetch(`${s.origin}/api/runs?filter=${encodeURIComponent("acc >")}`, { headers: s.auth });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /syntax error in filter/);
  });

  test("no token, a wrong token, a bad Host: refused, with no detail", async () => {
    const refusedHeaders: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${"0".repeat(64)}` },
      { cookie: `guild_view=${"1".repeat(64)}` },
    ];
    for (const headers of refusedHeaders) {
      const r = await raw(s.port, "GET", "/api/runs", headers);
      assert.equal(r.status, 401);
      assert.equal(r.body, "");
    }
    const wrongUrl = await fetch(`${s.origin}/?token=${"2".repeat(64)}`, { redirect: "manual" });
    assert.equal(wrongUrl.status, 401);
    assert.equal(wrongUrl.headers.get("set-cookie"), null);
    for (const host of ["evil.example:80", `evil.example:${s.port}`, "127.0.0.1.nip.io", `127.0.0.1:${s.port + 1}`]) {
      const r = await raw(s.port, "GET", "/api/runs", { ...s.auth, host });
      assert.equal(r.status, 403, host);
    }
  });

  test("/api/diff is guild diff A B (--flags, --attrs, -O), line for line; bad input refused", async () => {
    const ids = runCommand("guild-ls-runs", ["-H", home, "--json"], { cwd: home })
      .stdout.trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { id: string }).id);
    const [a, b] = [ids[1]!, ids[0]!];
    for (const [what, flag] of [
      ["flags", "--flags"],
      ["attrs", "--attrs"],
      ["output", "-O"],
    ] as const) {
      const cli = runCommand("guild", ["-H", home, "diff", a, b, flag], { cwd: home });
      assert.equal(cli.status, 0, cli.stderr);
      const r = await fetch(`${s.origin}/api/diff?a=${a}&b=${b}&what=${what}`, { headers: s.auth });
      assert.equal(r.status, 200);
      const body = (await r.json()) as { text: string; warnings: string[] };
      assert.equal(body.text ? `${body.text}\n` : "", cli.stdout, what);
      if (what === "flags") assert.match(body.text, /^--- .*attrs\/flags\t/);
    }
    const bad = await fetch(`${s.origin}/api/diff?a=${a}&b=${b}&what=../../etc`, { headers: s.auth });
    assert.equal(bad.status, 400);
    const none = await fetch(`${s.origin}/api/diff?a=${a}&b=${"0".repeat(32)}`, { headers: s.auth });
    assert.equal(none.status, 404);
    assert.equal((await fetch(`${s.origin}/api/diff?a=${a}&b=${b}&x=1`, { headers: s.auth })).status, 400);
    assert.equal((await raw(s.port, "GET", `/api/diff?a=${a}&b=${b}`)).status, 401);
  });

  test("guild view --export: the selected runs in one file, written whole; a bad filter is one line, exit 2, no file", () => {
    const dir = tempDir("guildts-view-export-");
    const file = path.join(dir, "report.html");
    const ok = runCommand("guild", ["-H", home, "view", "-o", "train", "--export", file], { cwd: home });
    assert.equal(ok.status, 0, ok.stderr);
    const n = runCommand("guild-ls-runs", ["-H", home, "-o", "train"], { cwd: home }).stdout.split("\n").filter(Boolean).length;
    assert.equal(ok.stderr, `Wrote ${n} run${n === 1 ? "" : "s"} to ${file}\n`);
    assert.equal(ok.stdout, "");
    const html = fs.readFileSync(file, "utf8");
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    const data = JSON.parse(/<script type="application\/json" id="guild-data">(.*?)<\/script>/s.exec(html)![1]!) as { runs: unknown[] };
    assert.equal(data.runs.length, n);
    assert.ok(!/src="http|href="http/.test(html), "nothing loaded from the network");
    assert.deepEqual(fs.readdirSync(dir), ["report.html"], "no partial file left");
    const bad = runCommand("guild", ["-H", home, "view", "-F", "loss <", "--export", path.join(dir, "bad.html")], { cwd: home });
    assert.equal(bad.status, 2);
    // As guild runs -F says it: Guild's one line, then the hint.
    assert.match(bad.stderr, /^guild: syntax error in filter - [^\n]*\nTry 'guild view --help' for more information\.\n$/);
    assert.deepEqual(fs.readdirSync(dir), ["report.html"]);
  });

  test("Ctrl-C stops the server with exit status 0", async () => {
    const other = await serve(home, ["-o", "train"]);
    assert.match(other.url, /\/\?op=train&token=/);
    assert.equal(await other.stop(), 0);
  });
});
