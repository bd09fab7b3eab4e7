import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { tempDir } from "@guildts/testkit";
import { watchRun } from "../src/index.js";

/** `watchRun` when the run's `.guild/output` is deleted under it (issue 16's bad input). */
describe("watchRun", { skip: process.platform !== "linux" && "needs /proc" }, () => {
  test("the output file deleted while watched: what was written is shown, the watch ends with the process", async () => {
    const id = "0123456789abcdef0123456789abcdef";
    const dir = path.join(tempDir("guildts-watch-"), id);
    fs.mkdirSync(path.join(dir, ".guild", "attrs"), { recursive: true });
    const out = path.join(dir, ".guild", "output");
    fs.writeFileSync(out, "first\n");
    // The run's own process: its environment names the run, as Guild and guildts set RUN_ID.
    const child = spawn("sleep", ["30"], { env: { ...process.env, RUN_ID: id }, stdio: "ignore" });
    await new Promise((r) => child.once("spawn", r));
    fs.writeFileSync(path.join(dir, ".guild", "LOCK"), String(child.pid));
    const chunks: Buffer[] = [];
    const watching = watchRun(dir, id, { onOutput: (c) => chunks.push(c), pollMs: 20, exitWaitMs: 200 });
    const until = Date.now() + 5000;
    while (!Buffer.concat(chunks).toString().includes("first") && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    fs.unlinkSync(out);
    await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGKILL");
    const result = await Promise.race([watching, new Promise((r) => setTimeout(() => r("hung"), 5000))]);
    assert.deepEqual(result, { end: "ended", alive: false, noExitStatus: true });
    assert.equal(Buffer.concat(chunks).toString(), "first\n");
  });
});
