/**
 * Python's semantics, each once: Guild is a Python program and its files, messages and
 * subprocess arguments follow Python's rules, which JavaScript's differ from.
 *
 * - value.ts: the value model (int vs float: `GuildFloat` for integral and non-finite floats)
 * - float-repr.ts: `repr(float)` (`1.0`, `1e-05`, `inf`) and PyYAML's float text
 * - float-format.ts: `'%.*f'`, `'%.*e'`, `round(x, n)`: exact, ties to even
 * - values.ts: `repr()`/`str()` of values, `pprint.pformat`, truthiness, `==`, `type().__name__`
 * - percent.ts: printf-style `fmt % val`
 * - text.ts: `str.isspace()`, `strip()`/`rstrip()`, `int(s)`, `float(s)`, `len()`, UTF-8 `errors="ignore"`
 * - order.ts: `str` ordering (code points, not UTF-16 units)
 * - shlex.ts: `shlex.split` / `shlex.quote`
 * - regex.ts: Python `re` patterns translated to JavaScript, with `finditer`
 * - yaml-resolve.ts, yaml-dump.ts: PyYAML's implicit types and `safe_dump`, with Guild's patches
 * - flag-val.ts: Guild's `encode_flag_val` and `yaml_util.encode_yaml`
 *
 * It depends on nothing else in the repository.
 */
export * from "./value.js";
export * from "./float-repr.js";
export * from "./float-format.js";
export * from "./values.js";
export * from "./percent.js";
export * from "./text.js";
export * from "./order.js";
export * from "./shlex.js";
export * from "./regex.js";
export * from "./yaml-resolve.js";
export * from "./yaml-dump.js";
export * from "./flag-val.js";
export * from "./json-dumps.js";
