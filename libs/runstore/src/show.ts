/**
 * User input as error messages quote it: one line of plain text whatever was typed. Control
 * characters (C0, DEL, C1, line and paragraph separators) and the bidirectional formatting
 * characters that could reorder or hide what a terminal shows are written as escapes (`\n`,
 * `\x1b`, `\u202e`), as are lone surrogates; input longer than `max` code units is cut, with
 * its length said.
 */
export function showInput(text: string, max = 200): string {
  let cut = text;
  let tail = "";
  if (text.length > max) {
    let end = max;
    const c = text.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--;
    cut = text.slice(0, end);
    tail = `... (${text.length} characters)`;
  }
  // eslint-disable-next-line no-control-regex
  return cut.replace(UNSAFE, escapeChar) + tail;
}

// C0 and DEL, C1, ALM, LRM/RLM, LS/PS, the embeddings/overrides and isolates, lone surrogates.
// eslint-disable-next-line no-control-regex
const UNSAFE =
  /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(ch: string): string {
  switch (ch) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  const c = ch.charCodeAt(0);
  return c < 0x100 ? `\\x${c.toString(16).padStart(2, "0")}` : `\\u${c.toString(16).padStart(4, "0")}`;
}
