import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { binPath, commandEnv, generateHome, placeFixture, runCommand, tempDir, treeListing } from "@guildts/testkit";
import yazl from "yazl";

const guild = (home: string, args: string[], cwd?: string) =>
  runCommand("guild", args, { env: { GUILD_HOME: home }, ...(cwd ? { cwd } : {}) });
const runIds = (home: string) =>
  fs.existsSync(path.join(home, "runs"))
    ? fs
        .readdirSync(path.join(home, "runs"))
        .filter((n) => !n.startsWith("."))
        .sort()
    : [];
const trees = (root: string, ids: string[]) => ids.map((id) => treeListing(path.join(root, id)));
const lines = (ids: string[], f: (id: string) => string) => ids.map((id) => `${f(id)}\n`).join("");

const TRIAL = "fcc97919d5f1499ba2d664acf66c144d";
const PREPARE = "73dbf46231484e0c9d984c04a09efece";

/**
 * Writes a zip with the given entries (a `link` is stored as a symbolic link entry). yazl refuses
 * hostile names, so each entry is written under a placeholder name of the same length, which is
 * then replaced in the bytes (local header and central directory alike).
 */
async function makeZip(file: string, entries: { name: string; data?: string; link?: string }[]): Promise<void> {
  const zip = new yazl.ZipFile();
  const names: [Buffer, Buffer][] = [];
  entries.forEach((e, i) => {
    const real = Buffer.from(e.name);
    const dir = e.name.endsWith("/");
    const stem = `Q${i}Q`.padEnd(real.length - (dir ? 1 : 0), "Z");
    assert.equal(stem.length + (dir ? 1 : 0), real.length);
    const placeholder = dir ? `${stem}/` : stem;
    names.push([Buffer.from(placeholder), real]);
    if (dir) zip.addEmptyDirectory(placeholder);
    else if (e.link !== undefined) zip.addBuffer(Buffer.from(e.link), placeholder, { mode: 0o120777, compress: false });
    else zip.addBuffer(Buffer.from(e.data ?? ""), placeholder, { compress: false });
  });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  const bytes = Buffer.concat(chunks);
  for (const [from, to] of names) {
    let at = bytes.indexOf(from);
    assert.ok(at >= 0);
    for (; at >= 0; at = bytes.indexOf(from, at + 1)) to.copy(bytes, at);
  }
  fs.writeFileSync(file, bytes);
}

/** A whole run of a zip (valid opref), under `id/`. */
function zipRun(id: string): { name: string; data?: string }[] {
  return [
    { name: `${id}/` },
    { name: `${id}/.guild/opref`, data: "guildfile:/tmp/p 0123 m train\n" },
    { name: `${id}/.guild/attrs/started`, data: "1767225600000000\n" },
    { name: `${id}/out.txt`, data: "hello\n" },
  ];
}

describe("guild runs export / import", () => {
  test("to a directory and back: Guild's messages, .guild-nocopy, byte-identical runs in the new home", () => {
    const home = generateHome({ runs: 6, seed: 151 });
    const ids = runIds(home);
    const out = path.join(tempDir(), "exports");
    const r = guild(home, ["runs", "export", out, "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`Exported 6 run\\(s\\) to ${out}\\n$`));
    assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("Copying ")).length, 6);
    assert.ok(fs.statSync(path.join(out, ".guild-nocopy")).isFile());
    assert.deepEqual(fs.readdirSync(out).sort(), [".guild-nocopy", ...ids]);
    assert.deepEqual(trees(out, ids), trees(path.join(home, "runs"), ids));

    const home2 = path.join(tempDir(), "home2");
    const i = guild(home2, ["import", out, "-y"]);
    assert.equal(i.status, 0, i.stderr);
    assert.match(i.stderr, new RegExp(`Imported 6 run\\(s\\) from ${out}\\n$`));
    assert.deepEqual(runIds(home2), ids);
    assert.deepEqual(trees(path.join(home2, "runs"), ids), trees(path.join(home, "runs"), ids));
    // The source is untouched by a copy.
    assert.deepEqual(runIds(home), ids);
  });

  test("to a .zip and back (also into an existing zip: its runs kept, a run already in it skipped)", () => {
    const home = generateHome({ runs: 5, seed: 152 });
    const ids = runIds(home);
    const zip = path.join(tempDir(), "runs.ZIP");
    const first = guild(home, ["export", zip, "1:2", "-y"]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /Exported 2 run\(s\)/);
    const second = guild(home, ["runs", "export", zip, "-y"]);
    assert.equal(second.status, 0, second.stderr);
    const skipped = second.stderr.split("\n").filter((l) => l.endsWith(" exists, skipping"));
    assert.equal(skipped.length, 2);
    assert.match(second.stderr, /Exported 3 run\(s\) to /);
    assert.deepEqual(
      fs.readdirSync(path.dirname(zip)).filter((n) => n !== "runs.ZIP"),
      [],
      "no temporary zip left beside it",
    );
    const home2 = path.join(tempDir(), "home2");
    const i = guild(home2, ["runs", "import", zip, "-y"]);
    assert.equal(i.status, 0, i.stderr);
    assert.match(i.stderr, /Imported 5 run\(s\) from /);
    assert.deepEqual(runIds(home2), ids);
    assert.deepEqual(trees(path.join(home2, "runs"), ids), trees(path.join(home, "runs"), ids));
    assert.deepEqual(fs.readdirSync(path.join(home2, "runs", ".guildts-new")), [], "the unpacked zip is removed");
  });

  test("what a killed export left in LOCATION (hidden, its process gone) is swept by the next export", () => {
    const home = generateHome({ runs: 2, seed: 157 });
    const out = path.join(tempDir(), "ex");
    fs.mkdirSync(out);
    const left = `.guildts-partial-${runIds(home)[0]}.0badc0de.4000000.${os.hostname()}`;
    fs.mkdirSync(path.join(out, left, ".guild"), { recursive: true });
    fs.writeFileSync(path.join(out, left, ".guild", "opref"), "half\n");
    const r = guild(home, ["export", out, "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), [".guild-nocopy", ...runIds(home)]);
  });

  test("an import never overwrites a run: an existing id is skipped with Guild's message", () => {
    const home = generateHome({ runs: 3, seed: 153 });
    const ids = runIds(home);
    const out = path.join(tempDir(), "ex");
    assert.equal(guild(home, ["export", out, "-y"]).status, 0);
    fs.writeFileSync(path.join(home, "runs", ids[0]!, "mine.txt"), "changed here\n");
    const before = trees(path.join(home, "runs"), ids);
    const r = guild(home, ["import", out, "-y"]);
    assert.equal(r.status, 0);
    assert.deepEqual(
      r.stderr.split("\n").sort(),
      `${lines(ids, (id) => `WARNING: ${id} exists, skipping`)}Imported 0 run(s) from ${out}\n`.split("\n").sort(),
    );
    assert.deepEqual(trees(path.join(home, "runs"), ids), before);
    // The same for an export onto an existing run directory.
    const again = guild(home, ["export", out, ids[1]!, "-y"]);
    assert.equal(again.stderr, `WARNING: ${path.join(out, ids[1]!)} exists, skipping\nExported 0 run(s) to ${out}\n`);
  });

  test("--move: export sends the source runs to the trash once copied; import removes them from the archive", () => {
    const home = generateHome({ runs: 4, seed: 154 });
    const ids = runIds(home);
    const src = trees(path.join(home, "runs"), ids);
    const out = path.join(tempDir(), "moved");
    const r = guild(home, ["runs", "export", out, "--move", "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("Moving ")).length, 4);
    assert.deepEqual(runIds(home), []);
    assert.deepEqual(fs.readdirSync(path.join(home, "trash", "runs")).sort(), ids);
    assert.deepEqual(trees(out, ids), src);
    const home2 = path.join(tempDir(), "h2");
    const i = guild(home2, ["import", out, "-m", "-y"]);
    assert.equal(i.status, 0, i.stderr);
    assert.deepEqual(trees(path.join(home2, "runs"), ids), src);
    assert.deepEqual(fs.readdirSync(out), [".guild-nocopy"]);
    // To a zip, --move too sends the runs to the trash, once the zip is in place.
    const zip = path.join(tempDir(), "a.zip");
    const mz = guild(home2, ["export", zip, "1:2", "--move", "-y"]);
    assert.equal(mz.status, 0, mz.stderr);
    assert.equal(runIds(home2).length, 2);
    assert.equal(fs.readdirSync(path.join(home2, "trash", "runs")).length, 2);
    assert.ok(fs.statSync(zip).isFile());
    // A zip cannot be moved from.
    const z = guild(path.join(tempDir(), "h3"), ["import", zip, "--move", "-y"]);
    assert.deepEqual([z.status, z.stderr.split("\n")[0]], [2, "guild: '--move' cannot be used with zip archives"]);
  });

  test("links: one that stays inside the run is kept, one that leaves it is skipped with a warning; -r copies its target", () => {
    const fx = placeFixture("guild-0.9-batch-home");
    const run = path.join(fx.home, "runs", TRIAL);
    fs.symlinkSync("guild.yml", path.join(run, "inside-link"));
    fs.symlinkSync("/etc/passwd", path.join(run, "abs-link"));
    const out = path.join(tempDir(), "ex");
    const r = guild(fx.home, ["export", out, TRIAL, "-y"], fx.alice);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stderr,
      `Copying ${TRIAL}\n` +
        `WARNING: ${TRIAL}: skipping abs-link: link to '/etc/passwd' leaves the run (use --copy-resources to copy what it points to)\n` +
        `WARNING: ${TRIAL}: skipping data.txt: link to '../${PREPARE}/data.txt' leaves the run (use --copy-resources to copy what it points to)\n` +
        `Exported 1 run(s) to ${out}\n`,
    );
    assert.equal(fs.readlinkSync(path.join(out, TRIAL, "inside-link")), "guild.yml");
    assert.ok(!fs.existsSync(path.join(out, TRIAL, "data.txt")));
    assert.ok(!fs.existsSync(path.join(out, TRIAL, "abs-link")));

    fs.unlinkSync(path.join(run, "abs-link"));
    const withRes = path.join(tempDir(), "res.zip");
    const c = guild(fx.home, ["export", withRes, TRIAL, "-r", "-y"], fx.alice);
    assert.equal(c.status, 0, c.stderr);
    const home2 = path.join(tempDir(), "h2");
    assert.equal(guild(home2, ["import", withRes, "-y"]).status, 0);
    const data = path.join(home2, "runs", TRIAL, "data.txt");
    assert.ok(fs.lstatSync(data).isFile(), "the dependency's file copied as content");
    assert.equal(fs.readFileSync(data, "utf8"), fs.readFileSync(path.join(fx.home, "runs", PREPARE, "data.txt"), "utf8"));
  });

  test("Guild's own export directory (the fixture) imports; runs are those with .guild/opref", () => {
    const fx = placeFixture("guild-0.9-batch-home");
    const exports = path.join(fx.alice, "exports");
    fs.mkdirSync(path.join(exports, "not-a-run"));
    const home2 = path.join(tempDir(), "h2");
    const r = guild(home2, ["import", exports, "-y"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^Copying ${TRIAL}\\n`));
    assert.match(r.stderr, /Imported 1 run\(s\) from /);
    assert.deepEqual(runIds(home2), [TRIAL]);
    const listed = guild(home2, ["runs", "list", "-a"]);
    assert.match(listed.stdout, /\[1:fcc97919\] {2}cls:train/);
  });

  test("a hostile zip is refused whole before anything is written", async () => {
    const id = "0123456789abcdef0123456789abcdef";
    const cases: [string, { name: string; data?: string; link?: string }[], RegExp][] = [
      ["dotdot", [...zipRun(id), { name: `${id}/../../evil.txt`, data: "x" }], /leaves its run \(\.\.\)/],
      ["absolute", [...zipRun(id), { name: "/tmp/evil.txt", data: "x" }], /is an absolute path/],
      ["outside a run", [...zipRun(id), { name: "evil.txt", data: "x" }], /is not inside a run directory/],
      [
        "link out",
        [...zipRun(id), { name: `${id}/l`, link: "../../../etc" }],
        /is a link to '\.\.\/\.\.\/\.\.\/etc', which leaves its run/,
      ],
      ["absolute link", [...zipRun(id), { name: `${id}/l`, link: "/etc/passwd" }], /which leaves its run/],
      [
        "link out through a link",
        [...zipRun(id), { name: `${id}/d1/d2/up`, link: "../.." }, { name: `${id}/b`, link: "d1/d2/up/.." }],
        /entry "0123456789abcdef0123456789abcdef\/b" is a link to 'd1\/d2\/up\/\.\.', which leaves its run/,
      ],
      ["through a link", [...zipRun(id), { name: `${id}/l`, link: "out.txt" }, { name: `${id}/l/x`, data: "x" }], /is inside a link/],
    ];
    for (const [what, entries, message] of cases) {
      const dir = tempDir();
      const zip = path.join(dir, "hostile.zip");
      await makeZip(zip, entries);
      const home = path.join(dir, "home");
      const r = guild(home, ["import", zip, "-y"]);
      assert.equal(r.status, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr, message, what);
      assert.match(r.stderr, /^guild: refusing .*hostile\.zip: entry .*; nothing was imported\n$/, what);
      assert.equal(r.stderr.split("\n").length, 2, `${what}: one line`);
      assert.deepEqual(runIds(home), [], what);
      assert.ok(!fs.existsSync(path.join(home, "runs", ".guildts-new")), `${what}: nothing staged`);
      assert.deepEqual(fs.readdirSync(dir), ["hostile.zip"], `${what}: nothing written, not even the home`);
    }
    // The same run without the hostile entry imports.
    const dir = tempDir();
    await makeZip(path.join(dir, "ok.zip"), [...zipRun(id), { name: `${id}/l`, link: "out.txt" }]);
    const ok = guild(path.join(dir, "home"), ["import", path.join(dir, "ok.zip"), "-y"]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(fs.readlinkSync(path.join(dir, "home", "runs", id, "l")), "out.txt");
  });

  test("bad targets and archives: one-line errors naming them, nothing written", () => {
    const home = generateHome({ runs: 2, seed: 155 });
    const dir = tempDir();
    const file = path.join(dir, "a-file");
    fs.writeFileSync(file, "x");
    const r = guild(home, ["export", file, "-y"]);
    assert.deepEqual([r.status, r.stderr], [1, `guild: '${file}' is not a directory\n`]);
    const missing = guild(home, ["import", path.join(dir, "nope"), "-y"]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /'.*nope' is not a valid archive - use a path to a directory or a zip file\n$/);
    const notZip = guild(home, ["import", file, "-y"]);
    assert.equal(notZip.status, 2);
    assert.match(notZip.stderr, /^guild: invalid archive .*a-file - expected a directory or a zip file\n/);
    const badZip = path.join(dir, "bad.zip");
    fs.writeFileSync(badZip, "not a zip");
    const bz = guild(home, ["import", badZip, "-y"]);
    assert.equal(bz.status, 1);
    assert.match(bz.stderr, /^guild: invalid archive .*bad\.zip: /);
    const onto = guild(home, ["export", badZip, "-y"]);
    assert.equal(onto.status, 1);
    assert.match(onto.stderr, /^guild: cannot write to .*bad\.zip: /);
    assert.equal(fs.readFileSync(badZip, "utf8"), "not a zip");
    // A home whose runs/ is a file.
    const out = path.join(dir, "ex");
    assert.equal(guild(home, ["export", out, "-y"]).status, 0);
    const badHome = path.join(dir, "badhome");
    fs.mkdirSync(badHome);
    fs.writeFileSync(path.join(badHome, "runs"), "");
    const b = guild(badHome, ["import", out, "-y"]);
    assert.equal(b.status, 1);
    assert.equal(b.stderr.split("\n").length, 2, b.stderr);
    assert.match(b.stderr, /runs is not a directory/);
    // No terminal and no -y: nothing exported.
    const no = guild(home, ["export", path.join(dir, "ex2")]);
    assert.equal(no.status, 2);
    assert.match(no.stderr, /not exporting 2 run\(s\): no terminal to confirm on/);
    assert.ok(!fs.existsSync(path.join(dir, "ex2")));
    const none = guild(home, ["export", out, "-E", "-y"]);
    assert.deepEqual([none.status, none.stderr], [0, "No runs to export.\n"]);
  });

  test("kill -9 in the middle of an import leaves each run whole in runs/ or absent; the next import finishes", async () => {
    const home = generateHome({ runs: 3, seed: 156 });
    const ids = runIds(home);
    // Big runs, so that the kill lands while one is being copied.
    for (const id of ids) {
      const bulk = path.join(home, "runs", id, "bulk");
      fs.mkdirSync(bulk);
      for (let i = 0; i < 1500; i++) fs.writeFileSync(path.join(bulk, `f${i}.txt`), `${id} ${i}\n`.repeat(50));
    }
    const out = path.join(tempDir(), "ex");
    assert.equal(guild(home, ["export", out, "-y"]).status, 0);
    const want = new Map(ids.map((id) => [id, treeListing(path.join(out, id))]));
    const home2 = path.join(tempDir(), "h2");
    const staging = path.join(home2, "runs", ".guildts-new");
    const child = spawn(process.execPath, [binPath("guild"), "import", out, "-y"], {
      env: commandEnv({ GUILD_HOME: home2 }),
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // Kill once a run is being built (an entry in runs/.guildts-new holding files).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const building = fs.existsSync(staging) ? fs.readdirSync(staging) : [];
      if (building.length && fs.existsSync(path.join(staging, building[0]!, "bulk", "f10.txt"))) break;
      assert.ok(Date.now() < deadline, "the import never started building a run");
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill("SIGKILL");
    await exited;
    const landed = runIds(home2);
    assert.ok(landed.length < ids.length, "killed before the end");
    for (const id of landed) assert.equal(treeListing(path.join(home2, "runs", id)), want.get(id), `${id} is whole`);
    assert.equal(fs.readdirSync(staging).length, 1, "the half run is only in the hidden staging area");
    const listed = guild(home2, ["runs", "list", "-a"]);
    assert.equal(listed.stdout.split("\n").filter((l) => l.startsWith("[")).length, landed.length);
    const again = guild(home2, ["import", out, "-y"]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(runIds(home2), ids);
    for (const id of ids) assert.equal(treeListing(path.join(home2, "runs", id)), want.get(id));
    assert.deepEqual(fs.readdirSync(staging), [], "the killed import's leftovers are swept");
  });
});
