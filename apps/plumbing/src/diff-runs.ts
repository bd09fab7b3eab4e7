import fs from "node:fs";
import path from "node:path";
import { structuredPatch } from "diff";
import { compareCodePoints, readAttr, readRunBytes, resolveRunPath, RunFileError, runFilesRoot, type RunRecord } from "@guildts/runstore";
import { PLAIN, type Style, type TextFilter } from "@guildts/format";

/**
 * The diff of runs, for `guild diff` and the view's /api/diff: what `guild diff` prints without `-c`: what Guild's default command (`diff -ru`, GNU
 * diffutils) prints, computed by the `diff` library instead of a tool on PATH. Files: a unified
 * diff (3 lines of context) with the files' modification times in the `---`/`+++` headers;
 * directories: recursively, `diff -ru A B` before each pair of differing files, `Only in DIR:
 * NAME` for a name on one side. Links are followed only when `allowed` says their target may
 * be read (inside the store's runs, for run paths); only regular files are read.
 */
export interface DiffSink {
  out(line: string): void;
  warn(message: string): void;
}

export interface DiffView {
  style: Style;
  text: TextFilter;
  /** Whether a real path (a link's target) may be read. */
  allowed(real: string): boolean;
}

/** GNU diff's `%Y-%m-%d %H:%M:%S.%N %z` of a file's mtime, in local time. */
export function diffTime(file: string): string {
  const st = fs.statSync(file, { bigint: true });
  const ms = Number(st.mtimeNs / 1_000_000n);
  const ns = String(st.mtimeNs % 1_000_000_000n).padStart(9, "0");
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? "-" : "+"}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${ns} ${zone}`;
}

const range = (start: number, lines: number) => (lines === 0 ? `${start - 1},0` : lines === 1 ? `${start}` : `${start},${lines}`);

type Kind = "file" | "dir" | "missing" | "other" | "refused";

function kindOf(p: string, view: DiffView): Kind {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return "missing";
  let target = st;
  if (st.isSymbolicLink()) {
    let real: string;
    try {
      real = fs.realpathSync(p);
    } catch {
      return "missing";
    }
    if (!view.allowed(real)) return "refused";
    target = fs.statSync(real);
  }
  return target.isDirectory() ? "dir" : target.isFile() ? "file" : "other";
}

function readForDiff(p: string): Buffer {
  return readRunBytes(fs.realpathSync(p));
}

/** Diffs two files; true when they differ. */
function diffFiles(a: string, b: string, sink: DiffSink, view: DiffView, header?: string): boolean {
  let x: Buffer;
  let y: Buffer;
  try {
    x = readForDiff(a);
    y = readForDiff(b);
  } catch (e) {
    sink.warn(`diff: ${e instanceof RunFileError ? e.message : (e as Error).message}`);
    return false;
  }
  if (x.equals(y)) return false;
  if (header) sink.out(header);
  if (x.subarray(0, 8192).includes(0) || y.subarray(0, 8192).includes(0)) {
    sink.out(`Binary files ${view.text(a)} and ${view.text(b)} differ`);
    return true;
  }
  const patch = structuredPatch(a, b, x.toString("utf8"), y.toString("utf8"), "", "", { context: 3 });
  const { style, text } = view;
  sink.out(style.bold(`--- ${text(a)}\t${diffTime(a)}`));
  sink.out(style.bold(`+++ ${text(b)}\t${diffTime(b)}`));
  for (const h of patch.hunks) {
    sink.out(style.yellow(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`));
    for (const line of h.lines) {
      const shown = text(line);
      sink.out(line.startsWith("-") ? style.red(shown) : line.startsWith("+") ? style.green(shown) : shown);
    }
  }
  return true;
}

function diffDirs(a: string, b: string, sink: DiffSink, view: DiffView): void {
  const names = (d: string) => {
    try {
      return fs.readdirSync(d);
    } catch {
      return [];
    }
  };
  const left = new Set(names(a));
  const right = new Set(names(b));
  const all = [...new Set([...left, ...right])].sort(compareCodePoints);
  for (const name of all) {
    const pa = path.join(a, name);
    const pb = path.join(b, name);
    if (!right.has(name)) {
      sink.out(`Only in ${view.text(a)}: ${view.text(name)}`);
      continue;
    }
    if (!left.has(name)) {
      sink.out(`Only in ${view.text(b)}: ${view.text(name)}`);
      continue;
    }
    const ka = kindOf(pa, view);
    const kb = kindOf(pb, view);
    if (ka === "refused" || kb === "refused") {
      sink.warn(`diff: ${ka === "refused" ? pa : pb}: a link out of the run directory (not followed)`);
    } else if (ka === "dir" && kb === "dir") diffDirs(pa, pb, sink, view);
    else if (ka === "file" && kb === "file") diffFiles(pa, pb, sink, view, `diff -ru ${view.text(pa)} ${view.text(pb)}`);
    else if (ka === "missing" || kb === "missing") sink.warn(`diff: ${ka === "missing" ? pa : pb}: No such file or directory`);
    else if (ka === "other" || kb === "other") sink.warn(`diff: ${ka === "other" ? pa : pb}: not a regular file (not read)`);
    else
      sink.out(
        `File ${view.text(pa)} is a ${ka === "dir" ? "directory" : "regular file"} while file ${view.text(pb)} is a ${kb === "dir" ? "directory" : "regular file"}`,
      );
  }
}

/** `diff -ru A B`, built in: two files, or two directories recursively. */
export function diffPaths(a: string, b: string, sink: DiffSink, view: DiffView): void {
  const ka = kindOf(a, view);
  const kb = kindOf(b, view);
  for (const [k, p] of [
    [ka, a],
    [kb, b],
  ] as const) {
    const problem = {
      missing: "No such file or directory",
      refused: "a link out of the run directory (not followed)",
      other: "not a regular file (not read)",
    }[k as "missing" | "refused" | "other"];
    if (problem) {
      sink.warn(`diff: ${p}: ${problem}`);
      return;
    }
  }
  if (ka === "dir" && kb === "dir") diffDirs(a, b, sink, view);
  else if (ka === "file" && kb === "file") diffFiles(a, b, sink, view);
  else if (ka === "dir") diffPaths(path.join(a, path.basename(b)), b, sink, view);
  else diffPaths(a, path.join(b, path.basename(a)), sink, view);
}

/**
 * The source code dest of a run (Guild's `run_util.sourcecode_dest`: `op.sourcecode.dest`, else
 * the run dir), through runstore's checks (a RunPathError when it leaves the run).
 */
export function runSourcecodeDest(run: RunRecord): string {
  const op = readAttr(run.dir, "op");
  const sc = op && typeof op === "object" && !Array.isArray(op) ? (op as Record<string, unknown>).sourcecode : undefined;
  const dest = sc && typeof sc === "object" && !Array.isArray(sc) ? (sc as Record<string, unknown>).dest : undefined;
  if (typeof dest !== "string" || dest === "") return run.dir;
  return resolveRunPath(run.dir, dest, run.dir);
}

/** What of two runs `guild diff RUN OTHER` compares: its `--attrs`, `-e`, `-f`, `-D`, `-O` and `-s`. */
export interface RunDiffParts {
  attrs?: boolean;
  env?: boolean;
  flags?: boolean;
  deps?: boolean;
  output?: boolean;
  sourcecode?: boolean;
}

/**
 * The pairs of paths `guild diff RUN OTHER` compares for the parts asked, in Guild's order
 * (attrs or env, flags, deps; output; source code); none asked: the run directories.
 */
export function runDiffPairs(run: RunRecord, other: RunRecord, parts: RunDiffParts): [string, string][] {
  const attrs = (r: RunRecord, name?: string) => path.join(r.dir, ".guild", "attrs", ...(name ? [name] : []));
  const pairs: [string, string][] = [];
  if (parts.attrs) pairs.push([attrs(run), attrs(other)]);
  else {
    if (parts.env) pairs.push([attrs(run, "env"), attrs(other, "env")]);
    if (parts.flags) pairs.push([attrs(run, "flags"), attrs(other, "flags")]);
    if (parts.deps) pairs.push([attrs(run, "deps"), attrs(other, "deps")]);
  }
  if (parts.output) pairs.push([path.join(run.dir, ".guild", "output"), path.join(other.dir, ".guild", "output")]);
  if (parts.sourcecode) pairs.push([runSourcecodeDest(run), runSourcecodeDest(other)]);
  return pairs;
}

/** The plain text (no colour, run data as written) of `guild diff RUN OTHER` over its pairs, and its warnings. */
export function diffRunsText(run: RunRecord, other: RunRecord, parts: RunDiffParts): { lines: string[]; warnings: string[] } {
  const pairs = runDiffPairs(run, other, parts);
  if (!pairs.length) pairs.push([run.dir, other.dir]);
  const roots = [runFilesRoot(run.dir), runFilesRoot(other.dir)];
  const plain = (s: string) => s;
  const view: DiffView = {
    style: PLAIN,
    text: plain,
    allowed: (real) => roots.some((r) => real === r || real.startsWith(r + path.sep)),
  };
  const lines: string[] = [];
  const warnings: string[] = [];
  for (const [a, b] of pairs) diffPaths(a, b, { out: (l) => lines.push(l), warn: (m) => warnings.push(m) }, view);
  return { lines, warnings };
}
