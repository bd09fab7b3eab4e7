import fs from "node:fs";

/**
 * Buffered writing to a file descriptor (stdout by default) for large outputs: one write per
 * ~64 KiB instead of one per line. A closed pipe (`| head`) ends the process quietly with status
 * 0, as a reader that has seen enough is not an error.
 */
export class LineWriter {
  private buf: string[] = [];
  private size = 0;
  constructor(
    private readonly fd = 1,
    private readonly limit = 1 << 16,
  ) {}

  line(text: string, terminator = "\n"): void {
    this.buf.push(text, terminator);
    this.size += text.length + 1;
    if (this.size >= this.limit) this.flush();
  }

  /** Writes text as is (it carries its own line ends). */
  raw(text: string): void {
    this.flush();
    writeAll(this.fd, text);
  }

  flush(): void {
    if (this.buf.length === 0) return;
    const data = this.buf.join("");
    this.buf = [];
    this.size = 0;
    writeAll(this.fd, data);
  }
}

export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(fd, bytes, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") continue;
      if (code === "EPIPE") process.exit(0);
      throw e;
    }
  }
}

/** Text in a field of a tab-separated plain line: tabs and line breaks would break the line. */
export function oneLine(text: string): string {
  return text.replace(/[\t\r\n]/g, " ");
}

/** An identifier in a plain line: one with control characters is JSON-quoted, as git quotes odd paths. */
export function plainField(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x1f\x7f]/.test(text) ? JSON.stringify(text) : text;
}
