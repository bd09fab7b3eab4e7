/**
 * Guild's text output about guild files: `guild operations` (spec §1.7), `guild run OP
 * --help-op` (§3.5), `--help-model`, `guild help` and the `guild run` confirmation (§3.7).
 */
import path from "node:path";
import type { AttrValue } from "@guildts/runstore";
import { opFullname, type FlagChoice, type FlagDef, type Guildfile, type ModelDef, type OpDef } from "./guildfile.js";
import { HelpFormatter, wrapText } from "./helpfmt.js";
import { compareCodePoints, encodeFlagVal, isMap, pyStr, pyTruthy } from "@guildts/py";
import { decodeFlagFunction, formatFlag } from "./values.js";

const firstLine = (s: string) => s.split("\n")[0]!;

export interface FormatOperationsOptions {
  /** `-a`: include private (`_name`) models and operations. */
  all?: boolean;
  /** Filters that must all match the fullname or the description (case-insensitive). */
  filters?: string[];
  /** `-v`: add `main`, `flags` and `details` lines per operation. */
  verbose?: boolean;
  /** Terminal width for the `-v` detail lines (default 80). */
  width?: number;
}

/**
 * `guild operations` (spec §1.7): a `fullname  description` table sorted by model name then
 * operation name; the first column is padded (rows without a description end in spaces).
 */
export function formatOperations(gfs: Guildfile[], opts: FormatOperationsOptions = {}): string {
  type Row = { model: string; op: OpDef; fullname: string; description: string };
  const rows: Row[] = [];
  for (const gf of gfs) {
    for (const m of gf.models) {
      if (!opts.all && m.name.startsWith("_")) continue;
      for (const op of m.operations) {
        if (!opts.all && op.name.startsWith("_")) continue;
        rows.push({ model: m.name, op, fullname: opFullname(op), description: firstLine(op.description) });
      }
    }
  }
  const filters = (opts.filters ?? []).map((f) => f.toLowerCase());
  const shown = rows
    .filter((r) => filters.every((f) => r.fullname.toLowerCase().includes(f) || r.description.toLowerCase().includes(f)))
    .sort((a, b) => compareCodePoints(a.model, b.model) || compareCodePoints(a.op.name, b.op.name));
  // A loop, not Math.max(...spread): 200,000 operations overflow the call stack as arguments.
  let width = 0;
  for (const r of shown) width = Math.max(width, r.fullname.length);
  const termWidth = opts.width ?? 80;
  let out = "";
  for (const r of shown) {
    out += `${r.fullname.padEnd(width + 2)}${r.description}\n`;
    if (!opts.verbose) continue;
    out += `  main: ${r.op.main ?? "None"}\n`;
    const flags = r.op.flags.map(
      (f) =>
        `${f.name}:${f.description ? ` ${f.description}` : ""}${f.default !== null ? ` (default is ${encodeFlagVal(f.default)})` : ""}`,
    );
    out += `  flags:${detailList(flags, termWidth)}\n`;
    out += `  details:${detailList(r.op.description.split("\n").slice(1), termWidth)}\n`;
  }
  return out;
}

function detailList(items: string[], termWidth: number): string {
  if (!items.length) return " -";
  const indent = "    ";
  return "\n" + items.map((x) => wrapText(x, termWidth - indent.length, indent, indent)).join("\n");
}

// ---------------------------------------------------------------------------------------
// Flag help (help.flags_dl)

function flagDefaultSuffix(flag: FlagDef): string {
  if (flag.default !== null) return `(default is ${formatFlag(flag.default)})`;
  if (flag.required) return "(required)";
  if (flag.nullLabel) return `(default is ${flag.nullLabel})`;
  return "";
}

function choiceLabel(c: FlagChoice): AttrValue {
  return pyTruthy(c.alias) ? c.alias : c.value;
}

function formatFlagChoices(choices: FlagChoice[], maxFlagLen: number, width: number): string {
  const out = new HelpFormatter(width);
  if (choices.some((c) => c.description)) {
    out.width = out.width - maxFlagLen - 4;
    out.writeHeading("Choices");
    out.indent();
    out.writeDl(
      choices.map((c) => [encodeFlagVal(choiceLabel(c)), c.description.trim().split("\n").join("\n\n")]),
      true,
    );
    out.dedent();
  } else {
    out.width = out.width - maxFlagLen - 4 - "Choices:".length;
    const list = encodeFlagVal(choices.map(choiceLabel));
    out.writeDl([["Choices:", list.startsWith("[") && list.endsWith("]") ? list.slice(1, -1) : list]]);
  }
  return "\n\b\n" + out.getvalue();
}

function formatFlagDesc(flag: FlagDef, maxFlagLen: number, width: number): string {
  const lines = flag.description.split("\n");
  if (lines[0]) lines[0] += " ";
  lines[0] += flagDefaultSuffix(flag);
  if (flag.choiceDefs.length) lines.push(formatFlagChoices(flag.choiceDefs, maxFlagLen, width));
  return lines.length > 1 ? lines.join("\n\n") : lines[0]!;
}

/** Guild's `help.flags_dl`: `[name, description]` rows for a definition list. */
export function flagsDl(flags: FlagDef[], width = 78): [string, string][] {
  if (!flags.length) return [];
  let maxLen = -Infinity;
  for (const f of flags) maxLen = Math.max(maxLen, f.name.length);
  return flags.map((f) => [f.name, formatFlagDesc(f, maxLen, width)]);
}

function writeDlSection(out: HelpFormatter, name: string, dl: [string, string][]): void {
  out.writeParagraph();
  out.writeHeading(name);
  out.indent();
  out.writeDl(dl, true);
  out.dedent();
}

function depsDl(op: OpDef): [string, string][] {
  const resources: Record<string, string> = {};
  for (const [name, res] of Object.entries(op.model.resources))
    resources[name] = isMap(res) && pyTruthy(res.description) ? pyStr(res.description) : "";
  const rows: [string, string][] = [];
  for (const dep of op.requires) {
    let spec: string;
    let desc = "";
    if (typeof dep === "string") spec = dep;
    else if (isMap(dep) && "resource" in dep) {
      spec = pyStr(dep.resource);
      desc = pyTruthy(dep.description) ? pyStr(dep.description) : "";
    } else continue;
    desc = desc || resources[spec] || "";
    if (desc) rows.push([spec, desc]);
  }
  return rows;
}

export interface HelpOptions {
  /** Help text width (click's: terminal columns capped at 80, minus 2; 78 when not a terminal). */
  width?: number;
}

/** `guild run OP --help-op` (spec §3.5), as click's help formatter lays it out. */
export function helpOp(op: OpDef, opts: HelpOptions = {}): string {
  const width = opts.width ?? 78;
  const out = new HelpFormatter(width);
  out.writeUsage("guild", `run [OPTIONS] ${opFullname(op)} [FLAG]...`);
  if (op.description) {
    out.writeParagraph();
    out.writeText(op.description.replaceAll("\n", "\n\n"));
  }
  out.writeParagraph();
  out.writeText("Use 'guild run --help' for a list of options.");
  const deps = depsDl(op);
  if (deps.length) writeDlSection(out, "Dependencies", deps);
  const flags = flagsDl(op.flags, width);
  if (flags.length) writeDlSection(out, "Flags", flags);
  return out.getvalue();
}

/** `guild run MODEL:OP --help-model`: usage, model description, operations and resources. */
export function helpModel(model: ModelDef, opts: HelpOptions = {}): string {
  const out = new HelpFormatter(opts.width ?? 78);
  out.writeUsage("guild", `run [OPTIONS] ${model.name}:OPERATION [FLAG]...`);
  if (model.description) {
    out.writeParagraph();
    out.writeText(model.description.replaceAll("\n", "\n\n"));
  }
  out.writeParagraph();
  out.writeText(`Use 'guild run ${model.name}:OPERATION --help-op' for help on a particular operation.`);
  const ops = model.operations.map((o): [string, string] => [o.name, firstLine(o.description)]);
  if (ops.length) writeDlSection(out, "Operations", ops);
  const res = Object.entries(model.resources).map(([name, r]): [string, string] => [
    name,
    isMap(r) && pyTruthy(r.description) ? pyStr(r.description) : "",
  ]);
  if (res.length) writeDlSection(out, "Resources", res);
  return out.getvalue();
}

// ---------------------------------------------------------------------------------------
// guild help (help.guildfile_console_help)

class ConsoleFormatter extends HelpFormatter {
  private inSection = false;
  startSection(val: string): void {
    if (this.inSection) {
      this.dedent();
      this.dedent();
      this.writeParagraph();
    }
    this.writeText(val);
    this.writeParagraph();
    this.indent();
    this.indent();
    this.inSection = true;
  }
  override writeHeading(heading: string): void {
    this.writeText(heading);
  }
  writeSubheading(val: string): void {
    this.writeText(`${val}:`);
  }
  writeDescription(val: string): void {
    val.split("\n").forEach((par, i) => {
      if (i > 0) this.writeParagraph();
      this.writeText(par);
    });
  }
}

const OVERVIEW = `
You are viewing help for operations defined in %s.

To run an operation use 'guild run OPERATION' where OPERATION
is one of options listed below. If an operation is associated
with a model, include the model name as MODEL:OPERATION.

To list available operations, run 'guild operations'.

Set operation flags using 'FLAG=VALUE' arguments to the run
command. Refer to the operations below for a list of supported
flags.

For more information on running operations, try 'guild run
--help'. For general information, try 'guild --help'.
`;

function guildfileDirDesc(gf: Guildfile, cwd: string): string {
  if (path.resolve(gf.dir) === path.resolve(cwd)) return "the current directory";
  let rel = path.relative(cwd, gf.dir);
  if (rel[0] !== ".") rel = `.${path.sep}${rel}`;
  return `'${rel}'`;
}

function writeOperations(ops: OpDef[], out: ConsoleFormatter, width: number): void {
  let prev = false;
  for (const op of ops) {
    if (op.name.startsWith("_")) continue;
    if (prev) out.writeParagraph();
    out.writeHeading(op.name);
    out.indent();
    if (op.description) out.writeDescription(op.description);
    if (op.flags.length) {
      if (op.description) out.writeParagraph();
      out.writeSubheading("Flags");
      out.indent();
      out.writeDl(flagsDl(op.flags, width), true);
      out.dedent();
    }
    out.dedent();
    prev = true;
  }
}

/**
 * `guild help` for a guild file: an overview, then the anonymous model's operations ("BASE
 * OPERATIONS") and each model ("MODELS") with its operations and flags, as Guild's console help
 * prints it when output is not a terminal (no bold, no pager).
 */
export function helpGuildfile(gf: Guildfile, opts: HelpOptions & { cwd?: string } = {}): string {
  const width = opts.width ?? 78;
  const out = new ConsoleFormatter(width);
  out.startSection("OVERVIEW");
  out.writeText(OVERVIEW.replace("%s", guildfileDirDesc(gf, opts.cwd ?? process.cwd())));
  const sorted = [...gf.models].sort((a, b) =>
    compareCodePoints(a.name.startsWith("_") ? `\xff${a.name}` : a.name, b.name.startsWith("_") ? `\xff${b.name}` : b.name),
  );
  let anon: ModelDef | null = null;
  const named: ModelDef[] = [];
  for (const m of sorted) {
    if (m.name) named.push(m);
    else anon = m;
  }
  if (anon?.operations.length) {
    out.startSection("BASE OPERATIONS");
    if (anon.description) {
      out.writeDescription(anon.description);
      out.writeParagraph();
    }
    writeOperations(anon.operations, out, width);
  }
  if (named.length) {
    out.startSection("MODELS");
    named.forEach((m, i) => {
      if (i > 0) out.writeParagraph();
      out.writeHeading(m.name);
      out.indent();
      if (m.description) {
        out.writeParagraph();
        out.writeDescription(m.description);
      }
      out.writeParagraph();
      out.writeSubheading("Operations");
      out.writeParagraph();
      out.indent();
      if (m.operations.length) writeOperations(m.operations, out, width);
      else out.writeText("No operations defined for this model");
      out.dedent();
      out.writeParagraph();
      if (m.references.length) {
        out.writeSubheading("References");
        out.writeParagraph();
        out.indent();
        for (const ref of m.references) out.writeText(`\b\n- ${pyStr(ref)}`);
        out.dedent();
      }
      out.dedent();
    });
  }
  return out.getvalue() + "\n";
}

// ---------------------------------------------------------------------------------------
// Confirmation

export interface FlagsPromptOptions {
  /** `run` (default), `stage`, `stage trials for` or `start`. */
  action?: string;
  /** What is run: the op's fullname by default (Guild: the opspec relative to the cwd). */
  subject?: string;
}

/**
 * The `guild run` confirmation (spec §3.7): `You are about to run <op>`, one `  name: value` line
 * per flag (sorted; a null value shows its null-label or `default`, flag functions raw), then
 * `Continue? (Y/n)`. Guild writes this to stderr followed by one space and reads the answer.
 */
export function flagsPrompt(op: OpDef, flags: Record<string, AttrValue>, opts: FlagsPromptOptions = {}): string {
  const nullLabels = new Map(op.flags.filter((f) => f.nullLabel !== null).map((f) => [f.name, f.nullLabel!]));
  const lines = [`You are about to ${opts.action ?? "run"} ${opts.subject ?? opFullname(op)}`];
  for (const name of Object.keys(flags).sort(compareCodePoints)) {
    const v = flags[name]!;
    let shown: string;
    if (v === null) shown = encodeFlagVal(nullLabels.get(name) ?? "default");
    else if (typeof v === "string" && decodeFlagFunction(v)) shown = v;
    else shown = encodeFlagVal(v);
    lines.push(`  ${name}: ${shown}`);
  }
  lines.push("Continue? (Y/n)");
  return lines.join("\n");
}
