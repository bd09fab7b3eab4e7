import fs from "node:fs";
import path from "node:path";
import { toJson } from "@guildts/format";
import { recordsWithScalars } from "@guildts/plumbing";
import { queryRuns } from "./app.js";
import { exportHtml, findPageDir, pageAsset } from "./page.js";
import type { ViewScope } from "./query.js";
import { seriesOf } from "./series.js";

/**
 * `guild view --export FILE`: the runs of the query (the command's runs and filters), their
 * records as /api/runs gives them and every point of their scalars, with the page's bundle, in
 * one HTML file that needs no network. Written whole to a temporary name, then renamed.
 * Returns how many runs it holds.
 */
export function exportView(file: string, scope: ViewScope, query: URLSearchParams, pageDir?: string | null): number {
  const { runs, options } = queryRuns(query, scope);
  const records = [...recordsWithScalars(options, runs)];
  const data = `{"runs":[${records.map((r) => toJson(r)).join(",")}],"series":${JSON.stringify(seriesOf(runs, []))}}`;
  const dir = pageDir === undefined ? findPageDir() : pageDir;
  const html = exportHtml(pageAsset(dir, "app.js"), pageAsset(dir, "app.css"), data);
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.guildts-partial-${process.pid}`);
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, file);
  return runs.length;
}
