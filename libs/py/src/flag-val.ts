/**
 * Guild's spellings of a flag value built on PyYAML's dump: `flag_util.encode_flag_val` (what
 * messages, help and labels show) and `yaml_util.encode_yaml` of one value (block or flow style).
 * The process-facing encoding (`op_cmd`: `1`/``, `pprint.pformat`) is @guildts/guildfile's
 * `argEncode`, built on these.
 */
import { compareCodePoints } from "./order.js";
import { isMap, pyReprStr } from "./values.js";
import type { AttrValue } from "./value.js";
import { encodeAttr } from "./yaml-dump.js";

/**
 * PyYAML's dump of one scalar as Guild's `encode_yaml` writes it (no strict patch: the
 * one-letter strings y/n stay plain), without the document end marker.
 */
export function encodeYamlScalar(v: AttrValue): string {
  if (typeof v === "string" && /^[yYnN]$/.test(v)) return v;
  return encodeAttr(v).replace(/\n$/, "");
}

/** `yaml_util.encode_yaml(val, default_flow_style=True)`: flow style for lists and maps. */
export function encodeYamlFlow(v: AttrValue): string {
  if (Array.isArray(v)) return `[${v.map(flowItem).join(", ")}]`;
  if (isMap(v)) {
    return `{${Object.keys(v)
      .sort(compareCodePoints)
      .map((k) => `${flowItem(k)}: ${flowItem(v[k]!)}`)
      .join(", ")}}`;
  }
  return encodeYamlScalar(v);
}

function flowItem(v: AttrValue): string {
  if (Array.isArray(v) || isMap(v)) return encodeYamlFlow(v);
  const s = encodeYamlScalar(v);
  // Inside a flow collection a plain scalar cannot hold flow indicators.
  if (typeof v === "string" && !/^['"]/.test(s) && /[,[\]{}]|: |#/.test(s)) return `'${s.replaceAll("'", "''")}'`;
  return s;
}

/** Guild's `encode_flag_val`: `yes`/`no`/`null`, `[a, b]`, `{k: v}`, else YAML (spec §3.4). */
export function encodeFlagVal(v: AttrValue): string {
  if (v === true) return "yes";
  if (v === false) return "no";
  if (v === null) return "null";
  if (Array.isArray(v)) {
    return `[${v
      .map((x) => {
        const encoded = encodeFlagVal(x);
        return typeof x === "string" && encoded.includes(",") ? pyReprStr(encoded) : encoded;
      })
      .join(", ")}]`;
  }
  if (isMap(v)) {
    return `{${Object.keys(v)
      .sort(compareCodePoints)
      .map((k) => `${encodeFlagVal(k)}: ${encodeFlagVal(v[k]!)}`)
      .join(", ")}}`;
  }
  return encodeYamlScalar(v);
}
