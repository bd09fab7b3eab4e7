import { showInput } from "@guildts/runstore/show.js";

/** How a piece of run data (a label, a tag, a flag value, an id...) is written on one stream. */
export type TextFilter = (s: string) => string;

/**
 * Run data as a terminal shows it: control characters (C0, DEL, C1), escape sequences and the
 * bidirectional formatting characters that could rewrite or reorder the screen are written as
 * escapes (`\x1b`, `\u202e`, `\n`), so a label holding `ESC [2J` cannot clear the screen and one
 * holding U+202E cannot make a row read backwards. Everything else is kept, whole.
 * (The rule is runstore's `showInput`, which error messages already use, without its length cut.)
 */
export function safeText(s: string): string {
  return showInput(s, Number.POSITIVE_INFINITY);
}

/** Run data written exactly: pipes, files, `--json` and the plumbing. */
export const EXACT: TextFilter = (s) => s;

/** The filter for a stream: `safeText` on a terminal, exact bytes elsewhere (pipes and files). */
export function textFor(stream: { isTTY?: boolean } = process.stdout): TextFilter {
  return stream.isTTY ? safeText : EXACT;
}

/** A filter applied to each line of a multi-line text, keeping its line breaks. */
export function eachLine(text: string, filter: TextFilter): string {
  return filter === EXACT ? text : text.split("\n").map(filter).join("\n");
}
