import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { assertBundleFresh, bundlePathDir, commandEnv, hasTool, repoRoot, tempDir } from "@guildts/testkit";

/**
 * The README cannot drift: every ```console block after a `<!-- readme-test -->` line is run, on
 * a fresh copy of the home `npm run demo` leaves (made here with `node scripts/demo.mjs DIR`),
 * one shell per block in the order written (a `cd` holds for the rest of the block), and what
 * each `$ COMMAND` prints (stdout and stderr, as a terminal would interleave them) must be the
 * lines under it. Ids, dates, times and durations are masked on both sides: the demo's real runs
 * get new ones on every machine. The README says `/tmp/guildts-demo`; here it is a temp dir.
 *
 * To update a block: README_TEST_DUMP=FILE writes what every block printed to FILE.
 */
const README = path.join(repoRoot(), "README.md");
const DEMO_ROOT = "/tmp/guildts-demo";
const MARK = "<!-- readme-test -->";

interface Step {
  command: string;
  expected: string[];
}
interface Block {
  line: number;
  steps: Step[];
}

/** The checked blocks of a README: each `$ ` line a command, the lines under it its output. */
export function readmeBlocks(text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== MARK) continue;
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() === "") j++;
    assert.equal(lines[j], "```console", `README.md:${j + 1}: a ${MARK} line must be followed by a \`\`\`console block`);
    const block: Block = { line: j + 1, steps: [] };
    for (j++; j < lines.length && lines[j] !== "```"; j++) {
      const l = lines[j]!;
      if (l.startsWith("$ ")) block.steps.push({ command: l.slice(2), expected: [] });
      else {
        assert.ok(block.steps.length, `README.md:${j + 1}: output before the first '$ ' command`);
        block.steps.at(-1)!.expected.push(l);
      }
    }
    blocks.push(block);
  }
  return blocks;
}

/** What may differ from one demo to the next, masked keeping widths (tables stay aligned). */
export function mask(s: string): string {
  return s
    .replace(/\b[0-9a-f]{32}\b/g, "X".repeat(32))
    .replace(/\b[0-9a-f]{8}\b/g, "X".repeat(8))
    .replace(/\b\d{4}-\d\d-\d\d\b/g, "YYYY-MM-DD")
    .replace(/\b\d+:\d\d:\d\d\b/g, (t) => "H".repeat(t.length))
    .replace(/\b1\d{15}\b/g, "T".repeat(16))
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n");
}

const MARKER = "@@readme-test-step@@";

/** Runs a block's commands in one bash in `cwd`; the output of each, with the demo root spelled as the README spells it. */
function runBlock(block: Block, root: string, env: NodeJS.ProcessEnv): string[] {
  const script = [
    "exec 2>&1",
    ...block.steps.flatMap((s) => [`printf '%s\\n' '${MARKER}'`, s.command.replaceAll(DEMO_ROOT, root)]),
    `printf '%s\\n' '${MARKER}'`,
  ].join("\n");
  const r = spawnSync("bash", ["-c", script], { cwd: root, env, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.error, undefined, String(r.error));
  const parts = String(r.stdout).replaceAll(root, DEMO_ROOT).split(`${MARKER}\n`);
  return parts.slice(1, -1);
}

const enabled = hasTool("python3");

describe("README.md: the checked examples (<!-- readme-test --> blocks)", { skip: !enabled && "the demo needs python3" }, () => {
  const blocks = readmeBlocks(fs.readFileSync(README, "utf8"));
  let root = "";
  let pristine = "";
  let env: NodeJS.ProcessEnv = {};
  const dump: string[] = [];

  before(() => {
    assertBundleFresh();
    const dir = tempDir("guildts-readme-");
    pristine = path.join(dir, "pristine");
    root = path.join(dir, "guildts-demo");
    const r = spawnSync(process.execPath, [path.join(repoRoot(), "scripts", "demo.mjs"), root], {
      encoding: "utf8",
      env: commandEnv({ HOME: dir }),
    });
    assert.equal(r.status, 0, `npm run demo failed:\n${r.stdout}${r.stderr}`);
    fs.cpSync(root, pristine, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    const home = path.join(dir, "user");
    fs.mkdirSync(home);
    const bins = [bundlePathDir(), path.join(repoRoot(), "node_modules", ".bin")];
    env = commandEnv({ HOME: home, PATH: `${bins.join(":")}:${process.env.PATH}` });
  });

  test("the README marks its tour and examples for checking", () => {
    assert.ok(blocks.length >= 3, `only ${blocks.length} checked blocks`);
    assert.ok(
      blocks.some((b) => b.steps.some((s) => s.command.startsWith("guild runs"))),
      "the tour of the porcelain is checked",
    );
  });

  for (const [n, block] of readmeBlocks(fs.readFileSync(README, "utf8")).entries()) {
    test(`block ${n + 1} (README.md:${block.line}): ${block.steps[0]?.command ?? ""}`, () => {
      // A fresh demo home for each block, at the path the demo made it (its runs name that path).
      fs.rmSync(root, { recursive: true, force: true });
      fs.cpSync(pristine, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      const outputs = runBlock(block, root, env);
      dump.push(`README.md:${block.line}`, ...block.steps.flatMap((s, i) => [`$ ${s.command}`, (outputs[i] ?? "").replace(/\n$/, "")]), "");
      if (process.env.README_TEST_DUMP) fs.writeFileSync(process.env.README_TEST_DUMP, dump.join("\n"));
      assert.equal(outputs.length, block.steps.length, "every command ran");
      block.steps.forEach((s, i) => {
        const expected = mask(s.expected.join("\n"));
        const actual = mask(outputs[i]!.replace(/\n$/, ""));
        assert.equal(actual, expected, `README.md:${block.line}: the output of '$ ${s.command}'`);
      });
    });
  }
});
