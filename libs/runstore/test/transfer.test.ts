import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { copyRunTree, linkStaysInside, sweepPartials, walkRunCopy } from "../src/transfer.js";

/** The link rule of export/import, in-process (end-to-end tests: apps/guild/test/guild-transfer.test.ts). */
const links = (map: Record<string, string>) => (parts: readonly string[]) => {
  const t = map[parts.join("/")];
  return t === undefined ? ("other" as const) : { link: t };
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "guildts-transfer-"));

describe("linkStaysInside", () => {
  test("relative links inside the run stay; .. above the root, absolute and empty targets leave", () => {
    const none = links({});
    assert.equal(linkStaysInside(["a"], "b", none), true);
    assert.equal(linkStaysInside(["d", "a"], "../b", none), true);
    assert.equal(linkStaysInside(["d", "a"], "../../b", none), false);
    assert.equal(linkStaysInside(["a"], "../x/b", none), false);
    assert.equal(linkStaysInside(["a"], "/etc/passwd", none), false);
    assert.equal(linkStaysInside(["a"], "", none), false);
    assert.equal(linkStaysInside(["a"], "./x/./y", none), true);
  });

  test("followed through the run's other links, as the kernel resolves them", () => {
    // d1/d2/up -> ../.. is the run's root (inside); b -> d1/d2/up/.. is then above it.
    const map = links({ "d1/d2/up": "../.." });
    assert.equal(linkStaysInside(["d1", "d2", "up"], "../..", map), true);
    assert.equal(linkStaysInside(["b"], "d1/d2/up/..", map), false);
    assert.equal(linkStaysInside(["b"], "d1/d2/up/x", map), true);
    // A link to a deeper place, then up: inside.
    assert.equal(linkStaysInside(["b"], "deep/..", links({ deep: "x/y/z" })), true);
    // A loop is refused, not followed for ever.
    assert.equal(linkStaysInside(["a"], "b/c", links({ a: "b/c", b: "a" })), false);
  });
});

describe("walkRunCopy / copyRunTree", () => {
  test("keeps inside links, skips outside ones with a warning; with copyResources copies targets, stopping at loops", () => {
    const root = tmp();
    const run = path.join(root, "run");
    fs.mkdirSync(path.join(run, "sub"), { recursive: true });
    fs.writeFileSync(path.join(run, "sub", "f"), "f\n");
    fs.writeFileSync(path.join(root, "outside.txt"), "out\n");
    fs.symlinkSync("sub/f", path.join(run, "in"));
    fs.symlinkSync("../outside.txt", path.join(run, "out"));
    fs.symlinkSync("..", path.join(run, "sub", "loop"));
    const warnings: string[] = [];
    const dst = path.join(root, "copy");
    copyRunTree(run, dst, { warn: (m) => warnings.push(m), label: "r" });
    assert.equal(fs.readlinkSync(path.join(dst, "in")), "sub/f");
    assert.equal(fs.readlinkSync(path.join(dst, "sub", "loop")), "..");
    assert.ok(!fs.existsSync(path.join(dst, "out")));
    assert.deepEqual(warnings, [
      "r: skipping out: link to '../outside.txt' leaves the run (use --copy-resources to copy what it points to)",
    ]);

    const w2: string[] = [];
    const entries = [...walkRunCopy(run, { copyResources: true, warn: (m) => w2.push(m), label: "r" })].map((e) => `${e.kind} ${e.rel}`);
    assert.deepEqual(entries, ["dir ", "file in", "file out", "dir sub", "file sub/f"]);
    assert.deepEqual(w2, ["r: skipping sub/loop: a link loop"]);
  });
});

describe("sweepPartials", () => {
  test("removes hidden partial entries of dead processes on this host only", () => {
    const dir = tmp();
    const host = os.hostname();
    const dead = `.guildts-partial-abc.0badc0de.4000000.${host}`;
    const live = `.guildts-partial-abc.0badc0de.${process.pid}.${host}`;
    const other = `.guildts-partial-abc.0badc0de.4000000.another-host`;
    const plain = "abc";
    for (const n of [dead, live, other, plain]) fs.mkdirSync(path.join(dir, n));
    fs.writeFileSync(path.join(dir, dead, "x"), "x");
    assert.deepEqual(
      sweepPartials(dir, () => false),
      [dead],
    );
    assert.deepEqual(fs.readdirSync(dir).sort(), [live, other, plain].sort());
  });
});
