import fs from "node:fs";

/**
 * Buffered writing to a file descriptor (stdout by default) for large outputs: one write per
 * ~64 KiB instead of one per line. A closed pipe (`| head`) ends the process quietly with status
 * 0, as a reader that has seen enough is not an error.
 */
export class LineWriter {
  private buf: string[] = [];
  private size = 0;
  constructor(private readonly fd = 1, private readonly limit = 1 << 16) {}

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

export function writeAll(fd: number, data: string): void {
  const bytes = Buffer.from(data, "utf8");
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
