import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { binPath, commandEnv, tempDir } from "@guildts/testkit";

/**
 * Bounded guild files (issue 12, finding 7): include and extends graphs are expanded with a
 * bound on total work and a one-line error naming the chain, a diamond costs each file once,
 * and a large valid file is listed within a bounded heap. The heap limit and the timeout are hang
 * guards, not performance claims: today's code grew exponentially or died with a stack trace.
 */
function guild(args: string[], cwd: string, heapMb = 512, timeoutMs = 180_000) {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, binPath("guild"), ...args], {
    cwd,
    env: commandEnv(),
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 1 << 28,
  });
  assert.equal(r.error, undefined, `guild ${args.join(" ")}: ${String(r.error)}`);
  return r;
}

describe("bounded guild files", () => {
  test("an include diamond (22 levels, each file including the next twice) is refused with the chain named", () => {
    const dir = tempDir("guildts-diamond-");
    fs.writeFileSync(path.join(dir, "guild.yml"), "- include: [l1.yml, l1.yml]\n- model: m\n  operations:\n    train: {exec: echo}\n");
    for (let i = 1; i < 22; i++) fs.writeFileSync(path.join(dir, `l${i}.yml`), `- include: [l${i + 1}.yml, l${i + 1}.yml]\n`);
    fs.writeFileSync(path.join(dir, "l22.yml"), "- config: c\n  flags: {x: 1}\n");
    const r = guild(["operations"], dir, 256, 60_000);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^guild: error in \S+l\d+\.yml: item 1: guild\.yml includes l1\.yml includes l2\.yml includes l3\.yml includes l4\.yml includes …(?: includes l\d+\.yml){4}: more than 1000 files expanded\n$/,
    );
  });

  test("a small diamond is fine: a file included twice is read once and its operations listed once per model", () => {
    const dir = tempDir("guildts-diamond-ok-");
    fs.writeFileSync(path.join(dir, "guild.yml"), "- include: [a.yml, b.yml]\n");
    fs.writeFileSync(path.join(dir, "a.yml"), "- include: common.yml\n- model: a\n  extends: base\n");
    fs.writeFileSync(path.join(dir, "b.yml"), "- include: common.yml\n- model: b\n  extends: base\n");
    fs.writeFileSync(path.join(dir, "common.yml"), "- config: base\n  operations:\n    train: {exec: echo, description: Train it}\n");
    const r = guild(["operations"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "a:train  Train it\nb:train  Train it\n");
  });

  test("an extends diamond (24 levels, two configs per level each extending both of the next) loads", () => {
    const dir = tempDir("guildts-extends-");
    const items = ["- model: m\n  extends: [c0a, c0b]\n  operations:\n    train: {exec: echo}\n"];
    for (let i = 0; i < 24; i++) {
      for (const s of ["a", "b"]) {
        const parents = i === 23 ? "" : `  extends: [c${i + 1}a, c${i + 1}b]\n`;
        items.push(`- config: c${i}${s}\n${parents}  operations:\n    op${i}${s}: {exec: echo}\n`);
      }
    }
    fs.writeFileSync(path.join(dir, "guild.yml"), items.join(""));
    const r = guild(["operations"], dir, 256, 60_000);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines.length, 50);
    assert.ok(lines.includes("m:op23b  ") && lines.includes("m:train  "), r.stdout.slice(0, 200));
  });

  test("a 15 MB guild file with 200,000 operations is listed within a bounded heap", () => {
    const dir = tempDir("guildts-big-");
    const out = fs.openSync(path.join(dir, "guild.yml"), "w");
    let chunk = "";
    for (let i = 0; i < 200_000; i++) {
      chunk += `op${String(i).padStart(6, "0")}:\n  exec: echo ${i}\n  description: operation ${i}\n  flags:\n    lr: 0.${i % 100}\n`;
      if (chunk.length > 1 << 20) {
        fs.writeSync(out, chunk);
        chunk = "";
      }
    }
    fs.writeSync(out, chunk);
    fs.closeSync(out);
    assert.ok(fs.statSync(path.join(dir, "guild.yml")).size > 15_000_000);
    const r = guild(["operations"], dir, 768);
    assert.equal(r.status, 0, r.stderr.slice(0, 2000));
    const lines = r.stdout.split("\n");
    assert.equal(lines.length, 200_001);
    assert.equal(lines[0], "op000000  operation 0");
    assert.equal(lines[199_999], "op199999  operation 199999");
  });
});
