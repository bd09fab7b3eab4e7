import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Stack traces of the bundled commands mapped to the TypeScript sources, lazily: installed by
 * every bundle entry (scripts/bundle.mjs) instead of `process.setSourceMapsEnabled(true)`, which
 * reads and indexes every chunk's map at start-up (about 9 ms a command). Here a map is read only
 * when a stack is formatted with a frame in `dir` (an internal error, an uncaught exception), and
 * each frame `FILE:LINE:COLUMN` of the bundle becomes the source's `SOURCE.ts:LINE:COLUMN`.
 */
export function mapBundleStacks(dir: string): void {
  const maps = new Map<string, { map: SourceMap; base: string } | null>();
  const mapOf = (file: string) => {
    let m = maps.get(file);
    if (m === undefined) {
      try {
        const mapFile = `${file}.map`;
        m = { map: new SourceMap(JSON.parse(fs.readFileSync(mapFile, "utf8"))), base: path.dirname(mapFile) };
      } catch {
        m = null;
      }
      maps.set(file, m);
    }
    return m;
  };
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
    const lines = frames.map((frame) => {
      const text = String(frame);
      try {
        let file = frame.getFileName();
        const line = frame.getLineNumber();
        const column = frame.getColumnNumber();
        if (!file || line === null || column === null) return text;
        if (file.startsWith("file:")) file = fileURLToPath(file);
        if (!file.startsWith(dir + path.sep)) return text;
        const m = mapOf(file);
        const entry = m?.map.findEntry(line - 1, column - 1) as
          | { originalSource?: string; originalLine?: number; originalColumn?: number }
          | undefined;
        if (!m || !entry?.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return text;
        const source = path.resolve(m.base, entry.originalSource);
        const from = frame.getFileName()!;
        return text.replace(`${from}:${line}:${column}`, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
      } catch {
        return text;
      }
    });
    let head: string;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = "Error";
    }
    return [head, ...lines.map((l) => `    at ${l}`)].join("\n");
  };
}
