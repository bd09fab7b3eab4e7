/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page in real Chromium (Debian's, through playwright-core), served by the contract's
// stand-in (fixture-server.ts: guild-ls-runs, the event files, the CLI's update commands) over a
// generated home: the table, sorting and filtering, the charts' pixels, an action and its
// confirmation, the URL round trip after a reload.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateHome, runCommand, tempDir } from "@guildts/testkit";
import type { Browser, Page } from "playwright-core";
import { colouredPixels, chromiumPath, launch, NO_CHROMIUM, visibleIds, waitLoaded, waitRows } from "./browser.js";
import { type Fixture as Served, fixtureServer, series } from "./fixture-server.js";

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

async function open(browser: Browser, s: Served, hash = ""): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(hash ? `${s.origin}/#${hash}` : s.url);
  await waitLoaded(page);
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
    home = generateHome({ runs: 300, scalars: true });
    browser = await launch();
    s = await fixtureServer(home);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test("the table shows every run, only the rows in view in the DOM, and sorts on a click", async () => {
    const expected = ls(home);
    const page = await open(browser, s);
    assert.equal(await g(page), expected.length);
    const rows = await page.locator(".tr").count();
    assert.ok(rows > 10 && rows < 100, `${rows} row elements for ${expected.length} runs`);
    // Newest first, as guild-ls-runs lists them.
    const first = await visibleIds(page);
    assert.deepEqual(
      first.slice(0, 10),
      expected.slice(0, 10).map((r) => r.id),
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

  test("an export file opens offline (file://, no request) from #guild-data: table and charts, no actions", async () => {
    // The export's layout (view-api.md): the bundle and CSS inlined, the data in #guild-data.
    const page0 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "page");
    const runs = ls(home)
      .filter((r) => (r.scalars?.loss?.count ?? 0) >= 2)
      .slice(0, 3);
    const data = { runs, series: Object.fromEntries(runs.map((r) => [r.id, series(home, r.id)])) };
    const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'";
    const html = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><style>${fs.readFileSync(path.join(page0, "app.css"), "utf8")}</style></head><body><div id="guild-app"></div><script type="application/json" id="guild-data">${JSON.stringify(data).replace(/<\//g, "<\\/")}</script><script type="module">${fs.readFileSync(path.join(page0, "app.js"), "utf8").replace(/<\/script/gi, "<\\/script")}</script></body></html>`;
    const file = path.join(tempDir("guildts-view-export-"), "runs.html");
    fs.writeFileSync(file, html);
    const ctx = await browser.newContext({ offline: true });
    const requests: string[] = [];
    ctx.on("request", (req) => requests.push(req.url()));
    const page = await ctx.newPage();
    const url = pathToFileURL(file).href;
    await page.goto(url);
    await waitLoaded(page);
    assert.equal(await g(page), runs.length);
    assert.deepEqual([...(await visibleIds(page))].sort(), runs.map((r) => r.id).sort());
    assert.equal(await page.locator("button[data-action]").count(), 0);
    await page.goto(`${url}#view=charts&sel=${runs.map((r) => r.id).join(",")}`);
    await page.waitForFunction(() => !!document.querySelector('.chart[data-key="loss"][data-drawn] canvas'));
    assert.ok((await colouredPixels(page)) > 50);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith("file:")),
      [],
      "no request left the file",
    );
    await ctx.close();
  });

  test("live: a new point from /api/events reaches the chart, a changed record its row, without a reload", async () => {
    const run = ls(home).filter((r) => (r.scalars?.loss?.count ?? 0) >= 2)[0]!;
    const page = await open(browser, s, `view=charts&sel=${run.id}&keys=loss`);
    await page.waitForFunction(() => !!document.querySelector('.chart[data-key="loss"][data-drawn]'));
    const count = () =>
      page.evaluate(
        (id) =>
          (window as unknown as { guildView: { store: { series: Record<string, Record<string, { step: number[] }>> } } }).guildView.store
            .series[id]?.loss?.step.length ?? 0,
        run.id,
      );
    const n = await count();
    const drawn = await page.getAttribute('.chart[data-key="loss"]', "data-drawn");
    const t0 = Date.now();
    s.push("series", JSON.stringify({ run: run.id, key: "loss", step: [1000], time: [1000], value: [0.001] }));
    await page.waitForFunction((before) => document.querySelector('.chart[data-key="loss"]')?.getAttribute("data-drawn") !== before, drawn);
    process.stderr.write(`# live point drawn ${Date.now() - t0} ms after the event was sent\n`);
    assert.equal(await count(), n + 1);
    await page.goto(`${s.origin}/#view=runs`);
    await waitLoaded(page);
    await waitRows(page);
    const first = (await visibleIds(page))[0]!;
    const rec = ls(home).find((r) => r.id === first)!;
    s.push("runs", JSON.stringify({ ...rec, label: "changed live", status: "running" }));
    await page.waitForFunction((id) => document.querySelector(`.tr[data-id="${id}"]`)?.textContent?.includes("changed live"), first);
    assert.equal(await page.getAttribute(`.tr[data-id="${first}"]`, "data-status"), "running");
    await page.close();
  });

  test("the run page shows the run's fields, flags, scalars, output and a file's preview", async () => {
    const run = ls(home).find((r) => (r.scalars?.loss?.count ?? 0) >= 2 && r.operation.includes("train"))!;
    fs.writeFileSync(path.join(home, "runs", run.id, "notes.txt"), "a note in the run\n");
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

  test("parallel coordinates and the scatter draw every run (pixels read back)", async () => {
    const page = await open(browser, s, "view=plots&metric=scalar:loss");
    await page.waitForSelector("canvas.parallel");
    await page.waitForTimeout(100);
    assert.ok((await colouredPixels(page, "canvas.parallel")) > 200);
    assert.ok((await colouredPixels(page, "canvas.scatter")) > 20);
    await page.close();
  });
});
