import path from "node:path";
import { shlexQuote, shlexSplit } from "@guildts/py";

/** A parsed `.guild/opref`: `<type>:<pkg> <version> <model> <op>` (see the store spec §2.2). */
export interface OpRef {
  type: string;
  pkg: string;
  version: string;
  model: string;
  op: string;
}

export class OpRefError extends Error {
  override name = "OpRefError";
}

/**
 * Parses opref text. Returns null for an empty file (Guild: "no opref", still a run).
 * Throws OpRefError for text Guild would reject (not 4 tokens, or no `:` in the first).
 */
export function parseOpRef(text: string): OpRef | null {
  if (text.trim() === "") return null;
  let tokens: string[];
  try {
    tokens = shlexSplit(text);
  } catch (e) {
    throw new OpRefError(`invalid opref: ${(e as Error).message}: ${JSON.stringify(text)}`);
  }
  const first = tokens[0];
  const colon = first === undefined ? -1 : first.indexOf(":");
  if (tokens.length !== 4 || colon < 0) {
    throw new OpRefError(`invalid opref: ${JSON.stringify(text)}`);
  }
  return {
    type: first!.slice(0, colon),
    pkg: first!.slice(colon + 1),
    version: tokens[1]!,
    model: tokens[2]!,
    op: tokens[3]!,
  };
}

/** Guild's `_quote`: shlex.quote, with `''"'"'x'"'"''` rewritten as `"'x'"`. */
function quoteField(s: string): string {
  const q = shlexQuote(s);
  const lead = `''"'"'`;
  const trail = `'"'"''`;
  if (q.startsWith(lead) && q.endsWith(trail) && q.length >= lead.length + trail.length) {
    return `"'${q.slice(lead.length, q.length - trail.length)}'"`;
  }
  return q;
}

/** The exact text Guild writes for an opref (no trailing newline). */
export function formatOpRef(o: OpRef): string {
  return `${quoteField(o.type)}:${quoteField(o.pkg)} ${quoteField(o.version)} ${quoteField(o.model)} ${quoteField(o.op)}`;
}

/** Guild's `format_operation` for one opref: `model:op`, `pkg/model:op`, `op()`, or `?`. */
export function describeOpRef(o: OpRef): string {
  switch (o.type) {
    case "guildfile":
    case "script":
    case "builtin":
    case "import":
    case "test":
      return o.model ? `${o.model}:${o.op}` : o.op;
    case "package":
      return o.model ? `${o.pkg}/${o.model}:${o.op}` : `${o.pkg}/${o.op}`;
    case "func":
      return `${o.op}()`;
    case "pending":
      return o.op;
    default:
      return "?";
  }
}

/** A batch run's description: the proto's, then `+` unless the batch op starts with one. */
export function describeOperation(o: OpRef, proto: OpRef | null): string {
  const own = describeOpRef(o);
  if (!proto) return own;
  const protoDesc = describeOpRef(proto);
  return own.startsWith("+") ? protoDesc + own : `${protoDesc}+${own}`;
}

/** The directory of the operation's project, used for the display suffix and for scope. */
export function opDir(o: OpRef): string | null {
  switch (o.type) {
    case "guildfile":
    case "import":
      return path.dirname(o.pkg);
    case "script":
      return o.pkg;
    default:
      return null;
  }
}
