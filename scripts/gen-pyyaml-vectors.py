#!/usr/bin/python3
"""Generate libs/runstore/test/fixtures/pyyaml-vectors.json with the real PyYAML.

Run by hand (not by tests or CI), with the system Python that has PyYAML 6.0:

    /usr/bin/python3 scripts/gen-pyyaml-vectors.py

The output is deterministic (seeded), so re-running it gives the same file.

It reproduces what Guild AI 0.9 does:

- writing (`guild.yaml_util.encode_yaml` + `Run.write_attr`): `yaml.safe_dump(val,
  default_flow_style=False, indent=2)`, surrounding whitespace stripped, a trailing
  "\\n..." removed, then "\\n" appended; with Guild's float resolver patch (active
  whenever `guild.yaml_util` is imported) and the "strict" patch (the one-character
  strings y Y n N resolve as bool, so they get quoted);
- reading (`yaml.safe_load` with the float patch): scientific notation without a dot
  or without an exponent sign is a float (`1e5` -> 100000.0).

Both patches are applied to SafeDumper / SafeLoader subclasses instead of to the global
resolver, which has the same effect on resolution.

Deliberate differences of the TypeScript decoder, applied here too so that the vectors
describe the TypeScript contract:
- an implicit or explicit `!!timestamp` is kept as its original string (no datetime);
- a mapping key that is not a string is turned into the string of its canonical YAML
  form (int -> decimal, float -> the float text PyYAML writes, bool -> true/false,
  null -> null), because JavaScript object keys are strings.

JSON tagging of values (what plain JSON cannot say):
- {"$float": repr(x)}  any Python float ("1.0", "0.1", "-0.0", "inf", "nan", "1e+16")
- {"$int": "digits"}   an int beyond +-(2**53 - 1)
- {"$map": [[k, v], ...]}  a dict with a key starting with "$"
- {"$anchor": "a1", "value": v} / {"$alias": "a1"}  a list or dict that occurs more than
  once (shared reference, or recursion)

File layout: {"encode": [{"value", "yaml"}...], "decode": [{"yaml", "value"} or
{"yaml", "error"}...]}. Every encode vector is also a decode vector (yaml -> value),
except those marked "noDecode" (with the reason).
"""

import json
import math
import os
import random
import re
import struct
import sys

import yaml
from yaml.representer import SafeRepresenter

# --- Guild's patches --------------------------------------------------------

FLOAT_PATCH = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
            |\.[0-9_]+(?:[eE][-+][0-9]+)?
            |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
    re.X,
)
STRICT_BOOL = re.compile(r"^(?:y|Y|n|N)$", re.X)


class GuildDumper(yaml.SafeDumper):
    pass


GuildDumper.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_PATCH, list("-+0123456789."))
GuildDumper.add_implicit_resolver("tag:yaml.org,2002:bool", STRICT_BOOL, list("yYnN"))


class GuildLoader(yaml.SafeLoader):
    pass


GuildLoader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_PATCH, list("-+0123456789."))


def _timestamp_as_string(loader, node):
    value = loader.construct_scalar(node)
    if not loader.timestamp_regexp.match(value):
        raise yaml.constructor.ConstructorError(None, None, "invalid timestamp %r" % value, node.start_mark)
    return value


GuildLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_string)


def encode_yaml(val):
    encoded = yaml.dump(val, Dumper=GuildDumper, default_flow_style=False, indent=2)
    stripped = encoded.strip()
    if stripped.endswith("\n..."):
        stripped = stripped[:-4]
    return stripped + "\n"


def decode_yaml(text):
    return yaml.load(text, Loader=GuildLoader)


# --- tagging ----------------------------------------------------------------

MAX_SAFE = 2**53 - 1


def key_to_str(k):
    if isinstance(k, str):
        return k
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, int):
        return str(k)
    if isinstance(k, float):
        return SafeRepresenter().represent_float(k).value
    raise TypeError("unsupported key %r" % (k,))


def tag_value(root):
    counts = {}

    def count(v):
        if isinstance(v, (list, tuple, dict)):
            if isinstance(v, tuple) and v == ():
                return
            counts[id(v)] = counts.get(id(v), 0) + 1
            if counts[id(v)] > 1:
                return
            items = v.values() if isinstance(v, dict) else v
            for x in items:
                count(x)

    count(root)
    names = {}

    def tag(v):
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int):
            return v if abs(v) <= MAX_SAFE else {"$int": str(v)}
        if isinstance(v, float):
            return {"$float": repr(v)}
        if isinstance(v, (list, tuple, dict)):
            shared = counts.get(id(v), 0) > 1
            if shared and id(v) in names:
                return {"$alias": names[id(v)]}
            if shared:
                names[id(v)] = "a%d" % (len(names) + 1)
            if isinstance(v, dict):
                pairs = [(key_to_str(k), x) for k, x in v.items()]
                if any(k.startswith("$") for k, _ in pairs):
                    out = {"$map": [[k, tag(x)] for k, x in pairs]}
                else:
                    out = {}
                    for k, x in pairs:
                        out[k] = tag(x)
            else:
                out = [tag(x) for x in v]
            if shared:
                return {"$anchor": names[id(v)], "value": out}
            return out
        raise TypeError("cannot tag %r" % (v,))

    return tag(root)


# --- values to encode -------------------------------------------------------

rnd = random.Random(20240901)

SPEC_STRINGS = [
    "hello", "", "1.0", "1e5", "010", "yes", "on", "null", "True", "2023-01-01", "12:30",
    "~", "-", "y", "a: b", "#x", " lead", "trail ", "\u00e9", "multi\nline",
]

EDGE_STRINGS = [
    " ", "  ", "\t", "\n", "\r", "\r\n", "\n\n", " \n", "\n ", "a\n", "\na", "a\n\nb",
    "a \nb", "a\n b", "a\tb", "\ta", "a\t", "tab\there", "\x00", "\x07", "\x08", "\x0b", "\x0c",
    "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\xa0", "\u00e9t\u00e9", "\u2603", "\u2028", "\u2029",
    "\ufeff", "\ue000", "\ufffd", "\ufffe", "\uffff", "\ud800", "\U0001F600", "a\U0001F600b",
    "\U0010FFFF", "caf\u00e9 au lait", "\u4e2d\u6587",
    ":", "#", "-", "?", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'", '"', "%", "@", "`",
    ",", "=", "<<", "<", ".", "..", "...", "....", "---", "--", "----", "--- a", "... a",
    ":a", ":a b", "?a", "? a", "-a", "- a", "--a", "-1a", ",a", "a,", "a,b", "[a]", "{a}",
    "&a", "*a", "!a", "|a", ">a", "'a", '"a', "%a", "@a", "`a", "a`", "a'", 'a"', "a'b", "it's",
    "''", "'''", 'say "hi"', "a: b", "a:b", "a:", "a :", "a #b", "a#b", "a # b", "#", "a #",
    "a ,b", "a [b]", "a{b}", "a&b", "a*b", "a!b", "a|b", "a>b", "a%b", "a@b", "a\\b", "\\",
    "\\n", "a/b", "/usr/bin/python3", "${python_exe}", "__flag_args__", "--lr=0.1", "-um",
    "guild.op_main", "mnist:train", "/usr/local/bin:/usr/bin:/bin", "C.UTF-8", "1!0",
    "virtualenv==20.17.1+ds", "x=1 y=2", "=1", "a=", "a = b",
    # YAML 1.1 look-alikes
    "0", "1", "-1", "+1", "00", "007", "08", "09", "0o10", "0x1F", "0X1F", "0xg", "0b101",
    "0b102", "0b", "0x", "1_000", "_1", "1_", "+", "-0", "+0", "1:20", "190:20:30", "1:60",
    "1:5:9", "0:10", "-1:30", "1.5", "1.", ".5", "._5", "1.5e3", "1.5e+3", "1.5E-3", "1e3",
    "1E3", "1e+3", "-1e3", "+1e3", "1e", "e3", ".e3", "1.e3", "1_0e3", "1.0e5", "1.0E+05",
    ".5e3", ".5e+3", "1:20.5", "190:20:30.15", ".inf", "-.inf", "+.inf", ".Inf", ".INF",
    ".iNf", "inf", "-inf", ".nan", ".NaN", ".NAN", "-.nan", "nan", "NaN", "1e400", "-1e400",
    "yes", "Yes", "YES", "yEs", "no", "No", "NO", "nO", "true", "True", "TRUE", "tRue", "false",
    "False", "FALSE", "on", "On", "ON", "oN", "off", "Off", "OFF", "y", "Y", "n", "N", "t",
    "f", "o", "yy", "nn", "null", "Null", "NULL", "nUll", "~", "~~", "None", "none",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
    "2001-12-15T02:59:43.1Z", "2001-12-14 21:59:43.10", "2002-1-1 1:02:03", "2002-1-1",
    "2023-13-45", "20011214", "1-2-3", "12:30:00", "12:60", "=", "==", "<<<", "<< ",
]

NUMBERS_INT = [
    0, 1, -1, 7, -15, 42, 2103158455, 1795714963356859, 2**31, -(2**31), 2**53 - 1, 2**53,
    2**53 + 1, -(2**53) + 1, -(2**53), -(2**53) - 1, 2**63, 2**64 + 7, 10**20, 10**21, 10**30,
    -(10**30), 12345678901234567890123,
]

NUMBERS_FLOAT = [
    0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 0.01, 0.001, 0.0001, 0.00001, 0.000012345, 1e-5, 1e-4,
    1.5e-4, 1e-7, 123.456, 123456789.123, 1e15, 1e16, 1.5e16, 9999999999999998.0,
    999999999999999.9, 1e17, 1e21, 1e22, 1e100, -1e100, 1e308, 1.7976931348623157e308,
    5e-324, 2.2250738585072014e-308, 1e-300, float("inf"), float("-inf"), float("nan"), 3.0,
    100000.0, 2.5, 1 / 3, 2 / 3, math.pi, math.e, 0.30000000000000004, 1e-10, 123e-20,
    4.35, 2**53 + 0.0, 2.0**60, 2.0**70, -2.0**70, 6.02214076e23, 1.1, 1e5, 1e6, 1e-3,
]


def rand_double():
    while True:
        bits = rnd.getrandbits(64)
        x = struct.unpack("<d", bits.to_bytes(8, "little"))[0]
        if not math.isnan(x) and not math.isinf(x):
            return x


def rand_float():
    kind = rnd.randrange(5)
    if kind == 0:
        return rand_double()
    if kind == 1:
        return round(rnd.uniform(-1000, 1000), rnd.randrange(1, 8))
    if kind == 2:
        return rnd.uniform(0, 1) * 10 ** rnd.randrange(-25, 25)
    if kind == 3:
        return float(rnd.randrange(-10**6, 10**6)) * 10 ** rnd.randrange(-8, 20)
    return rnd.choice([1.0, 10.0, 0.1]) * 10.0 ** rnd.randrange(-20, 25)


ALPHABET = (
    ["a"] * 12 + ["b"] * 6 + ["Z"] * 2 + [" "] * 10
    + list(":#-?,[]{}&*!|>'\"%@`=~.<_+/\\0123456789eEyYnNx")
    + ["\n", "\n", "\t", "\r", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\xa0", "\u00e9",
       "\u2028", "\ufeff", "\ue000", "\ufffe", "\U0001F600", "\u2603"]
)


def rand_string(max_len=12):
    return "".join(rnd.choice(ALPHABET) for _ in range(rnd.randrange(0, max_len + 1)))


WORDS = ["a", "ab", "abc", "word", "words", "longer", "lengthier", "x" * 15, "y" * 30,
         "z" * 79, "w" * 81, "q" * 90, "'q'", "it's", "a:b", "#c", "\u00e9t\u00e9", "k\tv", "-"]


def rand_long_string():
    parts = []
    target = rnd.choice([60, 75, 78, 79, 80, 81, 82, 85, 100, 150, 161, 200, 320])
    n = 0
    while n < target:
        w = rnd.choice(WORDS[:10]) if rnd.random() < 0.85 else rnd.choice(WORDS)
        sep = rnd.choice([" "] * 12 + ["  ", "   ", "\n", " \n", "\n\n"])
        parts.append(w)
        parts.append(sep)
        n += len(w) + len(sep)
    s = "".join(parts[:-1])
    mode = rnd.randrange(6)
    if mode == 0:
        s = "'" + s  # force single quotes
    elif mode == 1:
        s = s + " "  # trailing space
    elif mode == 2:
        s = "\u00e9" + s  # force double quotes
    return s


def rand_scalar():
    k = rnd.randrange(10)
    if k < 4:
        return rand_string()
    if k == 4:
        return rnd.choice(EDGE_STRINGS)
    if k == 5:
        return rand_long_string()
    if k == 6:
        return rnd.choice(NUMBERS_INT + [rnd.randrange(-10**20, 10**20)])
    if k == 7:
        return rand_float()
    if k == 8:
        return rnd.choice([True, False, None])
    return rnd.choice(["sgd", "adam", "0.1", "yes", "first try", "n", "", "1e-3"])


def rand_key():
    k = rnd.randrange(8)
    if k < 4:
        return rnd.choice(["a", "b", "c", "lr", "epochs", "batch", "cmd-args", "flags-dest",
                           "Z", "_x", "y", "n", "yes", "1", "a b", "", "x" * 40])
    if k < 6:
        return rand_string(6)
    if k == 6:
        return rnd.choice(["k" * 122, "k" * 123, "k" * 127, "k" * 128, "k" * 130, "a\nb", "\u00e9", "\U0001F600",
                           "\ufffd", "\ue000", "0x1F", "~", "-", "? x"])
    return rand_long_string()


def rand_value(depth):
    if depth <= 0 or rnd.random() < 0.35:
        return rand_scalar()
    if rnd.random() < 0.5:
        return [rand_value(depth - 1) for _ in range(rnd.randrange(0, 4))]
    return {rand_key(): rand_value(depth - 1) for _ in range(rnd.randrange(0, 4))}


def nested(v, path):
    """Wrap v in maps/lists following path, e.g. "ml" = {"k": [v]}."""
    for c in reversed(path):
        v = {"key": v} if c == "m" else [v]
    return v


def encode_values():
    values = []
    values += SPEC_STRINGS
    values += [123, 123.456, 1e100, 1e-5, True, None, [1, "a"], {"b": 1, "a": []}, ("t", 1),
               {"d": {"j": [1]}}]
    values += EDGE_STRINGS
    values += NUMBERS_INT + NUMBERS_FLOAT
    values += [rand_double() for _ in range(150)] + [rand_float() for _ in range(250)]
    values += [rnd.randrange(-2**70, 2**70) for _ in range(30)]
    values += [True, False, None]
    # collections
    values += [
        [], {}, [[]], [{}], {"a": {}}, {"a": []}, [[[]]], [[], {}], {"a": [[]]}, {"a": {"b": {}}},
        ["x"], [["x"]], [[["x"]]], [[1, 2], [3]], [[{"a": 1}]], [{"a": [{"b": [[1]]}]}],
        {"b": 1, "a": 2, "C": 3, "_": 4, "1": 5, "10": 6, "9": 7, "": 8, "\u00e9": 9,
         "\U0001F600": 10, "\ufffd": 11, "\ue000": 12},
        {"y": "y", "n": "n", "Y": "N", "yes": "no", "1": "1", "a b": "a b", "": "", "~": "~"},
        {"d": [1, [2, 3], {"e": [4]}]}, [{"a": 1, "b": [1, 2], "c": {"d": None}}],
        {"op": {"op-cmd": {"cmd-args": ["${python_exe}", "-um", "guild.op_main", "train"],
                           "cmd-env": {"FLAGS_DEST": "globals"}}, "deps": [], "x": {}}},
        {"k" * 122: 1}, {"k" * 123: 1}, {"\U0001F600" * 100: 1}, {"\U0001F600" * 122: 1}, {"\U0001F600" * 123: 1}, {"k" * 127: 1}, {"k" * 128: 1}, {"k" * 200: [1, 2]}, {"a\nb": 1}, {"a\nb": {"c": 1}},
        {"a\nb": [1]}, {"a\nb": []}, {"\u00e9" * 130: "v"}, {"x" * 150: {"y": "z"}},
        [{"a\nb": 1}], [{"k" * 130: [1]}],
        [{}, [], "", None], {"a": None, "b": True, "c": 1.5, "d": 2, "e": "s"},
        {"flags": {"batch": 64, "epochs": 3, "fail": False, "lr": 0.1, "optimizer": "sgd",
                   "sleep": 0.0}},
    ]
    # shared references and recursion
    shared = [1, 2]
    values.append({"a": shared, "b": shared})
    shared_map = {"x": 1}
    values.append([shared_map, shared_map, {"y": shared_map}])
    empty = []
    values.append({"a": empty, "b": empty, "c": []})
    s1, s2 = [1], {"k": "v"}
    values.append({"p": [s1, s2], "q": s2, "r": s1, "s": [s2]})
    rec = []
    rec.append(rec)
    values.append(rec)
    rec2 = {"a": 1}
    rec2["self"] = rec2
    values.append(rec2)
    # long strings at various depths (the folding column depends on the indentation)
    for path in ["", "m", "l", "mm", "ml", "lm", "ll", "mmm", "mlm", "lml", "llll", "mmmm",
                 "lmlm", "mlml", "mmmmm", "lllll"]:
        for _ in range(8):
            values.append(nested(rand_long_string(), path))
    for _ in range(60):
        values.append(rand_long_string())
    # random strings alone, as list items, as keys and as values
    for _ in range(500):
        values.append(rand_string())
    for _ in range(120):
        values.append([rand_string() for _ in range(rnd.randrange(1, 4))])
    for _ in range(120):
        values.append({rand_string(6): rand_string() for _ in range(rnd.randrange(1, 4))})
    # random nested structures
    for _ in range(400):
        values.append(rand_value(rnd.randrange(1, 5)))
    return values


# --- decode-only inputs -------------------------------------------------------

PLAIN_SCALARS = [
    "0", "-0", "+0", "00", "-00", "010", "-010", "0o10", "08", "0_7", "0x1F", "-0x1f", "0x_1F",
    "0xFFFFFFFFFFFFFFFFFF", "0b1010", "-0b1_0", "+0b1", "1_000", "1__0", "+12", "-15",
    "190:20:30", "-190:20:30", "1:0", "1:59:59", "1:60", "99999999999999999999",
    "-99999999999999999999", "9007199254740991", "9007199254740992", "-9007199254740993",
    "1795714963356859", "1.5", "-1.5", "+1.5", "1.", "-1.", "1.0", "10.0", "1_0.5",
    "1.5_5", "1.5e3", "1.5e+3", "1.5E-3", "1.5e3_", "1e5", "1E5", "1e+5", "1e-5", "-2e10",
    "+2e10", "1_0e1", "0e0", "1.0e5", "1.0e+100", "1.0e-05", ".5", ".5_5", "-.5", "+.5",
    ".5e3", ".5e+3", ".5E-3", "._5", "1:20.5", "190:20:30.15", "-1:30.0", "1:30.", ".inf",
    "-.inf", "+.inf", ".Inf", ".INF", ".iNf", ".nan", ".NaN", ".NAN", "-.nan", "1e400",
    "-1e400", "1e-400", "4.9e-324", "2.5e-324", "1.7976931348623159e308", "0.1", "0.30000000000000004",
    "123456789012345678901234567890.5", "yes", "Yes", "YES", "yEs", "no", "No", "NO", "true",
    "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "y", "Y",
    "n", "N", "null", "Null", "NULL", "nULL", "~", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5", "2001-12-15T02:59:43.1Z", "2002-1-1 1:02:03", "2023-13-45",
    "12:30", "12:30:00", "hello", "hello world", "a:b", "a,b", "a[b]", "a{b}", "-a", "?a",
    ":a", "x=1", "${python_exe}", "/usr/bin/python3", "0.1.2", "1.2.3-rc1", "1e", "e5",
    "0x", "0b", "0b2", "1_", "_1", "-", "--", "---x", "a b  c", "\u00e9t\u00e9", "\U0001F600",
]

DECODE_DOCS = [
    "", "\n", "# just a comment\n", "---\n", "--- \n...\n", "...\n", "---\n...\n", "--- 1\n",
    "--- a\n...\n", "%YAML 1.1\n--- a\n", "%YAML 1.2\n--- 1e5\n", "a\n...\n", "a\n---\nb\n",
    "hello\n", "hello", "  hello  \n", "hello # comment\n", "hello #comment\n", "hello#x\n",
    "'quoted'\n", "'it''s'\n", "'a\n\n  b'\n", "'a\n  b'\n", "'a\n\n\n  b'\n", "''\n", "'  '\n",
    '"double"\n', '"\\xE9\\u2603\\U0001F600"\n', '"a\\tb\\nc\\0\\a\\b\\v\\f\\r\\e\\ \\"\\/\\\\"\n',
    '"\\N\\_\\L\\P"\n', '"a\\\n  b"\n', '"a\n  b"\n', '"a\n\n  b"\n', '"x\\q"\n', '"\\x4"\n',
    '"unterminated\n', "'unterminated\n", "multi\nline plain\n", "multi\n  line\n",
    "a\n\nb\n", "|\n  literal\n  text\n", "|-\n  literal\n", "|+\n  keep\n\n", ">\n  folded\n  text\n\n  para\n",
    ">-\n  folded\n", "|2\n   indented\n", "key: |\n  block\n  lines\nnext: 1\n",
    "key: >\n  folded\n  lines\n", "- |\n  a\n- >-\n  b\n", "[1, 2, 3]\n", "[a, 'b', \"c\"]\n",
    "[]\n", "{}\n", "{a: 1, b: [2, 3]}\n", "{a: 1, a: 2}\n", "[1, [2, [3, []]]]\n",
    "{? a : b}\n", "[a: 1, b]\n", "- [1, 2]\n- {a: b}\n", "a: [1,\n  2]\n", "[1, 2\n", "{a: 1\n",
    "- a\n- b\n", "- a\n-  b\n", "-   a\n", "- a\n - b\n", "- - a\n  - b\n- c\n", "-\n  - a\n",
    "- \n", "-\n", "- ~\n", "- null\n- \n- x\n", "- a: 1\n  b: 2\n- c\n", "- a:\n  - 1\n",
    "a: 1\nb: 2\n", "a: 1\n  b: 2\n", "a:\n  b: 1\n", "a:\n- 1\n- 2\n", "a:\n  - 1\n  - 2\n",
    "a:\n", "a: \n", "a:\nb:\n", "a: ~\n", "a: 1\na: 2\n", "a: {}\nb: []\n", "'a': 1\n",
    "\"a\": 1\n", "'y': 'y'\n", "y: n\n", "yes: no\n", "1: a\n", "010: a\n", "1.5: a\n",
    "1e5: a\n", "true: a\n", "~: a\n", "null: a\n", ".inf: a\n", "-.nan: a\n", "2001-12-14: a\n",
    "[1]: a\n", "{a: 1}: b\n", "? [1]\n: a\n", "? a\n: b\n", "? |\n  block key\n: v\n",
    "=: a\n", "a: =\n", "<<: {a: 1}\n", "a: <<\n", "'<<': {a: 1}\n",
    "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n",
    "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
    "a: &a {x: 1}\nc:\n  z: 3\n  <<: *a\n  x: 9\n", "c:\n  <<: [1]\n", "c:\n  <<: 1\n",
    "a: &x [1, 2]\nb: *x\n", "a: &x 1\nb: *x\n", "- &x a\n- *x\n- *x\n", "a: *nope\n",
    "&a [*a]\n", "&a {k: *a}\n", "a: &x\n  b: &y [1]\n  c: *y\nd: *x\n", "&a a: &b b\n*a : *b\n",
    "!!str 123\n", "!!int '0x10'\n", "!!int '12'\n", "!!int ' 12 '\n", "!!int 'abc'\n",
    "!!float '1'\n", "!!float '1e5'\n", "!!float 'inf'\n", "!!float '-Infinity'\n",
    "!!float 'abc'\n", "!!bool 'yes'\n", "!!bool 'y'\n", "!!null 'x'\n", "!!str\n", "!!null\n",
    "! 123\n", "! '123'\n", "! a\n", "!foo 1\n", "!!binary aGVsbG8=\n", "!!set {a, b}\n",
    "!!omap [a: 1, b: 2]\n", "!!pairs [a: 1, a: 2]\n", "!!omap [a, b]\n", "!!seq {a: 1}\n",
    "!!map [1]\n", "!!seq [1]\n", "!!map {a: 1}\n", "!!timestamp 2001-12-14\n",
    "!!timestamp 'nope'\n", "!!str [1]\n", "!<tag:yaml.org,2002:int> '7'\n",
    "%TAG !e! tag:yaml.org,2002:\n--- !e!int '7'\n", "a: !!float 1\n", "a: !!str 1.5\n",
    "a: b: c\n", "a: 'b' c\n", "a:b: c\n", "a :b\n", "a : b\n", "a\t: b\n", "a:\tb\n",
    "\ta: b\n", "a: \tb\n", "a: b\t\n", "- a\t\n", "a: 'b'  # c\n", "a: b # c\n", "a: b #c\n",
    "a: b#c\n", "a: 'b'#c\n", "key with spaces: value with spaces\n",
    "a: -1\nb: +1\nc: .5\nd: 1.\n", "? \n: \n", "\ufeffa: 1\n", "a: 1\r\nb: 2\r\n",
    "a: 'x\r\n  y'\r\n", "a\x01b\n", "a: \x7f\n", "a: \x85b\n", "'a\x85b'\n",
    "a: 1\n...\n", "a: 1\n---\n", "- 1\n- 2\n# trailing comment\n", "# c\n- 1\n",
    "a: 1\n\n\nb: 2\n", "  a: 1\n  b: 2\n", "a:\n    - 1\n    - 2\nb: 3\n",
    "a: [1, 2]\nb: {c: d}\n", "a: \"x\"\n", "a: 'multi\n\n  line'\n", "a: multi\n  line\n",
    "a: 'unterminated\n", "a: [\n", "a: ]\n", "a: }\n", "]\n", "@a\n", "`a\n", "%a\n",
    "a: @x\n", "'a' 'b'\n", "- a\nb: 1\n", "a: 1\n- b\n", "a: &x\n", "a: &x\nb: *x\n",
    "- *x\n", "- &x\n- *x\n",
    # block scalars at the end of an input without a final line break
    "|\n  abc", "|+\n  abc", "|-\n  abc", "a: |\n  abc", ">\n  folded\n  text", "- >\n  a\n  b",
    # tabs: only inside quoted and block scalars and comments
    "a: 'x\ty'\n", "a: \"x\ty\"\n", "a: |\n  x\ty\n", "# c\td\na: 1\n", "a: b #\tc\n", "a\tb\n",
    "[a,\tb]\n", "a: |  # c\t\n  x\n", "a: |\t\n  x\n",
    # empty implicit keys
    ": x\n", "a: 1\n: 2\n", "{: x}\n", "[: x]\n", "[a, : x]\n", "- : x\n", "{? : x}\n", "&a : x\n",
    # anchor names
    "&a-b_1 x\n", "&a.b x\n", "- &x@ y\n", "a: &x1 1\nb: *x1\n",
    # keys that are equal in Python
    "1: a\n1.0: b\ntrue: c\n", "-0.0: a\n0: b\n", "false: x\n0: y\n", "0x10: a\n16: b\n",
    ".nan: a\n.nan: b\n", "1e20: a\n100000000000000000000: b\n",
    # quoted scalars continued on less indented lines, and a comment right after a quote
    "- 'a\nb'\n", "k: 'a\nb'\n", "- \"a\n\tb\"\n", "a: 'b'#c\n",
]


def decode_inputs():
    docs = list(DECODE_DOCS)
    for s in PLAIN_SCALARS:
        docs.append(s + "\n")
        docs.append("- " + s + "\n")
        docs.append("k: " + s + "\n")
        docs.append("[" + s + "]\n")
        docs.append("{k: " + s + "}\n")
        docs.append("'" + s + "'\n")
        docs.append(s + ": v\n")
    for p in ["a: 1\nb: 2", "- a\n- b", "x"]:
        docs.append(p)
        docs.append(p + "\n\n")
    return docs


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_path = os.path.join(here, "..", "libs", "runstore", "test", "fixtures", "pyyaml-vectors.json")
    encode = []
    seen = set()
    for v in encode_values():
        text = encode_yaml(v)
        tagged = tag_value(v)
        key = json.dumps(tagged, sort_keys=True) + "\x00" + text
        if key in seen:
            continue
        seen.add(key)
        vec = {"value": tagged, "yaml": text}
        if _is_recursive(v):
            vec["noDecode"] = "recursive structure: the TypeScript decoder rejects recursive aliases"
        else:
            try:
                back = decode_yaml(text)
            except yaml.YAMLError as e:
                # PyYAML writes simple keys up to 122 code points, but its reader refuses
                # simple keys longer than 1024 characters, which escapes can reach.
                vec["noDecode"] = "PyYAML cannot read its own output: %s" % str(e).splitlines()[0]
                back = v
            if tag_value(v) != tag_value(back):
                raise SystemExit("does not round-trip: %r -> %r" % (v, text))
        encode.append(vec)
    decode = []
    for text in decode_inputs():
        try:
            value = decode_yaml(text)
        except Exception as e:  # noqa: BLE001 -- any failure is an expected error
            decode.append({"yaml": text, "error": "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")})
            continue
        try:
            tagged = tag_value(value)
        except TypeError as e:
            decode.append({"yaml": text, "error": "unsupported in the TypeScript model: %s" % e})
            continue
        vec = {"yaml": text, "value": tagged}
        if _is_recursive(value):
            vec = {"yaml": text, "error": "recursive structure (PyYAML builds it; the TypeScript decoder rejects it)"}
        decode.append(vec)
    doc = {
        "generator": "scripts/gen-pyyaml-vectors.py",
        "pyyaml": yaml.__version__,
        "python": sys.version.split()[0],
        "encode": encode,
        "decode": decode,
    }
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print("wrote %s: %d encode vectors, %d decode vectors" % (out_path, len(encode), len(decode)))


def _is_recursive(v, stack=None):
    stack = stack or set()
    if isinstance(v, (list, tuple, dict)):
        if id(v) in stack:
            return True
        stack = stack | {id(v)}
        items = v.values() if isinstance(v, dict) else v
        return any(_is_recursive(x, stack) for x in items)
    return False


if __name__ == "__main__":
    main()
