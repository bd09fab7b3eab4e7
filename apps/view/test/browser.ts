/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Real Chromium for the page tests: Debian's `chromium` driven by playwright-core through
// executablePath (no browser download). Without chromium the browser tests skip, saying why;
// under GUILDTS_REQUIRE_TOOLS (CI) its absence is a failure (hasTool throws).
import { spawnSync } from "node:child_process";
import { hasTool } from "@guildts/testkit";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The chromium binary, or null (the test then skips with this reason). */
export function chromiumPath(): string | null {
  if (!hasTool("chromium")) return null;
  return spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).stdout.trim() || null;
}

export const NO_CHROMIUM = "chromium is not installed (apt-get install chromium; .ci/run installs it)";

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
}

/** Waits until the page has its whole listing (window.guildView.perf.loadedAt). */
export async function waitLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const g = (window as unknown as { guildView?: { perf: { loadedAt: number }; store: { loading: boolean } } }).guildView;
    return !!g && g.perf.loadedAt > 0 && !g.store.loading;
  });
}

/** Waits until the table has drawn rows (it draws on the next animation frame). */
export async function waitRows(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll(".tr[data-id]:not([hidden])").length > 0);
}

/** The ids of the table's rows in the DOM, top to bottom. */
export async function visibleIds(page: Page): Promise<string[]> {
  await waitRows(page);
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>(".tr:not([hidden])")]
      .filter((r) => r.dataset.id)
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((r) => r.dataset.id!),
  );
}

/** How many pixels of the chart canvases are coloured (a run's line, not the grid or text). */
export async function colouredPixels(page: Page, selector = ".chart canvas"): Promise<number> {
  return page.evaluate((sel) => {
    let n = 0;
    for (const c of document.querySelectorAll<HTMLCanvasElement>(sel)) {
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i]!;
        const g = d[i + 1]!;
        const b = d[i + 2]!;
        if (d[i + 3]! > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
      }
    }
    return n;
  }, selector);
}
