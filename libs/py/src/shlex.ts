/**
 * Python's `shlex.split` (POSIX mode, no comments) and `shlex.quote`, which Guild uses for
 * `.guild/opref`. Ported for exact compatibility, not a general shell parser.
 */

/** Splits like `shlex.split(s)`; throws on an unterminated quote or trailing escape. */
export function shlexSplit(s: string): string[] {
  const tokens: string[] = [];
  let token = "";
  let inToken = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inToken) tokens.push(token);
      token = "";
      inToken = false;
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error("No closing quotation");
      token += s.slice(i + 1, end);
      inToken = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new Error("No closing quotation");
        const d = s[i]!;
        if (d === '"') break;
        // Inside double quotes a backslash escapes only these characters.
        if (d === "\\" && i + 1 < s.length && '\\"$`\n'.includes(s[i + 1]!)) {
          token += s[i + 1];
          i += 2;
        } else {
          token += d;
          i++;
        }
      }
      inToken = true;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= s.length) throw new Error("No escaped character");
      token += s[i + 1];
      inToken = true;
      i += 2;
    } else {
      token += c;
      inToken = true;
      i++;
    }
  }
  if (inToken) tokens.push(token);
  return tokens;
}

const UNSAFE = /[^\w@%+=:,./-]/;

/** `shlex.quote(s)`: Python's `\w` with re.ASCII is `[A-Za-z0-9_]`, the same as JS's `\w`. */
export function shlexQuote(s: string): string {
  if (s === "") return "''";
  if (!UNSAFE.test(s)) return s;
  return "'" + s.replaceAll("'", `'"'"'`) + "'";
}
