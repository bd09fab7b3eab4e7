import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { quoteArgv } from "../src/ssh.js";

test("quoteArgv: a remote shell reads back exactly the words given, and runs none of them", () => {
  const words = ["guild-ls-runs", "--json", "-F", 'label = "$(touch /tmp/x)"', "'; rm -rf ~; '", "a b\tc", "`id`", ""];
  const r = spawnSync("sh", ["-c", `printf '%s\\n' ${quoteArgv(words.slice(1))}`], { encoding: "utf8" });
  assert.equal(r.status, 0);
  assert.deepEqual(r.stdout.split("\n").slice(0, -1), words.slice(1));
});
