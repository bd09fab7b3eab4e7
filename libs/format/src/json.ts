import { GuildFloat, type AttrValue } from "@guildts/runstore";

/**
 * JSON for records holding attr values. Like JSON.stringify, except that a Guild float keeps its
 * float spelling (`1.0`, not `1`), a bigint is written as its digits, and a non-finite float
 * (which JSON cannot hold) is written as the string ".inf", "-.inf" or ".nan" (YAML's spelling).
 * Output is ASCII-safe only as far as JSON.stringify is: UTF-8 text stays as is.
 */
export function toJson(value: unknown): string {
  if (!needsCustom(value)) return JSON.stringify(value);
  return custom(value);
}

function needsCustom(v: unknown): boolean {
  if (v === null || typeof v !== "object") return typeof v === "bigint";
  if (v instanceof GuildFloat) return true;
  if (Array.isArray(v)) return v.some(needsCustom);
  for (const k in v) if (needsCustom((v as Record<string, unknown>)[k])) return true;
  return false;
}

export function formatFloat(n: number): string {
  if (Number.isNaN(n)) return JSON.stringify(".nan");
  if (!Number.isFinite(n)) return JSON.stringify(n > 0 ? ".inf" : "-.inf");
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function custom(v: unknown): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "bigint":
      return v.toString();
    case "number":
      return JSON.stringify(v);
    case "string":
    case "boolean":
      return JSON.stringify(v);
    case "object":
      break;
    default:
      return "null";
  }
  if (v instanceof GuildFloat) return formatFloat(v.value);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : custom(x))).join(",")}]`;
  const parts: string[] = [];
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${custom(x)}`);
  }
  return `{${parts.join(",")}}`;
}

export type { AttrValue };
