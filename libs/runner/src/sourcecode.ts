import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type FastGlob from "fast-glob";
import { requireLazy, shlexQuote } from "@guildts/runstore";

/**
 * The source code snapshot (spec §4.10), default rules for a project that is not a git repo:
 * skip directories starting with `.` or holding `.guild-nocopy`, Python's build and cache
 * directories; copy text files of at most 1 MiB, at most 100 of them. `sourcecode: no` copies
 * nothing; a string or list of strings copies only files matching those patterns.
 */
const MAX_FILES = 100;
const MAX_SIZE = 1 << 20;
const SKIP_DIRS = ["__pycache__", "build", "dist", "venv", ".venv", "env", "node_modules"];

export interface SourcecodeResult {
  files: string[];
  digest: string | null;
  warnings: string[];
}

function isText(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(1024);
    const n = fs.readSync(fd, buf, 0, 1024, 0);
    return !buf.subarray(0, n).includes(0);
  } finally {
    fs.closeSync(fd);
  }
}

export function copySourcecode(root: string, runDir: string, config: unknown, dest = "."): SourcecodeResult {
  const warnings: string[] = [];
  if (config === false || process.env.NO_SOURCECODE === "1") return { files: [], digest: null, warnings };
  const patterns =
    typeof config === "string"
      ? [config]
      : Array.isArray(config) && config.every((x) => typeof x === "string")
        ? (config as string[])
        : ["**"];
  const fg = requireLazy<typeof FastGlob>(import.meta.url, "fast-glob");
  const nocopy = new Set(fg.sync("**/.guild-nocopy", { cwd: root, dot: true }).map((p) => path.dirname(p)));
  const candidates = fg
    .sync(patterns, {
      cwd: root,
      dot: false,
      onlyFiles: true,
      followSymbolicLinks: false,
      ignore: SKIP_DIRS.map((d) => `**/${d}/**`).concat(["**/*.egg-info/**"]),
    })
    .filter((rel) => ![...nocopy].some((d) => d === "." || rel.startsWith(d + "/")))
    .sort();
  const files: string[] = [];
  for (const rel of candidates) {
    const src = path.join(root, rel);
    const st = fs.statSync(src);
    if (st.size > MAX_SIZE || !isText(src)) continue;
    if (files.length >= MAX_FILES) {
      warnings.push(`Found more than ${MAX_FILES} source code files but will only copy ${MAX_FILES}`);
      break;
    }
    files.push(rel);
  }
  const manifest: string[] = [];
  for (const rel of files) {
    const runRel = path.join(dest, rel);
    const target = path.join(runDir, runRel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(root, rel), target);
    const sha1 = crypto.createHash("sha1").update(fs.readFileSync(target)).digest("hex");
    manifest.push(["s", runRel, sha1, rel].map(shlexQuote).join(" "));
  }
  fs.writeFileSync(path.join(runDir, ".guild", "manifest"), manifest.map((l) => l + "\n").join(""));
  // md5 over the sorted run-relative paths: path, NUL, bytes, NUL (spec §4.10).
  const md5 = crypto.createHash("md5");
  for (const rel of files.map((f) => path.join(dest, f)).sort()) {
    md5
      .update(rel, "utf8")
      .update(Buffer.from([0]))
      .update(fs.readFileSync(path.join(runDir, rel)))
      .update(Buffer.from([0]));
  }
  return { files, digest: files.length ? md5.digest("hex") : null, warnings };
}
