import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { fixtureDir } from "@guildts/testkit";
import { commentAuthor, removeLabelPart, syncedLabel, updateRunAttrs } from "../src/annotate.js";

/** A home with one bare run (`.guild/attrs/` only). */
function home(): { home: string; id: string; attrs: string } {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), "guildts-annotate-"));
  const id = "a".repeat(32);
  const attrs = path.join(h, "runs", id, ".guild", "attrs");
  fs.mkdirSync(attrs, { recursive: true });
  return { home: h, id, attrs };
}

describe("annotations in Guild's encodings", () => {
  test("a comment written with Guild's values is byte for byte Guild's comments attr", () => {
    const { home: h, id, attrs } = home();
    const r = updateRunAttrs(h, id, {
      comment: { body: "Best grid trial so far.", user: "alice", host: "alice-laptop", time: 1796160842502647 },
    });
    assert.deepEqual(r, { id, outcome: "updated", changed: ["comments"], reason: null });
    const guild = path.join(fixtureDir("guild-0.9-batch-home"), "home", "runs", "fcc97919d5f1499ba2d664acf66c144d", ".guild", "attrs");
    assert.equal(fs.readFileSync(path.join(attrs, "comments"), "utf8"), fs.readFileSync(path.join(guild, "comments"), "utf8"));
    updateRunAttrs(h, id, { tags: { add: ["review", "good", "good"] }, marked: true });
    assert.equal(fs.readFileSync(path.join(attrs, "tags"), "utf8"), fs.readFileSync(path.join(guild, "tags"), "utf8"));
    const prepare = path.join(fixtureDir("guild-0.9-batch-home"), "home", "runs", "73dbf46231484e0c9d984c04a09efece", ".guild", "attrs");
    assert.equal(fs.readFileSync(path.join(attrs, "marked"), "utf8"), fs.readFileSync(path.join(prepare, "marked"), "utf8"));
    updateRunAttrs(h, id, { marked: false, tags: { clear: true } });
    assert.equal(fs.existsSync(path.join(attrs, "marked")), false);
    assert.equal(fs.readFileSync(path.join(attrs, "tags"), "utf8"), "[]\n");
  });

  test("--sync-labels and label parts as Guild computes them", () => {
    assert.equal(removeLabelPart("a b.c ab b", "b"), "a b.c ab");
    assert.equal(removeLabelPart("x.y xzy", "x.y"), "xzy"); // literal, not a regex
    assert.equal(syncedLabel("lr=0.1 draft", ["draft"], ["final", "lr=0.1"]), "final lr=0.1");
    assert.equal(syncedLabel("", [], ["a", "b"]), "a b"); // Guild: "a b " (a trailing space)
    const { home: h, id, attrs } = home();
    fs.writeFileSync(path.join(attrs, "label"), "old draft\n");
    fs.writeFileSync(path.join(attrs, "tags"), "- draft\n- old\n");
    updateRunAttrs(h, id, { tags: { clear: true, add: ["new"] }, syncLabels: true });
    assert.equal(fs.readFileSync(path.join(attrs, "label"), "utf8"), "new\n");
  });

  test("-u USER[@HOST]; a missing run, a bad id, a label that is not text", () => {
    assert.deepEqual(commentAuthor("bob@box"), { user: "bob", host: "box" });
    assert.deepEqual(commentAuthor("bob"), { user: "bob", host: os.hostname() });
    const { home: h, id, attrs } = home();
    assert.equal(updateRunAttrs(h, "b".repeat(32), { marked: true }).outcome, "not-found");
    assert.equal(updateRunAttrs(h, "..", { marked: true }).outcome, "failed");
    fs.writeFileSync(path.join(attrs, "label"), "- a\n- b\n");
    const r = updateRunAttrs(h, id, { editLabel: (old) => `${old} x`, marked: true });
    assert.equal(r.outcome, "failed");
    assert.match(r.reason!, /the label is not text \(a list\)/);
    assert.equal(fs.existsSync(path.join(attrs, "marked")), false, "nothing of a refused change is written");
    assert.equal(updateRunAttrs(h, id, { label: "set" }).outcome, "updated");
  });
});
