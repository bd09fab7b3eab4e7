import fs from "node:fs";
import path from "node:path";
import { decodeAttr } from "./yaml/decode.js";
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

let tmpCounter = 0;

/**
 * Writes an attr exactly as Guild does (`encode_yaml(value) + "\n"`), atomically: the temporary
 * file lives in `.guild/` (Guild lists `attrs/` and would see a stray entry there) and is renamed
 * into place, so a reader or a crash sees the old content or the new, never a part.
 */
export function writeAttr(runDir: string, name: string, value: AttrValue): void {
  const target = attrPath(runDir, name);
  const content = encodeAttr(value);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(runDir, ".guild", `.attr-${name}.${process.pid}.${++tmpCounter}.tmp`);
  try {
    const fd = fs.openSync(tmp, "wx", 0o644);
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Deletes an attr (Guild's `del_attr`); a missing attr is not an error. */
export function deleteAttr(runDir: string, name: string): void {
  fs.rmSync(attrPath(runDir, name), { force: true });
}
