import type { AttrValue } from "@guildts/runstore";
import { labelFlagValue, formatFlagValue } from "./flags.js";
import { opFullname, type FlagDef, type Guildfile, type OpDef } from "./guildfile.js";

const firstLine = (s: string) => s.split("\n")[0]!.trim();

/** `guild operations` (spec §1.7): `fullname  description`, first column padded. */
export function formatOperations(gfs: Guildfile[]): string {
  const rows = gfs
    .flatMap((gf) => gf.models)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((m) => m.operations.filter((o) => !o.name.startsWith("_")).map((o) => [opFullname(o), firstLine(o.description)] as const));
  const width = Math.max(0, ...rows.map((r) => r[0].length));
  // Guild pads every column but the last, so rows without a description end in spaces.
  return rows.map(([n, d]) => `${n.padEnd(width)}  ${d}\n`).join("");
}

function flagSuffix(f: FlagDef): string {
  if (f.required) return "(required)";
  if (f.default !== null) return `(default is ${labelFlagValue(f.default)})`;
  if (f.nullLabel) return `(default is ${f.nullLabel})`;
  return "";
}

function flagLines(flags: FlagDef[], indent: string): string[] {
  const width = Math.max(0, ...flags.map((f) => f.name.length));
  const out: string[] = [];
  for (const f of flags) {
    const desc = [firstLine(f.description), flagSuffix(f)].filter(Boolean).join(" ");
    out.push(`${indent}${f.name.padEnd(width)}  ${desc}`.trimEnd());
    if (f.choices?.length) {
      out.push("");
      if (f.choices.every((c) => !c.description)) out.push(`${indent}${" ".repeat(width + 2)}Choices:  ${f.choices.map((c) => formatFlagValue(c.value)).join(", ")}`);
      else {
        out.push(`${indent}${" ".repeat(width + 2)}Choices:`);
        for (const c of f.choices) out.push(`${indent}${" ".repeat(width + 4)}${formatFlagValue(c.value)}  ${c.description}`.trimEnd());
      }
      out.push("");
    }
  }
  return out;
}

/** `guild run OP --help-op` (spec §3.5). */
export function helpOp(op: OpDef): string {
  const lines = [`Usage: guild run [OPTIONS] ${opFullname(op)} [FLAG]...`, ""];
  if (op.description) lines.push(...op.description.split("\n").flatMap((l) => [l.trim(), ""]));
  lines.push("Use 'guild run --help' for a list of options.", "");
  if (op.flags.length) lines.push("Flags:", ...flagLines(op.flags, "  "));
  return lines.join("\n").replace(/\n+$/, "") + "\n";
}

/** `guild help` in a project: its models, operations and flags. */
export function helpGuildfile(gf: Guildfile): string {
  const lines = [`Models and operations defined in ${gf.path}`, ""];
  for (const m of gf.models) {
    if (m.name) lines.push(m.description ? `${m.name}  ${firstLine(m.description)}` : m.name, "");
    for (const op of m.operations) {
      lines.push(`  ${opFullname(op)}${op.description ? `  ${firstLine(op.description)}` : ""}`);
      if (op.flags.length) lines.push("    Flags:", ...flagLines(op.flags, "      "));
      lines.push("");
    }
  }
  return lines.join("\n").replace(/\n+$/, "") + "\n";
}

/** The confirmation text of `guild run` (spec §3.7), without the question. */
export function flagsPrompt(op: OpDef, flags: Record<string, AttrValue>, action = "run"): string {
  const lines = [`You are about to ${action} ${opFullname(op)}`];
  for (const name of Object.keys(flags).sort()) lines.push(`  ${name}: ${flags[name] === null ? "default" : formatFlagValue(flags[name]!)}`);
  return lines.join("\n");
}
