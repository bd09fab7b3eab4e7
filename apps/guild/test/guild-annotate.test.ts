import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import {
  binPath,
  fixtureDir,
  generateHome,
  hasTool,
  placeFixture,
  runCommand,
  runShell,
  tempDir,
  type PlacedFixture,
} from "@guildts/testkit";

const FIXTURE = fixtureDir("guild-0.9-batch-home");
/** The runs Guild annotated when it made the fixture (setup/SETUP.tsv, steps 07-12). */
const ANNOTATED = [
  "fcc97919d5f1499ba2d664acf66c144d",
  "c0aab7cbd8e84ca08f486c02301984ca",
  "73dbf46231484e0c9d984c04a09efece",
  "9a5c746232b145d3af84d95a3eb02da3",
];
const ATTRS = ["tags", "marked", "comments"];

const setup = (name: string, ext: string) => fs.readFileSync(path.join(FIXTURE, "setup", `${name}.${ext}`), "utf8");
const attrFile = (home: string, id: string, name: string) => {
  const p = path.join(home, "runs", id, ".guild", "attrs", name);
  return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : null;
};

describe("guild runs tag|mark|comment on the batch home written by Guild 0.9.1", () => {
  let fx: PlacedFixture;
  before(() => {
    fx = placeFixture("guild-0.9-batch-home");
  });
  const guild = (args: string[], env: NodeJS.ProcessEnv = {}) => runCommand("guild", args, { env: { ...fx.env, ...env }, cwd: fx.alice });
  const sameAsGuild = (args: string[], name: string) => {
    const r = guild(args);
    assert.equal(r.stdout, fx.expected(`${name}.stdout`), `guild ${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr, fx.expected(`${name}.stderr`));
    assert.equal(r.status, Number(fx.expected(`${name}.exit`)));
  };

  test("tag --list-all and comment -l print Guild's output byte for byte", () => {
    sameAsGuild(["runs", "tag", "--list-all"], "tags-list-all");
    sameAsGuild(["runs", "comment", "-l", "fcc97919"], "comments-list");
    // The marked run keeps Guild's `[marked]` place in the comment listing's row too.
    const marked = guild(["comment", "-l", "73dbf462"]);
    assert.equal(marked.stdout, "73dbf462  cls:prepare (cls) [marked]  2026-12-01 21:33:35  completed  \n  <no comments>\n");
  });

  test("runs info of a labelled, a tagged and commented, and a marked run: Guild's bytes (issue 15 audit)", () => {
    sameAsGuild(["runs", "info", "c0aab7cb"], "runs-info-label");
    sameAsGuild(["runs", "info", "fcc97919"], "runs-info-tags-comments");
    sameAsGuild(["runs", "info", "fcc97919", "-c"], "runs-info-tags-comments-c");
    sameAsGuild(["runs", "info", "73dbf462"], "runs-info-marked");
  });

  test("compare --csv - in the cls project (local scope): Guild's bytes", () => {
    const r = runCommand("guild", ["compare", "--csv", "-"], { env: fx.env, cwd: fx.cls });
    assert.equal(r.stdout, fx.expected("cls-compare-csv.stdout"), r.stderr);
    assert.equal(r.status, Number(fx.expected("cls-compare-csv.exit")));
  });

  test("replaying Guild's own annotation commands writes Guild's attr files and messages", () => {
    const fresh = placeFixture("guild-0.9-batch-home");
    const original = new Map<string, string | null>();
    for (const id of ANNOTATED)
      for (const a of ATTRS) {
        original.set(`${id}/${a}`, attrFile(fresh.home, id, a));
        fs.rmSync(path.join(fresh.home, "runs", id, ".guild", "attrs", a), { force: true });
      }
    const steps = fs
      .readFileSync(path.join(FIXTURE, "setup", "SETUP.tsv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t"))
      .filter(([name]) => /^\d+-(tag|mark|comment)/.test(name!));
    assert.equal(steps.length, 6);
    for (const [name, , command] of steps) {
      // The commands as Guild recorded them, split as the shell did (quotes only around words).
      const words = command!.match(/'[^']*'|\S+/g)!.map((w) => w.replace(/^'(.*)'$/, "$1"));
      assert.equal(words[0], "guild");
      const r = runCommand("guild", words.slice(1), { env: fresh.env, cwd: fresh.alice });
      assert.equal(r.stderr, setup(name!, "stderr"), name);
      assert.equal(r.stdout, setup(name!, "stdout"), name);
      assert.equal(String(r.status), setup(name!, "exit").trim(), name);
    }
    const maskTime = (s: string | null) => s?.replace(/time: \d+/g, "time: T") ?? null;
    for (const id of ANNOTATED)
      for (const a of ATTRS) assert.equal(maskTime(attrFile(fresh.home, id, a)), maskTime(original.get(`${id}/${a}`)!), `${id} ${a}`);
    // And what Guild lists from them.
    const ft = runCommand("guild", ["runs", "list", "-a", "-Ft", "good"], { env: fresh.env, cwd: fresh.alice });
    assert.equal(ft.stdout, fresh.expected("Ft-good.stdout"));
    const fm = runCommand("guild", ["runs", "list", "-a", "-Fm"], { env: fresh.env, cwd: fresh.alice });
    assert.equal(fm.stdout, fresh.expected("Fm.stdout"));
  });
});

describe("guild runs tag|mark|comment on a generated home", () => {
  let home: string;
  let ids: string[];
  before(() => {
    home = generateHome({ runs: 6, seed: 15 });
    ids = runCommand("guild-rev-parse-run", ["-H", home, ":"]).stdout.trim().split("\n");
  });
  const guild = (args: string[], env: NodeJS.ProcessEnv = {}) => runCommand("guild", ["-H", home, ...args], { env });
  const attr = (i: number, name: string) => attrFile(home, ids[i]!, name);

  test("tag: add/delete/clear, sorted and unique, --sync-labels, and the option checks", () => {
    let r = guild(["tag", "2", "-a", "zeta", "-a", "alpha", "-a", "zeta", "-y"]);
    assert.deepEqual([r.status, r.stderr], [0, "Modified tags for 1 run(s)\n"]);
    assert.equal(attr(1, "tags"), "- alpha\n- zeta\n");
    r = guild(["tag", "2", "-d", "alpha", "-d", "nope", "-y"]);
    assert.equal(attr(1, "tags"), "- zeta\n");
    r = guild(["runs", "tag", "2", "-c", "-y"]);
    assert.equal(attr(1, "tags"), "[]\n"); // Guild writes the empty list
    fs.writeFileSync(path.join(home, "runs", ids[2]!, ".guild", "attrs", "label"), "old draft words\n");
    r = guild(["tag", "3", "-a", "draft", "-a", "v2", "--sync-labels", "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(attr(2, "label"), "v2 old draft words\n"); // draft is already a word of the label
    r = guild(["tag", "3", "-d", "draft", "-s", "-y"]);
    assert.equal(attr(2, "label"), "v2 old words\n");
    assert.equal(attr(2, "tags"), "- v2\n");
    const missing = guild(["tag", "1"]);
    assert.deepEqual(
      [missing.status, missing.stderr],
      [2, "guild: missing one of: --add, --delete, --clear, --list-all\nTry 'guild tag --help' for more information.\n"],
    );
    const clash = guild(["runs", "tag", "-a", "x", "--list-all"]);
    assert.equal(clash.status, 2);
    assert.match(clash.stderr, /--add and --list-all cannot both be specified/);
    // No terminal and no -y: refused, nothing written.
    const before = attr(0, "tags");
    const refused = guild(["tag", "1", "-a", "never"]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /not changing the tags of 1 run\(s\): no terminal to confirm on/);
    assert.equal(attr(0, "tags"), before);
    assert.equal(guild(["tag", "--list-all"]).stdout, "v2\n"); // run 2's were cleared
  });

  test("a filter without RUN changes the latest match only, and says how many matched", () => {
    const r = guild(["tag", "--all", "-a", "seen", "-y"]); // --all: the scope switch, long form
    assert.equal(r.status, 0, r.stderr);
    const unmarked = runCommand("guild-rev-parse-run", ["-H", home, "-N", ":"]).stdout.trim().split("\n");
    assert.ok(unmarked.length > 2);
    const f = guild(["mark", "-N", "-y"]);
    assert.equal(f.status, 0, f.stderr);
    const n = unmarked.length;
    assert.equal(
      f.stderr,
      `${n} runs match; changing only the latest, ${unmarked[0]!.slice(0, 8)} (give RUN to choose: ':' for all ${n})\nMarked 1 run(s)\n`,
    );
    assert.equal(attrFile(home, unmarked[0]!, "marked"), "true\n");
    assert.equal(attrFile(home, unmarked[1]!, "marked"), null);
    const label = guild(["runs", "label", "-N", "--append", "x", "-y"]);
    assert.equal(
      label.stderr,
      `${n - 1} runs match; changing only the latest, ${unmarked[1]!.slice(0, 8)} (give RUN to choose: ':' for all ${n - 1})\nLabeled 1 run(s)\n`,
    );
  });

  test("mark and --clear (without RUN: every marked run); listings show [marked]", () => {
    assert.equal(guild(["mark", "2", "3", "-y"]).stderr, "Marked 2 run(s)\n");
    assert.equal(attr(1, "marked"), "true\n");
    assert.match(guild(["runs", "list", "-a", "2"]).stdout, /\[marked\]/);
    const marked = runCommand("guild-rev-parse-run", ["-H", home, "-M", ":"]).stdout.trim().split("\n");
    const clear = guild(["mark", "--clear", "-y"]);
    assert.equal(clear.stderr, `Unmarked ${marked.length} run(s)\n`);
    for (const i of [0, 1, 2]) assert.equal(attr(i, "marked"), null);
    assert.equal(guild(["mark", "--clear", "-y"]).stderr, "No runs to unmark.\n");
  });

  test("comment: add (-u USER@HOST, stripped), list, delete N, clear, empty aborts", () => {
    let r = guild(["comment", "1", "-a", "  first  ", "-u", "bob@box", "-y"]);
    assert.deepEqual([r.status, r.stderr], [0, "Added comment to 1 run(s)\n"]);
    r = guild(["runs", "comment", "1", "-a", "second", "-u", "carol@lab", "-y"]);
    const text = attr(0, "comments")!;
    assert.match(text, /^- body: first\n {2}host: box\n {2}time: \d{16}\n {2}user: bob\n- body: second\n {2}host: lab\n/);
    const list = guild(["comment", "-l", "1"]);
    assert.match(
      list.stdout,
      /^\S{8} {2}.*\n\[1\] bob@box \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n\n {2}first\n\n\[2\] carol@lab .*\n\n {2}second\n\n$/,
    );
    assert.equal(guild(["comment", "-l", "2"]).stdout.split("\n")[1], "  <no comments>");
    r = guild(["comment", "1", "-d", "1", "-y"]);
    assert.equal(r.stderr, "Deleted comment for 1 run(s)\n");
    assert.match(attr(0, "comments")!, /^- body: second\n/);
    assert.equal(guild(["comment", "1", "-d", "9", "-y"]).status, 0); // out of range: nothing (Guild)
    assert.match(attr(0, "comments")!, /^- body: second\n/);
    r = guild(["comment", "1", "-c", "-y"]);
    assert.equal(r.stderr, "Deleted all comments for 1 run(s)\n");
    assert.equal(attr(0, "comments"), null);
    const empty = guild(["comment", "1", "-a", "   ", "-y"]);
    assert.deepEqual([empty.status, empty.stderr], [1, "Aborting due to an empty comment.\n"]);
    const bad = guild(["comment", "1", "-d", "one", "-y"]);
    assert.equal(bad.status, 2);
    const clash = guild(["comment", "1", "-a", "x", "-c"]);
    assert.equal(clash.status, 2);
    assert.match(clash.stderr, /--add and --clear cannot both be specified/);
  });

  test("a comment or tag with control characters is stored as given (PyYAML's escapes) and piped exactly", () => {
    const body = "red \x1b[31malert\x07";
    const r = guild(["comment", "4", "-a", body, "-u", "x@y", "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(attr(3, "comments")!, /^- body: "red \\e\[31malert\\a"\n/);
    assert.ok(guild(["comment", "-l", "4"]).stdout.includes(`\n  ${body}\n`));
    assert.equal(guild(["tag", "4", "-a", "t\x1b", "-y"]).status, 0);
    assert.ok(guild(["tag", "--list-all", "4"]).stdout.includes("t\x1b\n"));
  });

  test("comment -e: $EDITOR run with an argv on Guild's template, '#' lines dropped, no prompt after", () => {
    const dir = tempDir("guildts-editor-");
    const seen = path.join(dir, "template");
    const script = path.join(dir, "edit.sh");
    fs.writeFileSync(script, `cp "$1" ${JSON.stringify(seen)}\nprintf 'typed in the editor\\n# dropped\\n' > "$1"\n`);
    const r = guild(["comment", "2", "-e", "-u", "ed@host"], { EDITOR: `sh ${script}`, VISUAL: "" });
    assert.deepEqual([r.status, r.stderr], [0, "Added comment to 1 run(s)\n"]);
    assert.match(attr(1, "comments")!, /^- body: typed in the editor\n {2}host: host\n/);
    const template = fs.readFileSync(seen, "utf8").split("\n");
    assert.deepEqual(template.slice(0, 5), [
      "",
      "# Type a comment for the runs below. Lines starting with '#' are ",
      "# ignored. An empty comment aborts the command.",
      "#",
      "# Runs:",
    ]);
    assert.match(template[5]!, /^# {2}\[1\] {2}\S/);
    // An editor that leaves only the template: an empty comment, nothing written.
    const none = guild(["comment", "3", "-e"], { EDITOR: "true", VISUAL: "" });
    assert.deepEqual([none.status, none.stderr], [1, "Aborting due to an empty comment.\n"]);
    assert.equal(attr(2, "comments"), null);
  });
});

describe("guild-update-attrs --stdin", () => {
  const update = (home: string, input: string, args: string[] = []) =>
    runCommand("guild-update-attrs", ["-H", home, "--stdin", ...args], { input });

  test("one outcome per record; Guild's encodings; unchanged attrs are not rewritten", () => {
    const home = generateHome({ runs: 3, seed: 3 });
    const [a, b] = runCommand("guild-rev-parse-run", ["-H", home, "1", "2"]).stdout.trim().split("\n");
    const input = [
      JSON.stringify({ id: a, label: "best", tags: { add: ["b", "a"] }, marked: true, comment: { body: "hi", user: "u", host: "h" } }),
      JSON.stringify({ id: b, tags: ["x"], marked: false }),
      JSON.stringify({ id: "0".repeat(32), marked: true }),
    ].join("\n");
    const r = update(home, input);
    assert.equal(r.status, 1, r.stderr); // one run not found
    assert.equal(
      r.stdout,
      `updated\t${a}\tlabel,tags,marked,comments\nupdated\t${b}\ttags\nnot-found\t${"0".repeat(32)}\tno run of that id (deleted, moved or never there)\n`,
    );
    assert.equal(attrFile(home, a!, "label"), "best\n");
    assert.equal(attrFile(home, a!, "tags"), "- a\n- b\n");
    assert.equal(attrFile(home, a!, "marked"), "true\n");
    assert.match(attrFile(home, a!, "comments")!, /^- body: hi\n {2}host: h\n {2}time: \d+\n {2}user: u\n$/);
    const tagsFile = path.join(home, "runs", a!, ".guild", "attrs", "tags");
    const mtime = fs.statSync(tagsFile).mtimeMs;
    const again = update(home, JSON.stringify({ id: a, tags: { add: ["a"] }, marked: true }), ["--json"]);
    assert.equal(again.status, 0);
    assert.deepEqual(JSON.parse(again.stdout), { id: a, outcome: "unchanged", changed: [], reason: null });
    assert.equal(fs.statSync(tagsFile).mtimeMs, mtime);
    // guild-ls-runs records pass through unchanged: nothing to do.
    const records = runCommand("guild-ls-runs", ["-H", home, "--json"]).stdout;
    const through = update(home, records);
    assert.equal(through.status, 0, through.stderr);
    assert.deepEqual(
      through.stdout
        .trim()
        .split("\n")
        .map((l) => l.split("\t")[0]),
      ["unchanged", "unchanged", "unchanged"],
    );
  });

  test("a bad record is a usage error naming its line, and no run is changed", () => {
    const home = generateHome({ runs: 2, seed: 4 });
    const [a] = runCommand("guild-rev-parse-run", ["-H", home, "1"]).stdout.trim().split("\n");
    for (const [line, message] of [
      ["not json", "stdin line 2: not a JSON record"],
      [JSON.stringify({ id: a, tagz: ["x"] }), 'stdin line 2: unknown field "tagz"'],
      [JSON.stringify({ id: a, marked: "yes" }), 'stdin line 2: "marked" must be true or false; nothing was changed'],
      [JSON.stringify({ id: a, tags: { add: [1] } }), 'stdin line 2: "tags.add" must be a list of strings'],
      [JSON.stringify({ tags: ["x"] }), 'stdin line 2: the record has no "id"'],
      [JSON.stringify({ id: a, comment: " " }), 'stdin line 2: "comment" is empty'],
    ] as const) {
      const r = update(home, `${JSON.stringify({ id: a, label: "changed" })}\n${line}\n`);
      assert.equal(r.status, 2, line);
      assert.equal(r.stdout, "");
      assert.ok(r.stderr.startsWith(`guild-update-attrs: ${message}`), r.stderr);
      assert.equal(attrFile(home, a!, "label") === "changed\n", false);
    }
    const noStdin = runCommand("guild-update-attrs", ["-H", home]);
    assert.equal(noStdin.status, 2);
    const path_ = update(home, JSON.stringify({ id: "../../etc", marked: true }));
    assert.equal(path_.status, 1);
    assert.match(path_.stdout, /^failed\t\.\.\/\.\.\/etc\tinvalid run id/);
  });

  test("a run whose attrs dir is a symbolic link is refused, nothing written through it", () => {
    const home = generateHome({ runs: 1, seed: 5 });
    const [a] = runCommand("guild-rev-parse-run", ["-H", home, "1"]).stdout.trim().split("\n");
    const attrs = path.join(home, "runs", a!, ".guild", "attrs");
    const elsewhere = tempDir("guildts-elsewhere-");
    fs.cpSync(attrs, elsewhere, { recursive: true });
    fs.rmSync(attrs, { recursive: true });
    fs.symlinkSync(elsewhere, attrs);
    const r = update(home, JSON.stringify({ id: a, marked: true }));
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^refused\t/);
    assert.equal(fs.existsSync(path.join(elsewhere, "marked")), false);
  });

  test("two concurrent writers adding tags to one run lose none (the run lock)", async () => {
    const home = generateHome({ runs: 1, seed: 6 });
    const [a] = runCommand("guild-rev-parse-run", ["-H", home, "1"]).stdout.trim().split("\n");
    const writer = (prefix: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [binPath("guild-update-attrs"), "-H", home, "--stdin"], {
          stdio: ["pipe", "ignore", "inherit"],
        });
        child.on("exit", (code) => resolve(code));
        for (let i = 0; i < 40; i++) child.stdin.write(`${JSON.stringify({ id: a, tags: { add: [`${prefix}${i}`] } })}\n`);
        child.stdin.end();
      });
    assert.deepEqual(await Promise.all([writer("a"), writer("b")]), [0, 0]);
    const tags = attrFile(home, a!, "tags")!.trim().split("\n");
    assert.equal(tags.length, 80);
  });

  test("guild-ls-runs --json | jq | guild-update-attrs --stdin annotates a few hundred runs", { skip: !hasTool("jq") }, () => {
    const home = generateHome({ runs: 300, seed: 9 });
    const bin = (n: string) => `${JSON.stringify(process.execPath)} ${JSON.stringify(binPath(n))}`;
    const r = runShell(
      `${bin("guild-ls-runs")} -H ${JSON.stringify(home)} --json | jq -c '{id, tags: {add: ["bulk"]}, comment: {body: "seen", user: "ci", host: "runner"}}' | ${bin("guild-update-attrs")} -H ${JSON.stringify(home)} --stdin --json`,
    );
    assert.equal(r.status, 0, r.stderr);
    const outcomes = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { outcome: string; changed: string[] });
    assert.equal(outcomes.length, 300);
    assert.ok(outcomes.every((o) => o.outcome === "updated" && o.changed.includes("tags") && o.changed.includes("comments")));
    // The porcelain sees what the plumbing wrote.
    const tagged = runCommand("guild-rev-parse-run", ["-H", home, "-t", "bulk", ":"]).stdout.trim().split("\n");
    assert.equal(tagged.length, 300);
    const listed = runCommand("guild", ["-H", home, "comment", "-l", "1"]).stdout;
    assert.match(listed, /\[1\] ci@runner .*\n\n {2}seen\n/);
  });
});
