import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The page's files (`app.js`, `app.css`: the esbuild bundle of src/page) and the HTML shell that
 * loads them. The bundle is looked for beside this module's bundle (`dist/bin/page/`, where
 * scripts/bundle.mjs puts it) and in the workspace's build (`apps/view/dist/page/`); a
 * placeholder answers while no page is built.
 */
export function pageDirCandidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [
    path.join(here, "page"), // dist/bin/page (the command's bundle)
    path.resolve(here, "..", "..", "page"), // apps/view/dist/src/server -> apps/view/dist/page
    path.resolve(here, "..", "..", "apps", "view", "dist", "page"), // dist/bin -> apps/view/dist/page
  ];
}

export function findPageDir(given?: string): string | null {
  if (given) return given;
  for (const d of pageDirCandidates()) if (fs.existsSync(path.join(d, "app.js"))) return d;
  return null;
}

const PLACEHOLDER_JS =
  'document.getElementById("guild-app").textContent = "guild view: the page is not built (npm run build builds apps/view/dist/page).";\n';

/** One of the page's files, or a placeholder (app.js, app.css) when no page is built. */
export function pageAsset(dir: string | null, name: "app.js" | "app.css"): string {
  if (dir) {
    try {
      return fs.readFileSync(path.join(dir, name), "utf8");
    } catch {
      // fall through to the placeholder
    }
  }
  return name === "app.js" ? PLACEHOLDER_JS : "";
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** The HTML shell of the served app. */
export function shellHtml(csrf: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="guild-csrf" content="${escapeAttr(csrf)}">
<title>guild view</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body>
<div id="guild-app"></div>
</body>
</html>
`;
}

/**
 * JSON that is safe inside a `<script>` element: every `<` as `\u003c` (so no `</script>` or
 * `<!--` can end or change the element; JSON.parse reads it back the same), U+2028/9 escaped.
 */
export function scriptJson(json: string): string {
  return json
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** CSP of an exported file: its inline bundle only, no network at all. */
export const EXPORT_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'; base-uri 'none'; form-action 'none'";

/** A self-contained HTML file: the shell with the bundle and CSS inlined and the data embedded. */
export function exportHtml(js: string, css: string, dataJson: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(EXPORT_CSP)}">
<title>guild view export</title>
<style>${css.replace(/<\/style/gi, "<\\/style")}</style>
</head>
<body>
<div id="guild-app"></div>
<script type="application/json" id="guild-data">${scriptJson(dataJson)}</script>
<script type="module">${js.replace(/<\/script/gi, "<\\/script")}</script>
</body>
</html>
`;
}
