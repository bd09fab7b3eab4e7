#!/usr/bin/env node
// `npm run demo`: generates a small Guild home and lists it with the plumbing commands.
// `node scripts/demo.mjs DIR` makes it under DIR instead of /tmp/guildts-demo (the README test does).
import os from "node:os";
import path from "node:path";
import { $, fs } from "zx";

$.verbose = false;
$.quiet = true;
const root = path.resolve(process.argv[2] ?? path.join(os.tmpdir(), "guildts-demo"));
const home = path.join(root, "home");
// A previous demo is replaced; any other directory with something in it is left alone.
if (fs.existsSync(root) && fs.readdirSync(root).length && !fs.existsSync(path.join(root, "home", "runs"))) {
  console.error(`demo: ${root} is not empty and not a previous demo: give a new directory`);
  process.exit(2);
}
await fs.remove(root);
const bin = (name) => path.join(import.meta.dirname, "..", "apps", name === "guild" ? "guild" : "plumbing", "bin", `${name}.js`);
const show = async (title, cmd) => {
  console.log(`\n$ ${title}`);
  const out = await cmd;
  process.stdout.write(out.stdout);
  if (out.stderr) process.stdout.write(out.stderr.trimEnd().replace(/^/gm, "(stderr) ") + "\n");
};

await $`node ${path.join(import.meta.dirname, "gen-runs.mjs")} --home ${home} --runs 12 --deleted 2 --seed 3 --quiet`;
console.log(`Generated a Guild home of 12 runs (and 2 deleted) in ${home}`);
const env = { ...process.env, GUILD_HOME: home };
const $h = $({ env });
await show("guild-ls-runs", $h`node ${bin("guild-ls-runs")}`);
await show("guild-ls-runs -ET        # error or terminated", $h`node ${bin("guild-ls-runs")} -ET`);
await show("guild-ls-runs --json -o train | head -2", $h`node ${bin("guild-ls-runs")} --json -o train`.pipe($h`head -2`));
await show("guild-ls-runs --deleted", $h`node ${bin("guild-ls-runs")} --deleted`);
await show("guild-rev-parse-run 1:3  # runs 1 to 3, newest first", $h`node ${bin("guild-rev-parse-run")} 1:3`);
await show("guild-rev-parse-run --short 2 5", $h`node ${bin("guild-rev-parse-run")} --short 2 5`);
await show("guild runs -n 5", $h`node ${bin("guild")} runs -n 5`);
await show("guild runs info 2", $h`node ${bin("guild")} runs info 2`);
await show("guild runs label 1 'best so far' -y", $h`node ${bin("guild")} runs label 1 ${"best so far"} -y`);
const cwd = path.join(root, "projects", "iris");
await show(`(cd ${cwd}) guild runs   # a model definition here: local scope`, $({ env, cwd })`node ${bin("guild")} runs`);
// Start a few real runs of a copy of the example project (needs python3): the copy sits beside
// the generated projects, so the runs' paths are the same on every machine (the README's tour).
const example = path.join(root, "projects", "quickstart");
await fs.copy(path.join(import.meta.dirname, "..", "examples", "quickstart"), example);
const $x = $({ env, cwd: example });
await show(`(cd ${example}) guild operations`, $x`node ${bin("guild")} operations`);
await show("guild run train lr=0.05 -y", $x`node ${bin("guild")} run train lr=0.05 -y`);
await show("guild run train optimizer=adam epochs=3 -y", $x`node ${bin("guild")} run train optimizer=adam epochs=3 -y`);
await show("guild run evaluate threshold=0.6 -y", $x`node ${bin("guild")} run evaluate threshold=0.6 -y`);
await show("guild runs   # local scope: the example's runs", $x`node ${bin("guild")} runs`);
await show("guild runs info 2", $x`node ${bin("guild")} runs info 2`);
await show("guild check   # the store checker (guild-fsck-runs in sentences)", $h`node ${bin("guild")} check`);
console.log(`\nTry it yourself: GUILD_HOME=${home} npx guild runs --help`);
