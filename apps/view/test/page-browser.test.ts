/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page in real Chromium (Debian's, through playwright-core), served by the real server
// (`guild view --no-open --port 0` over a generated home): the table in the CLI's order, sorting
// and filtering, the charts' pixels, actions and their confirmations (checked with the CLI), live
// points and status of a running run over /api/events, the URL round trip after a reload, the
// export file opened offline. No page may log a console error or throw.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { generateHome, runCommand, tempDir } from "@guildts/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { colouredPixels, chromiumPath, launch, NO_CHROMIUM, visibleIds, waitLoaded, waitRows } from "./browser.js";
import { logScalars, serve, type Served } from "./helpers.js";

const skip = chromiumPath() ? false : NO_CHROMIUM;

interface Rec {
  id: string;
  operation: string;
  status: string;
  label: string | null;
  scalars?: Record<string, { count: number }>;
}
const ls = (home: string, ...args: string[]): Rec[] => {
  const r = runCommand("guild-ls-runs", ["-H", home, "-a", "--json", "--scalars", ...args]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
};

type G = {
  perf: { loadedAt: number; lastSortMs: number; lastChartMs: number };
  store: { runs: Rec[]; loading: boolean; loadedFilter: string | null; error: string };
};
const g = (page: Page) => page.evaluate(() => (window as unknown as { guildView: G }).guildView.store.runs.length);

/** Console errors and uncaught exceptions of every page opened (each test checks none). */
const problems: string[] = [];

/** A new page, in its own context, opened on the server's URL (the token becomes its cookie). */
async function open(browser: Browser, s: Served, hash = ""): Promise<Page> {
  const ctx: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("close", () => void ctx.close().catch(() => {}));
  await page.goto(hash ? `${s.url}#${hash}` : s.url);
  await waitLoaded(page);
  assert.equal(new URL(page.url()).searchParams.get("token"), null, "the token left the URL");
  return page;
}

const waitFilter = (page: Page, filter: string) =>
  page.waitForFunction((f) => {
    const s = (window as unknown as { guildView: G }).guildView.store;
    return s.loadedFilter === f && !s.loading;
  }, filter);

describe("the page in chromium", { skip }, () => {
  let browser: Browser;
  let home: string;
  let s: Served;
  before(async () => {
    home = generateHome({ runs: 300, scalars: true, runningPid: process.pid });
    browser = await launch();
    s = await serve(home, ["-a"]);
  });
  afterEach(() => {
    assert.deepEqual(problems.splice(0), [], "no console error, no exception");
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test("the table shows every run, only the rows in view in the DOM, and sorts on a click", async () => {
    const expected = ls(home);
    const page = await open(browser, s);
    assert.equal(await g(page), expected.length);
    const rows = await page.locator(".tr").count();
    assert.ok(rows > 10 && rows < 100, `${rows} row elements for ${expected.length} runs`);
    // Newest first, as guild-ls-runs lists them (runs not started yet where the CLI puts them).
    const first = await visibleIds(page);
    assert.deepEqual(
      first.slice(0, 10),
      expected.slice(0, 10).map((r) => r.id),
    );
    assert.ok(
      expected.slice(0, 10).some((r) => r.status === "pending" || r.status === "staged"),
      "a run not started is in view",
    );
    const storeOrder = await page.evaluate(() => {
      const v = (window as unknown as { guildView: { store: { runs: Rec[]; order: Uint32Array } } }).guildView.store;
      return [...v.order].map((i) => v.runs[i]!.id);
    });
    assert.deepEqual(
      storeOrder,
      expected.map((r) => r.id),
    );

    await page.click('.th[data-col="operation"]');
    await page.waitForSelector('.th.sorted.asc[data-col="operation"]');
    await page.waitForTimeout(50);
    await waitRows(page);
    const sortedOps = [...expected.map((r) => r.operation)].sort();
    const ops = await page.$$eval(".tr:not([hidden])", (els) =>
      els
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .slice(0, 5)
        .map((e) => e.children[2]!.textContent),
    );
    assert.deepEqual(ops, sortedOps.slice(0, 5));
    await page.click('.th[data-col="operation"]');
    await page.waitForSelector('.th.sorted.desc[data-col="operation"]');
    await page.waitForTimeout(50);
    await waitRows(page);
    const opsDesc = await page.$$eval(".tr:not([hidden])", (els) =>
      els.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top).map((e) => e.children[2]!.textContent),
    );
    assert.equal(opsDesc[0], sortedOps[sortedOps.length - 1]);

    // Scrolling to the end shows the last rows, still with few row elements.
    await page.$eval(".tbody", (b) => (b.scrollTop = b.scrollHeight));
    await page.waitForTimeout(100);
    assert.ok((await page.locator(".tr").count()) < 100);
    await page.close();
  });

  test("the filter box takes the CLI's filter language, through /api/runs?filter=", async () => {
    const page = await open(browser, s);
    const filter = "status = completed";
    await page.fill('input[name="filter"]', filter);
    await page.press('input[name="filter"]', "Enter");
    await waitFilter(page, filter);
    assert.equal(await g(page), ls(home, "-F", filter).length);
    assert.match(await page.evaluate(() => location.hash), /filter=status/);
    await page.fill('input[name="filter"]', "loss <");
    await page.press('input[name="filter"]', "Enter");
    await waitFilter(page, "loss <");
    assert.notEqual(await page.textContent("header .error"), "");
    // The 400 of the bad filter is the one console line chromium logs (the error is on the page).
    const i = problems.findIndex((p) => /status of 400 .*\/api\/runs\?filter=loss/.test(p));
    assert.ok(i >= 0, problems.join("\n"));
    problems.splice(i, 1);
    await page.close();
  });

  test("charts draw every selected run's curve (pixels read back from the canvas), log scale and zoom in the URL", async () => {
    const ids = ls(home)
      .filter((r) => (r.scalars?.loss?.count ?? 0) >= 3)
      .slice(0, 3)
      .map((r) => r.id);
    assert.equal(ids.length, 3);
    const page = await open(browser, s, `view=charts&sel=${ids.join(",")}`);
    await page.waitForSelector('.chart[data-key="loss"] canvas');
    await page.waitForFunction(() => !!document.querySelector(".chart[data-drawn]"));
    const drawn = await colouredPixels(page, '.chart[data-key="loss"] canvas');
    assert.ok(drawn > 50, `${drawn} coloured pixels`);
    await page.check('input[name="log"]');
    await page.waitForFunction(() => location.hash.includes("log=1"));
    assert.ok((await colouredPixels(page, '.chart[data-key="loss"] canvas')) > 50);
    // Drag across the plot: the zoom goes into the URL.
    const over = page.locator('.chart[data-key="loss"] .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => location.hash.includes("zoom="));
    await page.close();
  });

  test("an action asks for confirmation, and then really labels the run", async () => {
    const target = ls(home)[5]!;
    const page = await open(browser, s);
    await page.click(`.tr[data-id="${target.id}"] .check`);
    await page.click('button[data-action="label"]');
    await page.fill('.confirm input[name="value"]', "from the page");
    await page.click(".confirm-cancel");
    assert.equal(await page.locator(".modal").count(), 0);
    assert.equal(ls(home).find((r) => r.id === target.id)!.label, target.label, "cancel changes nothing");
    await page.click('button[data-action="label"]');
    assert.match((await page.textContent(".confirm p"))!, /label 1 selected run\?/);
    await page.fill('.confirm input[name="value"]', "from the page");
    await page.click(".confirm-ok");
    await page.waitForFunction(() => document.querySelector(".actions .message")?.textContent?.includes("done"));
    assert.equal(ls(home).find((r) => r.id === target.id)!.label, "from the page");
    // The row shows it without a reload (the page lists again after an action).
    await page.waitForFunction((id) => document.querySelector(`.tr[data-id="${id}"]`)?.textContent?.includes("from the page"), target.id);
    await page.click('button[data-action="tag"]');
    await page.fill('.confirm input[name="value"]', "keep");
    await page.click(".confirm-ok");
    await page.waitForFunction(() => document.querySelector(".actions .message")?.textContent?.startsWith("tag: 1 run(s) done"));
    await page.click('button[data-action="mark"]');
    assert.match((await page.textContent(".confirm p"))!, /mark 1 selected run\?/);
    await page.click(".confirm-ok");
    await page.waitForFunction(() => document.querySelector(".actions .message")?.textContent?.startsWith("mark: 1 run(s) done"));
    const after = ls(home).find((r) => r.id === target.id)! as Rec & { tags: string[]; marked: boolean };
    assert.deepEqual(after.tags, ["keep"]);
    assert.equal(after.marked, true);
    await page.close();
  });

  test("delete moves a run to the trash and restore brings it back, both confirmed", async () => {
    const target = ls(home)[7]!;
    const page = await open(browser, s);
    await page.click(`.tr[data-id="${target.id}"] .check`);
    await page.click('button[data-action="delete"]');
    assert.match((await page.textContent(".confirm p"))!, /trash/);
    await page.click(".confirm-ok");
    await page.waitForFunction(() => document.querySelector(".actions .message")?.textContent?.includes("done"));
    assert.ok(ls(home, "--deleted").some((r) => r.id === target.id));
    // The trash: the page opened with ?deleted=1 lists the deleted runs.
    await page.goto(`${s.origin}/?deleted=1`);
    await waitLoaded(page);
    await page.click(`.tr[data-id="${target.id}"] .check`);
    await page.click('button[data-action="restore"]');
    await page.click(".confirm-ok");
    await page.waitForFunction(() => document.querySelector(".actions .message")?.textContent?.includes("done"));
    assert.ok(ls(home).some((r) => r.id === target.id));
    await page.close();
  });

  test("every view state survives a reload: filter, columns, sort, selection, chart settings, same pixels", async () => {
    const page = await open(browser, s);
    await page.click(".columns-button");
    await page.check('.columns-chooser input[data-col="flag:lr"]');
    await page.click('.th[data-col="flag:lr"]');
    await page.waitForSelector('.th.sorted[data-col="flag:lr"]');
    const ids = await visibleIds(page);
    await page.click(`.tr[data-id="${ids[0]}"] .check`);
    await page.click(`.tr[data-id="${ids[1]}"] .check`);
    await page.fill('input[name="filter"]', "flag:lr > 0");
    await page.press('input[name="filter"]', "Enter");
    await waitFilter(page, "flag:lr > 0");
    const hash = await page.evaluate(() => location.hash);
    await page.waitForTimeout(50);
    const before = await visibleIds(page);
    await page.reload();
    await waitLoaded(page);
    assert.equal(await page.evaluate(() => location.hash), hash);
    assert.equal(await page.inputValue('input[name="filter"]'), "flag:lr > 0");
    assert.equal(await page.locator('.th.sorted[data-col="flag:lr"]').count(), 1);
    assert.deepEqual(await visibleIds(page), before);
    assert.equal(await page.locator(".tr.selected").count(), 2);

    // A chart view: the same pixels after a reload.
    const ls3 = ls(home)
      .filter((r) => (r.scalars?.loss?.count ?? 0) >= 2)
      .slice(0, 4)
      .map((r) => r.id);
    await page.goto(`${s.origin}/#view=charts&sel=${ls3.join(",")}&keys=loss&smooth=0.5`);
    await page.waitForFunction(() => !!document.querySelector(".chart[data-drawn] canvas"));
    const pixels = () => page.evaluate(() => document.querySelector<HTMLCanvasElement>(".chart canvas")!.toDataURL());
    const shot1 = await pixels();
    await page.reload();
    await waitLoaded(page);
    await page.waitForFunction(() => !!document.querySelector(".chart[data-drawn] canvas"));
    const shot2 = await pixels();
    assert.ok(shot1.length > 1000);
    assert.equal(shot1, shot2, "the chart's pixels after the reload are the same");
    await page.close();
  });

  test("an export file (guild view --export) opens offline: no request, table and charts, no actions", async () => {
    const runs = ls(home)
      .filter((r) => (r.scalars?.loss?.count ?? 0) >= 2)
      .slice(0, 3);
    // Run data that would end the script element holding it, in a label.
    const evil = "</script><script>window.pwned=1</script><!--";
    const u = runCommand("guild-update-attrs", ["-H", home, "--stdin"], { input: `${JSON.stringify({ id: runs[0]!.id, label: evil })}\n` });
    assert.equal(u.status, 0, u.stderr);
    const file = path.join(tempDir("guildts-view-export-"), "runs.html");
    const r = runCommand("guild", ["-H", home, "view", ...runs.map((x) => x.id), "--export", file], { cwd: home });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, `Wrote 3 runs to ${file}\n`);
    const ctx = await browser.newContext({ offline: true });
    const requests: string[] = [];
    ctx.on("request", (req) => requests.push(req.url()));
    const page = await ctx.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    const url = pathToFileURL(file).href;
    await page.goto(url);
    await waitLoaded(page);
    assert.equal(await g(page), runs.length);
    assert.deepEqual(
      await visibleIds(page),
      runs.map((x) => x.id),
    );
    assert.equal(await page.locator("button[data-action]").count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    assert.ok((await page.textContent(`.tr[data-id="${runs[0]!.id}"]`))!.includes("</script>"), "the label shown as text");
    // The charts of the file's runs (every run when the URL selects none), pixels drawn.
    await page.goto(`${url}#view=charts`);
    await page.waitForFunction(() => !!document.querySelector('.chart[data-key="loss"][data-drawn] canvas'));
    assert.ok((await colouredPixels(page)) > 50);
    assert.equal(await page.locator('.chart[data-key="loss"] .u-legend .u-series').count(), runs.length + 1);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith("file:")),
      [],
      "no request left the file",
    );
    await ctx.close();
  });

  test("live: a running run's new point is drawn without a reload, its end reaches its row", async () => {
    const running = ls(home, "--running")[0]!;
    assert.ok(running, "the home has a running run");
    const dir = path.join(home, "runs", running.id);
    logScalars(dir, [["loss", 0.5, 1]]);
    const page = await open(browser, s, `view=charts&sel=${running.id}&keys=loss`);
    await page.waitForFunction(() => !!document.querySelector('.chart[data-key="loss"][data-drawn]'));
    const count = () =>
      page.evaluate(
        (id) =>
          (window as unknown as { guildView: { store: { series: Record<string, Record<string, { step: number[] }>> } } }).guildView.store
            .series[id]?.loss?.step.length ?? 0,
        running.id,
      );
    const n = await count();
    // The page's stream is open (one /api/events per tab) before the point is written.
    await page.waitForTimeout(300);
    const drawn = await page.getAttribute('.chart[data-key="loss"]', "data-drawn");
    logScalars(dir, [["loss", 0.25, 2]]);
    const t0 = Date.now();
    await page.waitForFunction((before) => document.querySelector('.chart[data-key="loss"]')?.getAttribute("data-drawn") !== before, drawn);
    process.stderr.write(`# live point drawn ${Date.now() - t0} ms after it was written (the bench measures the bound)\n`);
    assert.equal(await count(), n + 1);
    // The run ends: the server's next look at running runs sends its record; the row changes.
    await page.goto(`${s.origin}/#view=runs`);
    await waitLoaded(page);
    await waitRows(page);
    assert.equal(await page.getAttribute(`.tr[data-id="${running.id}"]`, "data-status"), "running");
    fs.writeFileSync(path.join(dir, ".guild", "attrs", "exit_status"), "0\n");
    fs.writeFileSync(path.join(dir, ".guild", "attrs", "stopped"), `${Date.now() * 1000}\n`);
    fs.rmSync(path.join(dir, ".guild", "LOCK"));
    await page.waitForFunction(
      (id) => document.querySelector(`.tr[data-id="${id}"]`)?.getAttribute("data-status") === "completed",
      running.id,
    );
    await page.close();
  });

  test("the run page shows the run's fields, flags, scalars, output and a file's preview", async () => {
    const run = ls(home).find((r) => (r.scalars?.loss?.count ?? 0) >= 2 && r.operation.includes("train"))!;
    fs.writeFileSync(path.join(home, "runs", run.id, "notes.txt"), "a note in the run\n");
    fs.writeFileSync(path.join(home, "runs", run.id, ".guild", "output"), "hello from the run\n");
    const page = await open(browser, s);
    await page.click(`.tr[data-id="${run.id}"] a`);
    await page.waitForSelector(".run-page .kv");
    assert.match(await page.evaluate(() => location.hash), new RegExp(`view=run&run=${run.id}`));
    const text = (await page.textContent(".run-page"))!;
    assert.ok(text.includes(run.id) && text.includes(run.operation) && text.includes("loss"), text.slice(0, 300));
    assert.match((await page.textContent("pre.output"))!, /hello from the run/);
    await page.click('.files button:text("notes.txt")');
    await page.waitForSelector("pre.preview");
    assert.equal(await page.textContent("pre.preview"), "a note in the run\n");
    await page.close();
  });

  test("the diff view shows guild diff of the two selected runs, and what to diff is in the URL", async () => {
    const [a, b] = ls(home).filter((r) => r.status === "completed");
    const page = await open(browser, s, `view=diff&sel=${a!.id},${b!.id}`);
    await page.waitForSelector(".diff-text .hunk");
    const cli = runCommand("guild", ["-H", home, "diff", a!.id, b!.id, "--flags"], { cwd: home });
    assert.equal(cli.status, 0, cli.stderr);
    const lines = await page.$$eval(".diff-text > div", (els) => els.map((e) => e.textContent));
    assert.deepEqual(lines, cli.stdout.replace(/\n$/, "").split("\n"));
    assert.ok((await page.locator(".diff-text .add").count()) > 0 && (await page.locator(".diff-text .del").count()) > 0);
    await page.selectOption('select[name="what"]', "output");
    await page.waitForFunction(() => location.hash.includes("what=output"));
    await page.waitForFunction(() => !document.querySelector(".diff-text")?.textContent?.includes("attrs/flags"));
    await page.close();
  });

  test("in the browser: a run's SVG runs no script; a page on another origin cannot act or read, even with the cookie", async () => {
    const target = ls(home).find((r) => r.status === "completed")!;
    const dir = path.join(home, "runs", target.id);
    fs.writeFileSync(
      path.join(dir, "plot.svg"),
      '<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("/api/runs?from=svg")</script><circle r="5"/></svg>',
    );
    fs.writeFileSync(path.join(dir, "report.html"), '<html><body><script>fetch("/api/runs?from=html")</script>hi</body></html>');
    const page = await open(browser, s);
    const seen: string[] = [];
    page.on("request", (r) => seen.push(r.url()));
    for (const f of ["plot.svg", "report.html"]) {
      const res = await page.goto(`${s.origin}/api/runs/${target.id}/files/${f}`);
      assert.equal(res!.status(), 200);
      await page.waitForTimeout(200);
    }
    assert.deepEqual(
      seen.filter((u) => u.includes("from=")),
      [],
      "no script of the run ran",
    );
    // Another origin on loopback (same site: the SameSite cookie goes along), in the same browser.
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(`<!doctype html><body><form id="f" method="POST" action="${s.origin}/api/actions" enctype="text/plain">
<input name='{"action":"label","runs":["${target.id}"],"value":"pwned","x":"' value='"}'></form>
<script>
window.results = [];
const body = JSON.stringify({ action: "label", runs: ["${target.id}"], value: "pwned" });
fetch("${s.origin}/api/actions", { method: "POST", mode: "no-cors", credentials: "include", headers: { "Content-Type": "text/plain" }, body })
  .then(() => results.push("no-cors sent"), (e) => results.push("no-cors " + e));
fetch("${s.origin}/api/actions", { method: "POST", credentials: "include", headers: { "Content-Type": "application/json" }, body })
  .then(() => results.push("json read"), () => results.push("json blocked"));
fetch("${s.origin}/api/runs", { credentials: "include" }).then((r) => r.text()).then(() => results.push("runs read"), () => results.push("runs blocked"));
</script></body>`);
    });
    await new Promise<void>((r) => evil.listen(0, "127.0.0.1", r));
    try {
      const port = (evil.address() as AddressInfo).port;
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => (window as unknown as { results: string[] }).results.length === 3);
      const results = await page.evaluate(() => (window as unknown as { results: string[] }).results);
      assert.ok(results.includes("json blocked") && results.includes("runs blocked"), results.join(", "));
      await page.evaluate(() => (document.getElementById("f") as HTMLFormElement).submit());
      await page.waitForLoadState();
      await page.waitForTimeout(200);
    } finally {
      evil.closeAllConnections();
      evil.close();
    }
    assert.notEqual(ls(home).find((r) => r.id === target.id)!.label, "pwned");
    // Chromium logs the blocked reads (CORS) and the refused form post; they are this test's point.
    problems.splice(0);
    await page.close();
  });

  test("parallel coordinates and the scatter draw every run (pixels read back)", async () => {
    const page = await open(browser, s, "view=plots&metric=scalar:loss");
    await page.waitForSelector("canvas.parallel");
    await page.waitForTimeout(100);
    assert.ok((await colouredPixels(page, "canvas.parallel")) > 200);
    assert.ok((await colouredPixels(page, "canvas.scatter")) > 20);
    await page.close();
  });
});
