/**
 * Encoding Guild attribute files, byte for byte as Guild AI 0.9 writes them.
 *
 * `Run.write_attr(name, val)` writes `encode_yaml(val) + "\n"`, where `encode_yaml` is PyYAML
 * `yaml.safe_dump(val, default_flow_style=False, indent=2)`, stripped, with a trailing
 * "\n..." removed, under Guild's "strict" patch (the strings y Y n N resolve as booleans, so
 * they are quoted) and float patch (`1e5` resolves as a float, so the string "1e5" is quoted).
 *
 * This is a port of the parts of PyYAML 6.0 that `safe_dump` uses for these values:
 * SafeRepresenter (node graph, sorted keys, shared objects), Serializer (anchors `&id001`
 * and aliases `*id001` for lists/maps that occur more than once, as Python does for shared
 * objects) and Emitter (scalar analysis and style choice, plain / single-quoted /
 * double-quoted writers with folding at width 80, block collections with indent 2,
 * indentless lists under map keys, `? ` complex keys, flow `[]` / `{}` for empty ones).
 * Method and variable names follow PyYAML's so the two can be read side by side.
 */
import { yamlFloatText } from "./float-repr.js";
import { compareCodePoints } from "./order.js";
import { pyStrip } from "./text.js";
import { GuildFloat, type AttrValue } from "./value.js";
import { resolvePlain } from "./yaml-resolve.js";

// ---------------------------------------------------------------------------------------
// Representer: values to a node graph.

type ScalarTag = "str" | "int" | "float" | "bool" | "null";
interface ScalarNode {
  kind: "scalar";
  tag: ScalarTag;
  value: string;
}
interface SeqNode {
  kind: "seq";
  items: YNode[];
}
interface MapNode {
  kind: "map";
  pairs: [ScalarNode, YNode][];
}
type YNode = ScalarNode | SeqNode | MapNode;

function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "function") return "a function";
  if (typeof v === "symbol") return "a symbol";
  if (typeof v === "object" && v !== null) {
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    return name && name !== "Object" ? `an instance of ${name}` : "an object that is not a plain object";
  }
  return typeof v;
}

function pathText(path: (string | number)[]): string {
  if (path.length === 0) return "the top level";
  const parts = path.map((p) => (typeof p === "number" ? `[${p}]` : /^[A-Za-z_][\w-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`));
  return parts.join("").replace(/^\./, "");
}

class Representer {
  private readonly represented = new Map<object, YNode>();

  represent(data: unknown, path: (string | number)[]): YNode {
    if (data === null) return { kind: "scalar", tag: "null", value: "null" };
    switch (typeof data) {
      case "string":
        return { kind: "scalar", tag: "str", value: data };
      case "boolean":
        return { kind: "scalar", tag: "bool", value: data ? "true" : "false" };
      case "bigint":
        return { kind: "scalar", tag: "int", value: data.toString() };
      case "number":
        if (Number.isInteger(data)) {
          const text = Number.isSafeInteger(data) ? String(data === 0 ? 0 : data) : BigInt(data).toString();
          return { kind: "scalar", tag: "int", value: text };
        }
        return { kind: "scalar", tag: "float", value: yamlFloatText(data) };
      case "object":
        break;
      default:
        throw new TypeError(`encodeAttr: cannot encode ${describe(data)} at ${pathText(path)}`);
    }
    if (data instanceof GuildFloat) {
      if (typeof data.value !== "number") throw new TypeError(`encodeAttr: GuildFloat without a number at ${pathText(path)}`);
      return { kind: "scalar", tag: "float", value: yamlFloatText(data.value) };
    }
    const seen = this.represented.get(data);
    if (seen !== undefined) return seen;
    if (Array.isArray(data)) {
      const node: SeqNode = { kind: "seq", items: [] };
      this.represented.set(data, node);
      for (let i = 0; i < data.length; i++) {
        if (!(i in data)) throw new TypeError(`encodeAttr: cannot encode a sparse array (hole at ${pathText([...path, i])})`);
        node.items.push(this.represent(data[i], [...path, i]));
      }
      return node;
    }
    const proto = Object.getPrototypeOf(data) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`encodeAttr: cannot encode ${describe(data)} at ${pathText(path)}`);
    }
    const node: MapNode = { kind: "map", pairs: [] };
    this.represented.set(data, node);
    if (Object.getOwnPropertySymbols(data).length > 0) {
      throw new TypeError(`encodeAttr: cannot encode symbol keys at ${pathText(path)}`);
    }
    const keys = Object.keys(data).sort(compareCodePoints);
    for (const k of keys) {
      const v = (data as Record<string, unknown>)[k];
      node.pairs.push([{ kind: "scalar", tag: "str", value: k }, this.represent(v, [...path, k])]);
    }
    return node;
  }
}

// ---------------------------------------------------------------------------------------
// Emitter.

interface ScalarAnalysis {
  scalar: string[]; // code points, as Python indexes a str
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

const BREAK_CHARS = new Set(["\n", "\x85", "\u2028", "\u2029"]);
const WS_OR_END = new Set(["\0", " ", "\t", "\r", "\n", "\x85", "\u2028", "\u2029"]);

const ESCAPE_REPLACEMENTS: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\x08": "b",
  "\x09": "t",
  "\x0A": "n",
  "\x0B": "v",
  "\x0C": "f",
  "\x0D": "r",
  "\x1B": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\xA0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

function isPrintableAscii(ch: string): boolean {
  return ch >= "\x20" && ch <= "\x7E";
}

/** Emitter.analyze_scalar, with allow_unicode False and only the flags safe_dump needs. */
function analyzeScalar(value: string): ScalarAnalysis {
  const scalar = Array.from(value);
  if (scalar.length === 0) {
    return { scalar, empty: true, multiline: false, allowBlockPlain: true, allowSingleQuoted: true };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;

  if (value.startsWith("---") || value.startsWith("...")) blockIndicators = true;
  let precededByWhitespace = true;
  let followedByWhitespace = scalar.length === 1 || WS_OR_END.has(scalar[1]!);
  let previousSpace = false;
  let previousBreak = false;
  const n = scalar.length;
  for (let index = 0; index < n; ) {
    const ch = scalar[index]!;
    if (index === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      if ((ch === "?" || ch === ":") && followedByWhitespace) blockIndicators = true;
      if (ch === "-" && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ":" && followedByWhitespace) blockIndicators = true;
      if (ch === "#" && precededByWhitespace) blockIndicators = true;
    }
    if (BREAK_CHARS.has(ch)) lineBreaks = true;
    if (!(ch === "\n" || isPrintableAscii(ch))) specialCharacters = true; // allow_unicode is off
    if (ch === " ") {
      if (index === 0) leadingSpace = true;
      if (index === n - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAK_CHARS.has(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === n - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    index += 1;
    precededByWhitespace = WS_OR_END.has(ch);
    followedByWhitespace = index + 1 >= n || WS_OR_END.has(scalar[index + 1]!);
  }
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowBlockPlain = false;
  if (breakSpace) allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || specialCharacters) allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowBlockPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { scalar, empty: false, multiline: lineBreaks, allowBlockPlain, allowSingleQuoted };
}

/** len(prepare_tag("tag:yaml.org,2002:str")) == len("!!str"). */
const STR_TAG_LENGTH = 5;

function hex(cp: number, width: number): string {
  return cp.toString(16).toUpperCase().padStart(width, "0");
}

interface Context {
  root?: boolean;
  sequence?: boolean;
  mapping?: boolean;
  simpleKey?: boolean;
}

class Emitter {
  private out = "";
  private readonly bestIndent = 2;
  private readonly bestWidth = 80;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private flowLevel = 0;
  private rootContext = false;
  private simpleKeyContext = false;
  private mappingContext = false;
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private readonly anchors = new Map<YNode, string | null>();
  private readonly serialized = new Set<YNode>();
  private lastAnchorId = 0;

  /** Serializer.serialize + the emitter's document and stream handlers. */
  emitDocument(root: YNode): string {
    this.anchorNode(root);
    // Document start: implicit (no "---") for a single plain document.
    this.expectNode(root, { root: true });
    // Document end.
    this.writeIndent();
    // Stream end.
    if (this.openEnded) {
      this.writeIndicator("...", true);
      this.writeIndent();
    }
    return this.out;
  }

  /** Serializer.anchor_node: anchors go to nodes met twice, numbered in order of the second meeting. */
  private anchorNode(node: YNode): void {
    if (this.anchors.has(node)) {
      if (this.anchors.get(node) === null) {
        this.lastAnchorId += 1;
        this.anchors.set(node, `id${String(this.lastAnchorId).padStart(3, "0")}`);
      }
      return;
    }
    this.anchors.set(node, null);
    if (node.kind === "seq") {
      for (const item of node.items) this.anchorNode(item);
    } else if (node.kind === "map") {
      for (const [k, v] of node.pairs) {
        this.anchorNode(k);
        this.anchorNode(v);
      }
    }
  }

  private increaseIndent(flow = false, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) {
      this.indent = flow ? this.bestIndent : 0;
    } else if (!indentless) {
      this.indent += this.bestIndent;
    }
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  private expectNode(node: YNode, ctx: Context): void {
    this.rootContext = ctx.root ?? false;
    this.mappingContext = ctx.mapping ?? false;
    this.simpleKeyContext = ctx.simpleKey ?? false;
    const anchor = this.anchors.get(node) ?? null;
    if (this.serialized.has(node)) {
      // expect_alias
      this.writeIndicator(`*${anchor}`, true);
      return;
    }
    this.serialized.add(node);
    if (anchor !== null) this.writeIndicator(`&${anchor}`, true);
    if (node.kind === "scalar") {
      this.increaseIndent(true);
      this.processScalar(node);
      this.popIndent();
    } else if (node.kind === "seq") {
      if (this.flowLevel > 0 || node.items.length === 0) this.expectFlowCollection("[", "]");
      else this.expectBlockSequence(node);
    } else {
      if (this.flowLevel > 0 || node.pairs.length === 0) this.expectFlowCollection("{", "}");
      else this.expectBlockMapping(node);
    }
  }

  /** An empty flow sequence or mapping (safe_dump writes only empty ones in flow style). */
  private expectFlowCollection(open: string, close: string): void {
    this.writeIndicator(open, true, true);
    this.flowLevel += 1;
    this.increaseIndent(true);
    this.popIndent();
    this.flowLevel -= 1;
    this.writeIndicator(close, false);
  }

  private expectBlockSequence(node: SeqNode): void {
    const indentless = this.mappingContext && !this.indention;
    this.increaseIndent(false, indentless);
    for (const item of node.items) {
      this.writeIndent();
      this.writeIndicator("-", true, false, true);
      this.expectNode(item, { sequence: true });
    }
    this.popIndent();
  }

  private expectBlockMapping(node: MapNode): void {
    this.increaseIndent(false);
    for (const [key, value] of node.pairs) {
      this.writeIndent();
      const keyAnalysis = analyzeScalar(key.value);
      // check_simple_key: the length counts the prepared tag too, "!!str" (5), although it is
      // not written; so keys of 123 code points or more are complex keys.
      if (keyAnalysis.scalar.length + STR_TAG_LENGTH < 128 && !keyAnalysis.empty && !keyAnalysis.multiline) {
        this.expectNode(key, { mapping: true, simpleKey: true });
        this.writeIndicator(":", false);
        this.expectNode(value, { mapping: true });
      } else {
        this.writeIndicator("?", true, false, true);
        this.expectNode(key, { mapping: true });
        this.writeIndent();
        this.writeIndicator(":", true, false, true);
        this.expectNode(value, { mapping: true });
      }
    }
    this.popIndent();
  }

  /** choose_scalar_style + process_scalar. */
  private processScalar(node: ScalarNode): void {
    const analysis = analyzeScalar(node.value);
    // Serializer: implicit[0] is "the resolver gives this text the node's own tag"; for the
    // non-str values the representer writes, that always holds.
    const implicitPlain = node.tag === "str" ? resolvePlain(node.value, true) === "str" : true;
    let style: "" | "'" | '"' = '"';
    if (
      implicitPlain &&
      !(this.simpleKeyContext && (analysis.empty || analysis.multiline)) &&
      this.flowLevel === 0 &&
      analysis.allowBlockPlain
    ) {
      style = "";
    } else if (analysis.allowSingleQuoted && !(this.simpleKeyContext && analysis.multiline)) {
      style = "'";
    }
    const split = !this.simpleKeyContext;
    if (style === '"') this.writeDoubleQuoted(analysis.scalar, split);
    else if (style === "'") this.writeSingleQuoted(analysis.scalar, split);
    else this.writePlain(analysis.scalar, split);
  }

  // Writers.

  private write(data: string): void {
    this.out += data;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : " " + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.column += data.length;
    this.openEnded = false;
    this.write(data);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.write(" ".repeat(indent - this.column));
      this.column = indent;
    }
  }

  private writeLineBreak(data = "\n"): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.write(data);
  }

  private writeText(text: string[], start: number, end: number): void {
    const data = text.slice(start, end).join("");
    this.column += data.length; // ASCII only in plain and single-quoted scalars
    this.write(data);
  }

  private writeSingleQuoted(text: string[], split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    const n = text.length;
    while (end <= n) {
      const ch = end < n ? text[end]! : null;
      if (spaces) {
        if (ch === null || ch !== " ") {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== n) {
            this.writeIndent();
          } else {
            this.writeText(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAK_CHARS.has(ch)) {
          if (text[start] === "\n") this.writeLineBreak();
          for (const br of text.slice(start, end)) {
            this.writeLineBreak(br === "\n" ? "\n" : br);
          }
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || ch === " " || BREAK_CHARS.has(ch) || ch === "'") {
        if (start < end) {
          this.writeText(text, start, end);
          start = end;
        }
      }
      if (ch === "'") {
        this.column += 2;
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = BREAK_CHARS.has(ch);
      }
      end += 1;
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string[], split: boolean): void {
    this.writeIndicator('"', true);
    let start = 0;
    let end = 0;
    const n = text.length;
    while (end <= n) {
      const ch = end < n ? text[end]! : null;
      if (ch === null || ch === '"' || ch === "\\" || !isPrintableAscii(ch)) {
        if (start < end) {
          this.writeText(text, start, end);
          start = end;
        }
        if (ch !== null) {
          let data: string;
          const rep = ESCAPE_REPLACEMENTS[ch];
          if (rep !== undefined) {
            data = "\\" + rep;
          } else {
            const cp = ch.codePointAt(0)!;
            data = cp <= 0xff ? "\\x" + hex(cp, 2) : cp <= 0xffff ? "\\u" + hex(cp, 4) : "\\U" + hex(cp, 8);
          }
          this.column += data.length;
          this.write(data);
          start = end + 1;
        }
      }
      if (0 < end && end < n - 1 && (ch === " " || start >= end) && this.column + (end - start) > this.bestWidth && split) {
        const data = text.slice(start, end).join("") + "\\";
        if (start < end) start = end;
        this.column += data.length;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === " ") {
          this.column += 1;
          this.write("\\");
        }
      }
      end += 1;
    }
    this.writeIndicator('"', false);
  }

  private writePlain(text: string[], split: boolean): void {
    if (this.rootContext) this.openEnded = true;
    if (text.length === 0) return;
    if (!this.whitespace) {
      this.column += 1;
      this.write(" ");
    }
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    const n = text.length;
    while (end <= n) {
      const ch = end < n ? text[end]! : null;
      if (spaces) {
        if (ch !== " ") {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.writeText(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        // Unreachable: safe_dump never writes multi-line plain scalars. Kept for fidelity.
        if (ch === null || !BREAK_CHARS.has(ch)) {
          if (text[start] === "\n") this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br === "\n" ? "\n" : br);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === null || ch === " " || BREAK_CHARS.has(ch)) {
        this.writeText(text, start, end);
        start = end;
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = BREAK_CHARS.has(ch);
      }
      end += 1;
    }
  }
}

/**
 * The exact content of the file Guild 0.9 writes for `value` (`.guild/attrs/<name>`),
 * including the final "\n". Throws TypeError for a value outside the AttrValue model.
 */
export function encodeAttr(value: AttrValue): string {
  const node = new Representer().represent(value, []);
  const dumped = new Emitter().emitDocument(node);
  let stripped = pyStrip(dumped);
  if (stripped.endsWith("\n...")) stripped = stripped.slice(0, -4);
  return stripped + "\n";
}
