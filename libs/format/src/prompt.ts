import fs from "node:fs";
import { CliError, EXIT } from "./exit.js";

/** Whether a confirmation prompt can be shown: stdin and stderr are terminals. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Reads one line from stdin, synchronously (a prompt is the only thing happening). */
export function readLineSync(): string | null {
  const buf = Buffer.alloc(1);
  const bytes: number[] = [];
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, buf, 0, 1, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        continue;
      }
      if (code === "EOF") return bytes.length ? Buffer.from(bytes).toString("utf8") : null;
      throw e;
    }
    if (n === 0) return bytes.length ? Buffer.from(bytes).toString("utf8") : null;
    if (buf[0] === 0x0a) return Buffer.from(bytes).toString("utf8").replace(/\r$/, "");
    bytes.push(buf[0]!);
  }
}

/**
 * Asks a yes/no question on stderr and reads the answer. `y`/`yes` (any case) is yes; anything
 * else and an empty answer are no: the default is always no. End of input is no answer at all:
 * as in Guild (click's Abort), a newline on stderr and exit 1, nothing changed.
 */
export function confirm(question: string): boolean {
  process.stderr.write(`${question} (y/N) `);
  const answer = readLineSync();
  if (answer === null) {
    process.stderr.write("\n");
    throw new CliError("", EXIT.NO_MATCH);
  }
  return /^(y|yes)$/i.test(answer.trim());
}
