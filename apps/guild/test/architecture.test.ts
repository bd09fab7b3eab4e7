import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { repoRoot } from "@guildts/testkit";

/**
 * The layering of ARCHITECTURE.md, checked on the sources: which guildts package may import which,
 * that every import is a declared dependency, and what the pure libraries may not touch.
 * Change a rule here and in ARCHITECTURE.md together.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  "@guildts/py": [],
  "@guildts/runstore": ["@guildts/py"],
  "@guildts/select": ["@guildts/runstore", "@guildts/py"],
  "@guildts/format": ["@guildts/runstore", "@guildts/py"],
  "@guildts/guildfile": ["@guildts/runstore", "@guildts/format", "@guildts/py"],
  "@guildts/runner": ["@guildts/runstore", "@guildts/guildfile", "@guildts/format", "@guildts/py"],
  "@guildts/remote": ["@guildts/runstore", "@guildts/select", "@guildts/format", "@guildts/py"],
  "@guildts/testkit": [],
  "@guildts/plumbing": ["@guildts/runstore", "@guildts/select", "@guildts/format", "@guildts/runner", "@guildts/remote", "@guildts/py"],
  // The view's server calls the plumbing's library functions; its page (src/page) imports none.
  "@guildts/view": ["@guildts/runstore", "@guildts/select", "@guildts/format", "@guildts/plumbing", "@guildts/py"],
  "@guildts/guild": [
    "@guildts/view",
    "@guildts/py",
    "@guildts/runstore",
    "@guildts/select",
    "@guildts/format",
    "@guildts/guildfile",
    "@guildts/runner",
    "@guildts/plumbing",
    "@guildts/view",
    "@guildts/remote",
  ],
};

/** What libs/format may take from runstore: value types and pure helpers, nothing that reads a home. */
const FORMAT_FROM_RUNSTORE = new Set([
  "AttrValue",
  "RunRecord",
  "ScalarSummary",
  "GuildFloat",
  "pythonFloatRepr",
  "scalarKey",
  "setJsonFloatMarker",
  "encodeAttr",
  "opDir",
  "showInput",
  "requireLazy", // loads a package on first use (the bundle's vendor files); reads no home
]);

interface Pkg {
  dir: string;
  name: string;
  deps: Set<string>;
  sources: { file: string; text: string }[];
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

export function packages(root = repoRoot()): Pkg[] {
  return ["libs", "apps"].flatMap((top) =>
    fs
      .readdirSync(path.join(root, top))
      .filter((d) => fs.existsSync(path.join(root, top, d, "package.json")))
      .map((d) => {
        const dir = path.join(root, top, d);
        const json = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        return {
          dir,
          name: json.name as string,
          deps: new Set(Object.keys(json.dependencies ?? {})),
          sources: walk(path.join(dir, "src")).map((file) => ({ file, text: fs.readFileSync(file, "utf8") })),
        };
      }),
  );
}

/** The module specifiers a source imports or re-exports, static or dynamic. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(
    /^\s*(?:import|export)\s[^;"'`]*?from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm,
  )) {
    out.push((m[1] ?? m[2] ?? m[3])!);
  }
  return out;
}

/** The names a source imports from one module (`import { a, type B } from "m"`). */
function namesFrom(text: string, module: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/g)) {
    if (m[2] !== module) continue;
    for (const part of m[1]!.split(",")) {
      const name = part
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)[0]!;
      if (name) out.push(name);
    }
  }
  return out;
}

function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const rel = (f: string) => path.relative(repoRoot(), f);

describe("the layering (ARCHITECTURE.md)", () => {
  const pkgs = packages();

  test("the import scanner sees static, multi-line, re-export and dynamic imports", () => {
    const text =
      'import a from "x";\nimport {\n  b,\n  c,\n} from "@s/y/sub";\nexport * from "./z.js";\nconst m = await import("w");\nimport "side";\n';
    assert.deepEqual(importsOf(text).sort(), ["./z.js", "@s/y/sub", "side", "w", "x"]);
    assert.equal(packageOf("@s/y/sub"), "@s/y");
    assert.equal(packageOf("csv-stringify/sync"), "csv-stringify");
  });

  test("every package is in the table, and its guildts dependencies are ones it may have", () => {
    assert.ok(pkgs.length >= 8, `found the packages: ${pkgs.map((p) => p.name)}`);
    for (const p of pkgs) {
      const allowed = MAY_IMPORT[p.name];
      assert.ok(allowed, `${p.name} is a new package: give it a row in ARCHITECTURE.md and in MAY_IMPORT`);
      for (const d of p.deps) {
        if (d.startsWith("@guildts/")) assert.ok(allowed.includes(d), `${p.name} may not depend on ${d} (ARCHITECTURE.md)`);
      }
    }
  });

  test("every import of a source is a declared dependency (devDependencies are for tests), inside its package", () => {
    for (const p of pkgs) {
      for (const { file, text } of p.sources) {
        for (const spec of importsOf(text)) {
          if (spec.startsWith("node:")) continue;
          if (spec.startsWith(".")) {
            const target = path.resolve(path.dirname(file), spec);
            assert.ok(target.startsWith(path.join(p.dir, "src") + path.sep), `${rel(file)}: '${spec}' leaves its package's src/`);
            continue;
          }
          const dep = packageOf(spec);
          assert.ok(p.deps.has(dep), `${rel(file)} imports '${spec}', not a dependency of ${p.name}`);
          assert.ok(!dep.startsWith("@guildts/") || MAY_IMPORT[p.name]!.includes(dep), `${rel(file)}: ${p.name} may not import ${dep}`);
        }
      }
    }
  });

  test("no library imports an app; plumbing never imports the porcelain", () => {
    const apps = ["@guildts/guild", "@guildts/plumbing"];
    for (const p of pkgs) {
      const forbidden = p.name === "@guildts/plumbing" ? ["@guildts/guild"] : p.dir.includes(`${path.sep}libs${path.sep}`) ? apps : [];
      for (const { file, text } of p.sources) {
        for (const spec of importsOf(text)) assert.ok(!forbidden.includes(packageOf(spec)), `${rel(file)} imports ${spec}`);
      }
    }
  });

  test("libs/select is pure: no file system, processes or threads (node:path only)", () => {
    const select = pkgs.find((p) => p.name === "@guildts/select")!;
    assert.ok(select.sources.length > 0);
    for (const { file, text } of select.sources) {
      for (const spec of importsOf(text)) {
        if (spec.startsWith("node:")) assert.equal(spec, "node:path", `${rel(file)} imports ${spec}`);
      }
      assert.doesNotMatch(text, /\bprocess\.(env|cwd|argv|stdout|stderr)\b/, `${rel(file)} reads the process environment`);
    }
  });

  test("libs/py is pure: it imports no module at all but its own files", () => {
    const py = pkgs.find((p) => p.name === "@guildts/py")!;
    assert.ok(py.sources.length > 0);
    for (const { file, text } of py.sources) {
      for (const spec of importsOf(text)) assert.ok(spec.startsWith("./"), `${rel(file)} imports ${spec}`);
    }
  });

  test("libs/format does not read the store: from runstore only value types and pure helpers; no processes", () => {
    const format = pkgs.find((p) => p.name === "@guildts/format")!;
    for (const { file, text } of format.sources) {
      for (const spec of importsOf(text)) {
        assert.ok(!["node:child_process", "node:worker_threads"].includes(spec), `${rel(file)} imports ${spec}`);
      }
      for (const name of namesFrom(text, "@guildts/runstore")) {
        assert.ok(
          FORMAT_FROM_RUNSTORE.has(name),
          `${rel(file)} imports '${name}' from runstore: if it reads no files, add it to FORMAT_FROM_RUNSTORE`,
        );
      }
    }
  });
});
