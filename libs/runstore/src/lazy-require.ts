import { createRequire } from "node:module";

/**
 * Packages loaded synchronously on first use, never at start-up: the YAML fallback, fast-glob,
 * the CSV writer, the JSON5 parser, the zip reader and writer (export/import). In the bundled commands (scripts/bundle.mjs, which reads this
 * list) each is a file of its own, `dist/bin/vendor/<file>.cjs`, beside the chunks.
 */
export const LAZY_PACKAGES = {
  yaml: "yaml",
  "fast-glob": "fast-glob",
  "csv-stringify/sync": "csv-stringify-sync",
  json5: "json5",
  yauzl: "yauzl",
  yazl: "yazl",
} as const;

export type LazyPackage = keyof typeof LAZY_PACKAGES;

/** Defined (as true) by the bundler; undefined when running tsc's output. */
declare const GUILDTS_BUNDLE: boolean | undefined;

/**
 * `require(name)` for a module at `from` (its `import.meta.url`): from node_modules when run from
 * tsc's output, from the bundle's vendor folder when bundled (every chunk is in dist/bin/).
 */
export function requireLazy<T>(from: string, name: LazyPackage): T {
  const bundled = typeof GUILDTS_BUNDLE !== "undefined" && GUILDTS_BUNDLE;
  return createRequire(from)(bundled ? `./vendor/${LAZY_PACKAGES[name]}.cjs` : name) as T;
}
