#!/usr/bin/env node
// A CI pruning job composed from the plumbing, unattended (no prompts):
//   1. delete the failed runs:  guild-ls-runs -ET --json | guild-mark-deleted --stdin --json
//   2. purge deleted runs older than an age:
//        guild-ls-runs --deleted --json | (select by age) | guild-purge-deleted --stdin --json
//
//   node scripts/prune-runs.mjs [--home DIR] [--purge-older-than 7d] [--dry-run]
//
// AGE is a number with a unit: s, m, h, d or w. A run's age counts from when it stopped (else
// started, else was created). Exits 0 when everything went (including when there was nothing to
// prune), 1 when a run could not be deleted or purged (it is named on stderr).
import path from "node:path";
import { $, argv } from "zx";

$.verbose = false;
$.quiet = true;
const bin = (name) => path.join(import.meta.dirname, "..", "apps", "plumbing", "bin", `${name}.js`);
const node = process.execPath;
const home = argv.home ? ["-H", String(argv.home)] : [];
const say = (msg) => process.stderr.write(`prune-runs: ${msg}\n`);

function parseAge(text) {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(String(text));
  if (!m) {
    say(`invalid age '${text}': use a number and a unit (s, m, h, d, w), e.g. 7d`);
    process.exit(2);
  }
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]] * 1e6; // µs, Guild's unit
}
const records = (text) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
let failures = 0;
const report = (results) => {
  for (const r of results)
    if (!["deleted", "already-deleted", "purged"].includes(r.outcome)) {
      failures++;
      say(`${r.id}: ${r.outcome}: ${r.reason ?? ""}`);
    }
  return results.filter((r) => r.outcome === "deleted" || r.outcome === "purged").length;
};

// 1. Failed runs to the trash.
let deleted = 0;
if (argv["dry-run"]) {
  deleted = records((await $`${node} ${bin("guild-ls-runs")} ${home} -ET --json`).stdout).length;
} else {
  const out = await $`${node} ${bin("guild-ls-runs")} ${home} -ET --json`
    .pipe($`${node} ${bin("guild-mark-deleted")} ${home} --stdin --json`)
    .nothrow();
  deleted = report(records(out.stdout));
}

// 2. Old deleted runs, for good.
let purged = 0;
const age = argv["purge-older-than"];
if (age !== undefined) {
  const cutoff = Date.now() * 1000 - parseAge(age);
  const old = records((await $`${node} ${bin("guild-ls-runs")} ${home} --deleted --json`).stdout).filter(
    (r) => (r.stopped ?? r.started ?? r.initialized ?? Infinity) < cutoff,
  );
  if (argv["dry-run"]) purged = old.length;
  else if (old.length) {
    const out = await $({
      input: old.map((r) => r.id).join("\n") + "\n",
    })`${node} ${bin("guild-purge-deleted")} ${home} --stdin --json`.nothrow();
    purged = report(records(out.stdout));
  }
}

const what = argv["dry-run"] ? "would delete" : "deleted";
say(
  `${what} ${deleted} failed run(s), ${argv["dry-run"] ? "would purge" : "purged"} ${purged} deleted run(s)${age !== undefined ? ` older than ${age}` : ""}`,
);
process.exit(failures ? 1 : 0);
