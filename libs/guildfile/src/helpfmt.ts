/**
 * Click's help formatter as Guild uses it for `--help-op` and `guild help`: Python's
 * `textwrap.TextWrapper` (with click's long-word handling), `click.formatting.wrap_text`
 * (paragraphs, `\b` raw blocks) and `HelpFormatter` with Guild's `write_dl` patch
 * (`click_util.ClickBaseHelpFormatter`: paragraphs kept, a blank line after a multi-line entry).
 *
 * The width is click's for a non-terminal: `min(80, columns) - 2` = 78.
 */
import { isBlank, pyLen } from "@guildts/py";

const WS = "\\t\\n\\x0b\\x0c\\r ";
const WP = "[\\p{L}\\p{N}_!\"'&.,?]";
const LT = "[\\p{L}_]";
const W = "[\\p{L}\\p{N}_]";
/** Python's `TextWrapper.wordsep_re` (break_on_hyphens=True). */
const WORDSEP_RE = new RegExp(
  `([${WS}]+|(?<=${WP})-{2,}(?=${W})|[^${WS}]+?(?:-(?:(?<=${LT}{2}-)|(?<=${LT}-${LT}-))(?=${LT}-?${LT})|(?=[${WS}]|$)|(?<=${WP})(?=-{2,}${W})))`,
  "gu",
);

function splitChunks(text: string): string[] {
  const chunks: string[] = [];
  let last = 0;
  for (const m of text.matchAll(WORDSEP_RE)) {
    if (m.index > last) chunks.push(text.slice(last, m.index));
    if (m[0]) chunks.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) chunks.push(text.slice(last));
  return chunks;
}

function sliceCp(s: string, start: number, end?: number): string {
  return [...s].slice(start, end).join("");
}

/** Python `str.splitlines()`. */
export function splitLines(s: string): string[] {
  const parts = s.split(/\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]/);
  if (parts.length && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** Python's `textwrap.TextWrapper` (replace_whitespace=False) with click's long-word cut. */
export class TextWrapper {
  constructor(
    public width: number,
    public initialIndent = "",
    public subsequentIndent = "",
  ) {}

  wrap(text: string): string[] {
    const chunks = splitChunks(text).reverse();
    const lines: string[] = [];
    while (chunks.length) {
      const curLine: string[] = [];
      let curLen = 0;
      const indent = lines.length ? this.subsequentIndent : this.initialIndent;
      const width = this.width - pyLen(indent);
      if (isBlank(chunks[chunks.length - 1]!) && lines.length) chunks.pop();
      while (chunks.length) {
        const l = pyLen(chunks[chunks.length - 1]!);
        if (curLen + l <= width) {
          curLine.push(chunks.pop()!);
          curLen += l;
        } else break;
      }
      if (chunks.length && pyLen(chunks[chunks.length - 1]!) > width) {
        const spaceLeft = Math.max(width - curLen, 1);
        const last = chunks[chunks.length - 1]!;
        curLine.push(sliceCp(last, 0, spaceLeft));
        chunks[chunks.length - 1] = sliceCp(last, spaceLeft);
        curLen = curLine.reduce((n, c) => n + pyLen(c), 0);
      }
      if (curLine.length && isBlank(curLine[curLine.length - 1]!)) {
        curLen -= pyLen(curLine[curLine.length - 1]!);
        curLine.pop();
      }
      if (curLine.length) lines.push(indent + curLine.join(""));
    }
    return lines;
  }

  fill(text: string): string {
    return this.wrap(text).join("\n");
  }

  indentOnly(text: string): string {
    return splitLines(text)
      .map((line, i) => (i > 0 ? this.subsequentIndent : this.initialIndent) + line)
      .join("\n");
  }
}

function expandTabs(s: string): string {
  return s
    .split("\n")
    .map((line) => {
      let out = "";
      for (const ch of line) out += ch === "\t" ? " ".repeat(8 - (pyLen(out) % 8)) : ch;
      return out;
    })
    .join("\n");
}

const LSTRIP_RE = /^[\s\x1c-\x1f\x85]+/u;

/** `click.formatting.wrap_text`. */
export function wrapText(text: string, width = 78, initialIndent = "", subsequentIndent = "", preserveParagraphs = false): string {
  if (text.includes("\t")) text = expandTabs(text);
  if (!preserveParagraphs) return new TextWrapper(width, initialIndent, subsequentIndent).fill(text);
  const p: [number, boolean, string][] = [];
  let buf: string[] = [];
  let indent: number | null = null;
  const flush = () => {
    if (!buf.length) return;
    if (buf[0]!.replace(LSTRIP_RE, "").replace(/[\s\x1c-\x1f\x85]+$/u, "") === "\b") p.push([indent ?? 0, true, buf.slice(1).join("\n")]);
    else p.push([indent ?? 0, false, buf.join(" ")]);
    buf = [];
  };
  for (let line of splitLines(text)) {
    if (!line) {
      flush();
      indent = null;
    } else {
      if (indent === null) {
        const orig = pyLen(line);
        line = line.replace(LSTRIP_RE, "");
        indent = orig - pyLen(line);
      }
      buf.push(line);
    }
  }
  flush();
  return p
    .map(([ind, raw, t]) => {
      const w = new TextWrapper(width, initialIndent + " ".repeat(ind), subsequentIndent + " ".repeat(ind));
      return raw ? w.indentOnly(t) : w.fill(t);
    })
    .join("\n\n");
}

/** click's `HelpFormatter` with Guild's `write_dl`. */
export class HelpFormatter {
  currentIndent = 0;
  readonly buffer: string[] = [];
  constructor(public width = 78) {}

  write(s: string): void {
    this.buffer.push(s);
  }
  indent(): void {
    this.currentIndent += 2;
  }
  dedent(): void {
    this.currentIndent -= 2;
  }
  getvalue(): string {
    return this.buffer.join("");
  }

  writeUsage(prog: string, args = "", prefix = "Usage: "): void {
    const usagePrefix = `${prefix.padStart(this.currentIndent)}${prog} `;
    const textWidth = this.width - this.currentIndent;
    if (textWidth >= pyLen(usagePrefix) + 20) {
      this.write(wrapText(args, textWidth, usagePrefix, " ".repeat(pyLen(usagePrefix))));
    } else {
      this.write(usagePrefix);
      this.write("\n");
      const indent = " ".repeat(Math.max(this.currentIndent, pyLen(prefix)) + 4);
      this.write(wrapText(args, textWidth, indent, indent));
    }
    this.write("\n");
  }

  writeHeading(heading: string): void {
    this.write(`${" ".repeat(this.currentIndent)}${heading}:\n`);
  }

  writeParagraph(): void {
    if (this.buffer.length) this.write("\n");
  }

  writeText(text: string): void {
    const indent = " ".repeat(this.currentIndent);
    this.write(wrapText(text, this.width, indent, indent, true));
    this.write("\n");
  }

  writeDl(rows: [string, string][], preserveParagraphs = false, colMax = 30, colSpacing = 2): void {
    let width0 = 0;
    for (const [a] of rows) width0 = Math.max(width0, pyLen(a));
    const firstCol = Math.min(width0, colMax) + colSpacing;
    for (const [first, second] of rows) {
      this.write(`${" ".repeat(this.currentIndent)}${first}`);
      if (!second) {
        this.write("\n");
        continue;
      }
      if (pyLen(first) <= firstCol - colSpacing) this.write(" ".repeat(firstCol - pyLen(first)));
      else {
        this.write("\n");
        this.write(" ".repeat(firstCol + this.currentIndent));
      }
      const textWidth = Math.max(this.width - firstCol - 2, 10);
      const lines = splitLines(wrapText(second, textWidth, "", "", preserveParagraphs));
      if (lines.length) {
        this.write(`${lines[0]}\n`);
        for (const line of lines.slice(1)) this.write(`${" ".repeat(firstCol + this.currentIndent)}${line}\n`);
        if (lines.length > 1) this.write("\n");
      } else this.write("\n");
    }
  }
}
