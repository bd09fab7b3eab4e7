import fs from "node:fs";
import path from "node:path";
import { decodeAttr } from "./yaml/decode.js";
import { writeFileAtomic } from "./atomic.js";
import { encodeAttr } from "./yaml/encode.js";
import type { AttrValue } from "./yaml/value.js";

const ATTR_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function attrPath(runDir: string, name: string): string {
  if (!ATTR_NAME.test(name)) throw new Error(`invalid attribute name '${name}'`);
  return path.join(runDir, ".guild", "attrs", name);
}

/** Reads and decodes one attr; undefined when the file does not exist. */
export function readAttr(runDir: string, name: string): AttrValue | undefined {
  let text: string;
  try {
    text = fs.readFileSync(attrPath(runDir, name), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  return decodeAttr(text);
}

/**
 * Writes an attr exactly as Guild does (`encode_yaml(value) + "\n"`), atomically: the temporary
 * file lives in `.guild/` (Guild lists `attrs/` and would see a stray entry there) and is renamed
 * into place, so a reader or a crash sees the old content or the new, never a part.
 */
export function writeAttr(runDir: string, name: string, value: AttrValue): void {
  const target = attrPath(runDir, name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  writeFileAtomic(target, encodeAttr(value), { tmpDir: path.join(runDir, ".guild"), fsync: true });
}

/** Deletes an attr (Guild's `del_attr`); a missing attr is not an error. */
export function deleteAttr(runDir: string, name: string): void {
  fs.rmSync(attrPath(runDir, name), { force: true });
}
