import assert from "node:assert/strict";
import { test } from "node:test";
import type { SshRemote } from "../src/config.js";
import { startedId } from "../src/jobs.js";
import { parseProgress } from "../src/transfer.js";

const remote: SshRemote = {
  name: "box",
  host: "box.lab",
  port: null,
  user: null,
  privateKey: null,
  connectTimeout: null,
  guildHome: ".guild",
  activate: [],
  proxy: null,
  sshConfig: null,
};

test("startedId: the run id the remote guild printed, checked; anything else is one line naming the remote", () => {
  const id = "0123456789abcdef0123456789abcdef";
  assert.equal(startedId(remote, `mnist:train started in background as ${id} (pidfile /x/JOB)\nTo watch...\n`), id);
  assert.throws(
    () => startedId(remote, "guild: no such operation 'trian'\n"),
    /^RemoteError: remote box: .*did not start the run: guild: no such operation 'trian'$/,
  );
  assert.throws(() => startedId(remote, "x started in background as $(reboot)\n"), /remote box sent a run id that is not one/);
});

test("parseProgress: rsync's --info=progress2 lines give bytes and percent; other lines nothing", () => {
  assert.deepEqual(parseProgress("      1,234,567  45%   10.00MB/s    0:00:01 (xfr#1, to-chk=0/3)"), { bytes: 1234567, percent: 45 });
  assert.deepEqual(parseProgress("            0   0%    0.00kB/s    0:00:00"), { bytes: 0, percent: 0 });
  assert.equal(parseProgress("sending incremental file list"), null);
  assert.equal(parseProgress("Number of files: 3"), null);
});
