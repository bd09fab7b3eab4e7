import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { generateHome, hasTool, runCommand, runShell, tempDir } from "@guildts/testkit";

const ls = (args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) =>
  runCommand("guild-ls-runs", args, { env: { GUILDTS_INDEX_RACY_MS: "0", ...env }, ...(cwd ? { cwd } : {}) });

function ids(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id);
}

describe("guild-ls-runs on a generated home", () => {
  let home: string;
  before(() => {
    home = generateHome({ runs: 60, deleted: 5, seed: 7 });
  });

  test("lists every run newest first, and --deleted the trash", () => {
    const r = ls(["--json", "-H", home]);
    assert.equal(r.status, 0, r.stderr);
    const recs = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { started: number | null; initialized: number; deleted: boolean });
    assert.equal(recs.length, 60);
    const ts = recs.map((x) => x.started ?? x.initialized);
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => b - a),
    );
    assert.ok(recs.every((x) => !x.deleted));
    const d = ls(["--json", "--deleted", "-H", home]);
    assert.equal(ids(d.stdout).length, 5);
    assert.ok(d.stdout.includes('"deleted":true'));
  });

  test("GUILD_HOME and -H select the home; -H wins", () => {
    const viaEnv = ls(["-z"], { GUILD_HOME: home });
    const viaOpt = ls(["-z", "-H", home], { GUILD_HOME: "/nonexistent" });
    assert.equal(viaEnv.stdout, viaOpt.stdout);
    assert.equal(viaEnv.stdout.split("\0").length - 1, 60);
  });

  test("the same generator arguments give the same runs", () => {
    const again = generateHome({ runs: 60, deleted: 5, seed: 7 });
    assert.deepEqual(ids(ls(["--json", "-H", again]).stdout), ids(ls(["--json", "-H", home]).stdout));
  });

  test("a status filter keeps exactly the runs of those statuses", () => {
    const all = ls(["--json", "-H", home])
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; status: string });
    const et = ids(ls(["--json", "-ET", "-H", home]).stdout);
    assert.deepEqual(
      et,
      all.filter((r) => r.status === "error" || r.status === "terminated").map((r) => r.id),
    );
    assert.ok(et.length > 0);
  });

  test("pipes into jq: --json is one object per line", { skip: !hasTool("jq") && "jq not installed" }, () => {
    const r = runShell(`guild-ls-runs -H '${home}' --json | jq -r 'select(.status == "completed") | .id' | wc -l`);
    assert.equal(r.status, 0, r.stderr);
    const completed = ls(["--json", "-C", "-H", home]);
    assert.equal(Number(r.stdout.trim()), ids(completed.stdout).length);
    const types = runShell(
      `guild-ls-runs -H '${home}' --json -C | jq -c '[(.id|type), (.started|type), (.tags|type), (.marked|type), (.flags|type)]' | sort -u`,
    );
    assert.equal(types.stdout, '["string","number","array","boolean","object"]\n');
  });

  test("a closed pipe ends the listing quietly", () => {
    const r = runShell(`guild-ls-runs -H '${home}' --json | head -1`);
    assert.equal(r.status, 0);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout.split("\n").length, 2);
  });
});

describe("guild-ls-runs errors and exit codes", () => {
  test("a missing home lists nothing and exits 0", () => {
    const r = ls(["--json", "-H", path.join(tempDir(), "missing")]);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, "", ""]);
  });

  test("a home that is a file is a usage error naming it (exit 2)", () => {
    const f = path.join(tempDir(), "file");
    fs.writeFileSync(f, "");
    const r = ls(["-H", f]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^guild-ls-runs: '.*\/file' is not a directory\n/);
  });

  test("an unknown option or an extra argument is a usage error (exit 2) naming it", () => {
    const a = ls(["--bogus"]);
    assert.equal(a.status, 2);
    assert.match(a.stderr, /unknown option '--bogus'/);
    assert.match(a.stderr, /Try 'guild-ls-runs --help'/);
    const b = ls(["extra"]);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /unexpected argument 'extra'/);
    const c = ls(["-l", "x", "-u", "-H", tempDir()]);
    assert.equal(c.status, 2);
    assert.match(c.stderr, /--label and --unlabeled cannot both be used/);
  });

  test("--help describes the command and its options, exit 0", () => {
    const r = ls(["--help"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /guild-ls-runs/);
    for (const opt of [
      "--json",
      "-z",
      "--home",
      "--all",
      "--op",
      "--label",
      "--unlabeled",
      "--running",
      "--completed",
      "--error",
      "--terminated",
      "--pending",
      "--staged",
      "--deleted",
    ]) {
      assert.ok(r.stdout.includes(opt), `help mentions ${opt}`);
    }
  });
});

describe("damaged runs never break a listing", () => {
  test("each damaged run is listed with what can be read, or skipped with one warning", () => {
    const home = generateHome({ runs: 6, seed: 3 });
    const runs = path.join(home, "runs");
    const [a, b, c, d] = fs.readdirSync(runs).sort();
    fs.writeFileSync(path.join(runs, a!, ".guild", "attrs", "label"), "key: [unclosed\n");
    fs.writeFileSync(path.join(runs, b!, ".guild", "opref"), "");
    fs.writeFileSync(path.join(runs, c!, ".guild", "attrs", "started"), "not a time\n");
    fs.rmSync(path.join(runs, d!, ".guild"), { recursive: true });
    fs.writeFileSync(path.join(runs, d!, ".guild"), "a file where a directory should be");
    fs.writeFileSync(path.join(runs, "stray-file"), "");
    fs.mkdirSync(path.join(runs, "empty-dir"));
    const r = ls(["--json", "-H", home], { GUILDTS_INDEX: "off" });
    assert.equal(r.status, 0);
    const listed = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; label: string | null; operation: string | null; started: number | null });
    assert.equal(listed.length, 5, "the run without a .guild directory is skipped");
    assert.equal(listed.find((x) => x.id === a)!.label, null);
    assert.equal(listed.find((x) => x.id === b)!.operation, null);
    assert.equal(listed.find((x) => x.id === c)!.started, null);
    const warnings = r.stderr.trim().split("\n");
    const about = (id: string) => warnings.filter((w) => w.includes(id));
    assert.equal(about(a!).length, 1);
    assert.match(about(a!)[0]!, /cannot parse attr 'label'/);
    assert.match(about(b!)[0]!, /empty opref/);
    assert.match(about(c!)[0]!, /attr 'started' is not an integer/);
    assert.match(about(d!)[0]!, /not a run/);
    assert.equal(about("stray-file").length, 1);
    assert.equal(about("empty-dir").length, 1);
    assert.equal(warnings.length, 6);
    for (const w of warnings) assert.match(w, /^guild-ls-runs: warning: run /);
  });
});
