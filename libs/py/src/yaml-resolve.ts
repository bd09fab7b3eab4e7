/**
 * PyYAML's implicit resolvers (yaml/resolver.py) plus Guild's patches: the type YAML 1.1 gives a
 * plain scalar. The loader (@guildts/runstore) and the dumper (yaml-dump.ts) both ask here.
 */
//
// Python's `$` also matches just before a final "\n"; `\n?$` reproduces that. It matters
// only when the encoder asks whether a string with a trailing newline "looks like" a typed
// value, and such strings are never written plain anyway.

const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\n?$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\n?$/;
const INT_RE = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\n?$/;
const MERGE_RE = /^(?:<<)\n?$/;
const NULL_RE = /^(?:~|null|Null|NULL|)\n?$/;
const TIMESTAMP_RE =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)\n?$/;
const VALUE_RE = /^(?:=)\n?$/;
const YAML_RE = /^(?:!|&|\*)\n?$/;
/** guild/yaml_util.py patch_yaml_resolver: exponent sign optional, dot optional with an exponent. */
const GUILD_FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\n?$/;
/** guild/yaml_util.py StrictPatch (writing only): one-character y Y n N are booleans. */
const STRICT_BOOL_RE = /^(?:y|Y|n|N)\n?$/;

/** The YAML 1.1 type PyYAML (with Guild's patches) gives a plain scalar. */
export type PlainTag = "str" | "bool" | "int" | "float" | "null" | "merge" | "timestamp" | "value" | "yaml";

/**
 * Resolve a plain scalar the way PyYAML's Resolver does: the candidate resolvers are chosen
 * by the first character, tried in registration order. `writing` adds Guild's strict patch
 * (only active while Guild writes).
 */
export function resolvePlain(value: string, writing = false): PlainTag {
  if (value.length === 0) return "null";
  const c = value.charCodeAt(0);
  switch (c) {
    case 0x79: // y
    case 0x59: // Y
    case 0x6e: // n
    case 0x4e: // N
      if (BOOL_RE.test(value)) return "bool";
      if ((c === 0x6e || c === 0x4e) && NULL_RE.test(value)) return "null";
      if (writing && STRICT_BOOL_RE.test(value)) return "bool";
      return "str";
    case 0x74: // t
    case 0x54: // T
    case 0x66: // f
    case 0x46: // F
    case 0x6f: // o
    case 0x4f: // O
      return BOOL_RE.test(value) ? "bool" : "str";
    case 0x2d: // -
    case 0x2b: // +
      if (FLOAT_RE.test(value)) return "float";
      if (INT_RE.test(value)) return "int";
      if (GUILD_FLOAT_RE.test(value)) return "float";
      return "str";
    case 0x2e: // .
      if (FLOAT_RE.test(value) || GUILD_FLOAT_RE.test(value)) return "float";
      return "str";
    case 0x7e: // ~
      return NULL_RE.test(value) ? "null" : "str";
    case 0x3c: // <
      return MERGE_RE.test(value) ? "merge" : "str";
    case 0x3d: // =
      return VALUE_RE.test(value) ? "value" : "str";
    case 0x21: // !
    case 0x26: // &
    case 0x2a: // *
      return YAML_RE.test(value) ? "yaml" : "str";
    default:
      if (c >= 0x30 && c <= 0x39) {
        if (FLOAT_RE.test(value)) return "float";
        if (INT_RE.test(value)) return "int";
        if (TIMESTAMP_RE.test(value)) return "timestamp";
        if (GUILD_FLOAT_RE.test(value)) return "float";
      }
      return "str";
  }
}
