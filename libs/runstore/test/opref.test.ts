import assert from "node:assert/strict";
import { test } from "node:test";
import { describeOperation, describeOpRef, formatOpRef, opDir, OpRefError, parseOpRef } from "../src/opref.js";

test("parses a 0.9 guildfile opref written by Guild", () => {
  const o = parseOpRef("guildfile:/home/alice/mnist/guild.yml 7d11b1c1c0c60d8ddf75cc4fb676237c mnist train");
  assert.deepEqual(o, {
    type: "guildfile",
    pkg: "/home/alice/mnist/guild.yml",
    version: "7d11b1c1c0c60d8ddf75cc4fb676237c",
    model: "mnist",
    op: "train",
  });
  assert.equal(describeOpRef(o!), "mnist:train");
  assert.equal(opDir(o!), "/home/alice/mnist");
});

test("every pkg type of the spec parses and describes as Guild does", () => {
  const cases: [string, string, string | null][] = [
    ["guildfile:/home/alice/iris/guild.yml 30a2c59e '' finetune", "finetune", "/home/alice/iris"],
    ["script:/p '' '' train.py", "train.py", "/p"],
    ["package:gpkg.mnist 0.6.1 logreg train", "gpkg.mnist/logreg:train", null],
    ["package:fashion 1.0 '' train", "fashion/train", null],
    ["builtin:guildai 0.9.0 '' +", "+", null],
    ["func:'' '' '' f", "f()", null],
    ["import:/p/guild.yml '' m op", "m:op", "/p"],
    ["pending:'' '' '' op", "op", null],
    ["test: '' util test", "util:test", null],
    ["weird:x y z w", "?", null],
  ];
  for (const [text, desc, dir] of cases) {
    const o = parseOpRef(text)!;
    assert.equal(describeOpRef(o), desc, text);
    assert.equal(opDir(o), dir, text);
  }
});

test("the first token splits at the first colon, so a name may hold colons", () => {
  assert.equal(parseOpRef("package:a:b 1 m op")!.pkg, "a:b");
});

test("paths with spaces: quoted (0.9) and backslash-escaped (sample) forms parse alike", () => {
  const a = parseOpRef("guildfile:'/foo/project with spaces' abc '' train")!;
  const b = parseOpRef("guildfile:/foo/project\\ with\\ spaces abc '' train")!;
  assert.deepEqual(a, b);
  assert.equal(a.pkg, "/foo/project with spaces");
});

test("an empty opref is no opref; malformed ones raise OpRefError", () => {
  assert.equal(parseOpRef(""), null);
  assert.equal(parseOpRef("  \n"), null);
  assert.throws(() => parseOpRef("not a valid opref"), OpRefError);
  assert.throws(() => parseOpRef("guildfile:/p v m"), OpRefError);
  assert.throws(() => parseOpRef("noColon v m op"), OpRefError);
  assert.throws(() => parseOpRef("guildfile:'/p v m op"), OpRefError);
});

test("formatOpRef writes what Guild writes and round-trips", () => {
  const texts = [
    "guildfile:/home/alice/mnist/guild.yml 7d11b1c1c0c60d8ddf75cc4fb676237c mnist train",
    "guildfile:/home/alice/iris/guild.yml 30a2c59e0d2684dd0d04affa68857791 '' finetune",
    "guildfile:'/foo/project with spaces' abc '' train",
    "script:/p '' '' train.py",
    "builtin:guildai 0.9.0 '' +",
  ];
  for (const t of texts) assert.equal(formatOpRef(parseOpRef(t)!), t);
  const o = { type: "script", pkg: "/it's", version: "", model: "", op: "a b" };
  assert.deepEqual(parseOpRef(formatOpRef(o)), o);
  // Guild's rewrite of a value wrapped in single quotes.
  assert.equal(formatOpRef({ type: "t", pkg: "'x'", version: "", model: "", op: "o" }), `t:"'x'" '' '' o`);
});

test("batch descriptions join the proto's", () => {
  const proto = parseOpRef("guildfile:/p/guild.yml v m train")!;
  assert.equal(describeOperation(parseOpRef("builtin:guildai 0.9.0 '' +")!, proto), "m:train+");
  assert.equal(describeOperation(parseOpRef("builtin:guildai 0.9.0 '' random")!, proto), "m:train+random");
  assert.equal(describeOperation(proto, null), "m:train");
});

// ---- cases mutation testing found untested (bench/MUTATION.md) ----

test("an opref needs a TYPE:PKG first field; an empty type is kept, as Guild splits it", () => {
  assert.throws(
    () => parseOpRef("guildfile v m op"),
    (e: unknown) => e instanceof OpRefError && /invalid opref: "guildfile v m op"/.test(String(e)),
  );
  assert.deepEqual(parseOpRef(":p v m op"), { type: "", pkg: "p", version: "v", model: "m", op: "op" });
  assert.throws(() => parseOpRef("a:b 'v m op"), /invalid opref: .*: "a:b 'v m op"/);
});

test("formatOpRef: a field quoted as a whole is written \"'x'\"; one lone quote stays shlex's", () => {
  const o = { type: "guildfile", pkg: "/p/guild.yml", version: "'x'", model: "'", op: "train" };
  assert.equal(formatOpRef(o), `guildfile:/p/guild.yml "'x'" ''"'"'' train`);
  assert.deepEqual(parseOpRef(formatOpRef(o)), o);
});

test("a batch operation whose own op starts with + is joined without another +", () => {
  const proto = { type: "guildfile", pkg: "/p/guild.yml", version: "", model: "m", op: "train" };
  const batch = (op: string) => ({ type: "guildfile", pkg: "/p/guild.yml", version: "", model: "", op });
  assert.equal(describeOperation(batch("+random"), proto), "m:train+random");
  assert.equal(describeOperation(batch("optimizer"), proto), "m:train+optimizer");
});
