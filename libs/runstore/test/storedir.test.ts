/**
 * The one rule for the store's own directories (storedir.ts) and the bounded, streamed reading
 * of run files and event files (facts.ts, scalars.ts), at the library level. The end-to-end
 * cases are in apps/guild/test/hostile-home.test.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { tempDir } from "@guildts/testkit";
import {
  assertRealDirs,
  maskedCrc,
  readEventFile,
  readRunBytes,
  readRunFile,
  removeTree,
  StoreDirError,
  storeDir,
  storeDirPath,
  storeDirProblem,
  type StoreDirKind,
} from "../src/index.js";

const KINDS: StoreDirKind[] = ["runs", "trash", "purging", "new-runs", "locks", "cache"];
const WORK_AREAS: StoreDirKind[] = ["purging", "new-runs", "locks", "cache"];

describe("storeDir", () => {
  test("missing: null, or made as real directories with create", () => {
    for (const kind of KINDS) {
      const home = path.join(tempDir(), "home");
      assert.equal(storeDir(home, kind), null);
      assert.equal(storeDir(home, kind, { create: true }), storeDirPath(home, kind));
      assert.ok(fs.lstatSync(storeDirPath(home, kind)).isDirectory());
    }
  });

  test("a working area that is a link (even to a directory inside the home) or a file is refused, naming it", () => {
    for (const kind of WORK_AREAS) {
      const home = tempDir();
      const target = path.join(home, "elsewhere");
      fs.mkdirSync(target);
      const p = storeDirPath(home, kind);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.symlinkSync(target, p);
      for (const create of [false, true]) {
        assert.throws(
          () => storeDir(home, kind, { create }),
          (e: unknown) => e instanceof StoreDirError && e.path === p && e.why === "symlink" && e.message.includes(`to "${target}"`),
        );
      }
      assert.equal(storeDirProblem(home, kind)?.why, "symlink");
      fs.rmSync(p);
      fs.writeFileSync(p, "");
      assert.throws(() => storeDir(home, kind, { create: true }), /is not a directory/);
      assert.deepEqual(fs.readdirSync(target), [], "nothing made through the link");
    }
  });

  test("runs/, trash/ and trash/runs/ may be links (Guild follows them); a dangling one is not made through", () => {
    const home = tempDir();
    const away = tempDir();
    fs.symlinkSync(away, path.join(home, "runs"));
    assert.equal(storeDir(home, "runs"), path.join(home, "runs"));
    assert.equal(storeDir(home, "new-runs", { create: true }), path.join(home, "runs", ".guildts-new"));
    assert.ok(fs.lstatSync(path.join(away, ".guildts-new")).isDirectory());
    fs.symlinkSync(path.join(away, "nowhere"), path.join(home, "trash"));
    assert.equal(storeDir(home, "trash"), null);
    assert.throws(() => storeDir(home, "trash", { create: true }), /leads nowhere/);
  });

  test("assertRealDirs: a path's directory and its parent, checked once", () => {
    const root = tempDir();
    fs.symlinkSync(tempDir(), path.join(root, "cache"));
    assert.throws(() => assertRealDirs(path.join(root, "cache", "guildts"), { levels: 2, create: true }), StoreDirError);
    const ok = path.join(root, "real", "sub");
    assertRealDirs(ok, { levels: 2, create: true });
    assert.ok(fs.statSync(ok).isDirectory());
  });
});

describe("run files and event files", () => {
  test("readRunFile: FIFOs and directories refused at once, a large file bounded", () => {
    const dir = tempDir();
    const fifo = path.join(dir, "fifo");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
    assert.throws(() => readRunFile(fifo), { code: "ENOTREG", message: /^a FIFO, not a regular file/ });
    assert.throws(() => readRunFile(dir), { code: "EISDIR" });
    fs.symlinkSync("/dev/zero", path.join(dir, "zero"));
    assert.throws(() => readRunFile(path.join(dir, "zero")), { code: "ELOOP" });
    const big = path.join(dir, "big");
    fs.writeFileSync(big, "0123456789");
    assert.throws(() => readRunBytes(big, { max: 5 }), { code: "EFBIG" });
    assert.equal(readRunBytes(big, { max: 5, truncate: true }).toString(), "01234");
  });

  /** One framed record around `data`. */
  const frame = (data: Buffer) => {
    const out = Buffer.alloc(16 + data.length);
    out.writeBigUInt64LE(BigInt(data.length));
    out.writeUInt32LE(maskedCrc(out.subarray(0, 8)), 8);
    data.copy(out, 12);
    out.writeUInt32LE(maskedCrc(data), 12 + data.length);
    return out;
  };
  // An Event with step 3 and one simple_value 'x' = 1.5 (summary { value { tag: "x" simple_value: 1.5 } }).
  const value = Buffer.concat([Buffer.from([0x0a, 1, 0x78, 0x15]), Buffer.from(new Float32Array([1.5]).buffer)]);
  const summary = Buffer.concat([Buffer.from([0x0a, value.length]), value]);
  const event = Buffer.concat([Buffer.from([0x10, 3, 0x2a, summary.length]), summary]);

  test("readEvents: a bad data CRC skips that record only; garbage is resynchronised past; a torn tail is not bad", () => {
    const good = frame(event);
    const badData = Buffer.from(good);
    badData[20] = (badData[20]! ^ 0xff) & 0xff;
    const garbage = Buffer.from("garbage garbage garbage");
    const torn = good.subarray(0, good.length - 3);
    let n = 0;
    const r = readEventFile(Buffer.concat([good, badData, good, garbage, good, torn]), (tag, v, step) => {
      assert.deepEqual([tag, v, step], ["x", 1.5, 3]);
      n++;
    });
    assert.deepEqual(r, { records: 3, bad: 2 });
    assert.equal(n, 3);
  });

  test("readEvents: gives up after 16 MiB of garbage, saying so", () => {
    const r = readEventFile(Buffer.concat([frame(event), Buffer.alloc(17 * 1024 * 1024, 1), frame(event)]), () => {});
    assert.deepEqual(r, { records: 1, bad: 1, stopped: true });
  });

  test("removeTree: a 3,000-level chain, iteratively, never through a link", () => {
    const root = tempDir();
    const outside = tempDir();
    fs.writeFileSync(path.join(outside, "keep"), "x");
    const r = spawnSync(
      process.execPath,
      [
        "-e",
        `const fs=require("fs");process.chdir(${JSON.stringify(root)});for(let i=0;i<3000;i++){fs.mkdirSync("d");process.chdir("d")}fs.symlinkSync(${JSON.stringify(outside)},"out")`,
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    removeTree(root);
    assert.equal(fs.existsSync(root), false);
    assert.deepEqual(fs.readdirSync(outside), ["keep"]);
  });
});
