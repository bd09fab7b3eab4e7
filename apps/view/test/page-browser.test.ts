/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page in real Chromium (Debian's, through playwright-core), served by the contract's
// stand-in (fixture-server.ts: guild-ls-runs, the event files, the CLI's update commands) over a
// generated home: the table, sorting and filtering, the charts' pixels, an action and its
// confirmation, the URL round trip after a reload.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { generateHome, runCommand } from "@guildts/testkit";
import type { Browser, Page } from "playwright-core";
import { colouredPixels, chromiumPath, launch, NO_CHROMIUM, visibleIds, waitLoaded, waitRows } from "./browser.js";
import { type Fixture as Served, fixtureServer } from "./fixture-server.js";

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
});
