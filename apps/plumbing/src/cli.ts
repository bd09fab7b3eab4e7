import fs from "node:fs";
import { cac, type CAC } from "cac";
// Every command's start-up loads this file: it imports the files it needs, not the packages'
// indexes (which reach every module of the package).
import { CliError, EXIT } from "@guildts/format/exit.js";
import { eachLine, textFor } from "@guildts/format/safe.js";
import { RUN_STATUSES, type RunStatus } from "@guildts/runstore/status.js";
import { closest } from "./suggest.js";

/** The version every command reports (`--version`, `guild check`). */
export const VERSION = "0.1.0";

/** `-H/--home`, for every command (read with `homeOption` or `runOptions`). */
export function addHomeOption(cli: CAC): CAC {
  return cli.option("-H, --home <path>", "Guild home (default: $GUILD_HOME, a .guild dir above the cwd, or ~/.guild)");
}

/**
 * Options every run command shares: home, scope and filters (one definition for all commands).
 * `freeShorts` gives up the short spellings a command uses for options of its own, as Guild's
 * do (`guild tag -a TAG`); their long forms (`--all`) stay.
 */
export function addRunOptions(cli: CAC, freeShorts: readonly string[] = [], o: { quiet?: string } = {}): CAC {
  const free = new Set(freeShorts);
  const group = selectionOptions.get(cli) ?? new Set<string>();
  selectionOptions.set(cli, group);
  const opt = (raw: string, desc: string) => {
    const m = /^-([A-Za-z]), (.*)$/s.exec(raw);
    const freed = m !== null && free.has(m[1]!);
    const name = freed ? m[2]! : raw;
    // A freed short that Guild spells -F? says so (`--tag <tag>` ... (also -Ft)).
    const f = freed ? Object.entries(GUILD_F).find(([, long]) => name.startsWith(`${long} `) || name === long) : undefined;
    cli.option(name, f ? `${desc} (also -F${f[0]})` : desc);
    group.add(name);
  };
  addHomeOption(cli);
  opt("-a, --all", "Include all runs, not only those of the model definition in the cwd");
  opt("-o, --op <text>", "Only runs whose operation contains TEXT (^... or ...$: a regex); repeatable");
  opt("-l, --label <text>", "Only runs whose label contains TEXT ('-': no label); repeatable");
  opt("-u, --unlabeled", "Only runs without a label");
  opt("-t, --tag <tag>", "Only runs with TAG; repeatable");
  opt("-M, --marked", "Only marked runs");
  opt("-N, --unmarked", "Only unmarked runs");
  opt("-R, --running", "Only running runs (status options combine: -ET = error or terminated)");
  opt("-C, --completed", "Only completed runs");
  opt("-E, --error", "Only runs that failed with an error");
  opt("-T, --terminated", "Only terminated runs");
  opt("-P, --pending", "Only pending runs");
  opt("-G, --staged", "Only staged runs");
  opt("-F, --filter <expr>", "Only runs for which EXPR is true: 'lr > 0.01 and acc > 0.9' (see README: filter expressions)");
  opt("--operation <opspec>", "Guild's -Fo: operation matches OPSPEC part by part (train, cls:*, ^regex); repeatable");
  opt("--comment <text>", "Guild's -Fc: a comment's user, host or body contains TEXT ('-': no comments); repeatable");
  opt("--started <range>", "Guild's -Fs: started in RANGE ('after 2026-12-01', 'last 2 hours', 'this week')");
  opt("--digest <prefix>", "Guild's -Fd: source code digest starts with PREFIX");
  opt("--not-running", "Guild's --not-running: drop running runs (also --not-completed, --not-error...)");
  opt("--not-completed", "Drop completed runs");
  opt("--not-error", "Drop runs that failed with an error");
  opt("--not-terminated", "Drop terminated runs");
  opt("--not-pending", "Drop pending runs");
  opt("--not-staged", "Drop staged runs");
  opt("--deleted", "Deleted runs (in the trash) instead of live ones");
  opt("--batch <run>", "Only the trials of batch run RUN (an id or unique id prefix)");
  // Not a selection option: it silences the scope note (scripts in a project pass -a instead).
  if (!free.has("q")) {
    cli.option("-q, --quiet", o.quiet ?? "Do not print the scope note ('Limiting runs to the current directory')");
    group.add("-q, --quiet");
  }
  return cli;
}

/** The selection and filter options of each cac instance (--help lists them apart). */
const selectionOptions = new WeakMap<CAC, Set<string>>();

/** Guild 0.9's `-F?` spellings and the long option each stands for here. */
const GUILD_F: Record<string, string> = {
  o: "--operation",
  l: "--label",
  u: "--unlabeled",
  t: "--tag",
  c: "--comment",
  m: "--marked",
  n: "--unmarked",
  s: "--started",
  d: "--digest",
};
/** Guild's status chars (`-Sr`, `-S ec`) and the runs guide's status options. */
const GUILD_S: Record<string, RunStatus> = { r: "running", c: "completed", e: "error", t: "terminated", p: "pending", s: "staged" };
const GUIDE_STATUS_LETTERS: Record<string, RunStatus> = {
  R: "running",
  C: "completed",
  E: "error",
  T: "terminated",
  P: "pending",
  G: "staged",
};

/**
 * Rewrites Guild 0.9's multi-letter spellings into the options cac knows (cac would read `-Fo`
 * as `-F -o`): `-Fo VAL` → `--operation VAL` (and `-Fl -Fu -Ft -Fc -Fm -Fn -Fs -Fd`), any other
 * `-F…` → `--filter=…` (click's reading: `-Fx` is `-F x`), `-Sr`/`-S CHARS` → the status
 * options. Status options resolve as in Guild: between `--error` and `--not-error` the last one
 * wins; a status asked for by letter (`-Se`, `-E`) beats `--not-error`. `valued` names the
 * options that take a value (their values are never rewritten). Stops at `--`.
 */
export function guildSpellings(argv: string[], valued: Set<string>): string[] {
  const out: string[] = [];
  const forced = new Set<RunStatus>();
  const lastLong = new Map<RunStatus, { index: number; not: boolean }>();
  const dropped = new Set<number>(); // indexes in `out` (never a marker value: '' is an argument)
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const long = /^--([^=]+)/.exec(a);
    if (long) {
      out.push(a);
      const name = long[1]!;
      const status = RUN_STATUSES.find((s) => name === s || name === `not-${s}`);
      if (status) {
        const prev = lastLong.get(status);
        if (prev) dropped.add(prev.index); // the last of --error/--not-error wins
        lastLong.set(status, { index: out.length - 1, not: name.startsWith("not-") });
      }
      if (valued.has(name) && !a.includes("=") && i + 1 < argv.length) out.push(argv[++i]!);
      continue;
    }
    const f = /^-F(.*)$/s.exec(a);
    if (f) {
      const rest = f[1]!;
      const eq = /^([a-z])(?:=(.*))?$/s.exec(rest);
      // A value taken from the next word is bound with `=`, so that one starting with `-` stays a value.
      if (rest === "") out.push(i + 1 < argv.length ? `--filter=${argv[++i]}` : "--filter");
      else if (eq && GUILD_F[eq[1]!]) {
        const long = GUILD_F[eq[1]!]!;
        if (eq[2] !== undefined) out.push(`${long}=${eq[2]}`);
        else if (valued.has(long.slice(2)) && i + 1 < argv.length) out.push(`${long}=${argv[++i]}`);
        else out.push(long);
      } else out.push(`--filter=${rest}`);
      continue;
    }
    const sm = /^-S(.*)$/s.exec(a);
    if (sm) {
      let chars = sm[1]!;
      if (chars === "") {
        if (i + 1 >= argv.length) throw new CliError("option '-S' needs a value (status chars: rcetps)", EXIT.USAGE);
        chars = argv[++i]!;
      }
      for (const ch of chars) {
        const s = GUILD_S[ch];
        if (!s) throw new CliError(`unrecognized status char '${ch}' in option '-S'`, EXIT.USAGE);
        forced.add(s);
        out.push(`--${s}`);
      }
      continue;
    }
    out.push(a);
    if (/^-[A-Za-z]+$/.test(a)) {
      for (const ch of a.slice(1)) if (GUIDE_STATUS_LETTERS[ch]) forced.add(GUIDE_STATUS_LETTERS[ch]!);
      if (valued.has(a.slice(-1)) && i + 1 < argv.length) out.push(argv[++i]!);
    }
  }
  // A status asked for by letter beats --not-STATUS, wherever it stands.
  return out.filter((a, i) => !dropped.has(i) && !(a.startsWith("--not-") && forced.has(a.slice(6) as RunStatus)));
}

/** The options a cac instance declares, as typed: `-H`, `--home`... (help, completion, suggestions). */
export function optionNames(cli: CAC): string[] {
  // cac's `names` are camelCased (dryRun): the raw name keeps the spelling typed (`-n, --dry-run <x>`).
  const names = cli.globalCommand.options.flatMap((o) => o.rawName.split(",").map((n) => n.trim().split(/[\s<[]/)[0]!));
  return [...new Set(names.includes("--help") ? names : [...names, "--help"])];
}

/** A long option close to a mistyped one (`--jsn` → `--json`): a prefix, or one or two edits off. */
function closestOption(typed: string, names: string[]): string | null {
  const long = names.filter((n) => n.startsWith("--")).map((n) => n.slice(2));
  const guess = closest(typed, long, typed.length < 6 ? 1 : 2);
  return guess === null ? null : `--${guess}`;
}

/** Known option names of a cac instance, for rejecting unknown ones. */
function knownOptions(cli: CAC): Set<string> {
  // Only what the command declares (--help; --version for the plumbing): `guild runs -v` is no silent no-op.
  const names = new Set<string>(["--"]);
  for (const o of cli.globalCommand.options) for (const n of o.names) names.add(n);
  return names;
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const guildShorts = new WeakMap<CAC, Record<string, string>>();

/**
 * Guild's multi-letter short options (`-bl LABEL`, `-bt TAG`), which cac would read as bundles
 * of one-letter flags: each is declared here with the long option it spells.
 */
export function addGuildShorts(cli: CAC, shorts: Record<string, string>): CAC {
  guildShorts.set(cli, { ...guildShorts.get(cli), ...shorts });
  return cli;
}

function expandGuildShorts(cli: CAC, argv: string[]): string[] {
  const shorts = guildShorts.get(cli);
  if (!shorts) return argv;
  const end = argv.indexOf("--");
  return argv.map((a, i) => (end >= 0 && i > end ? a : (shorts[a] ?? a)));
}

const guildUnsupported = new WeakMap<CAC, Map<string, string>>();

/**
 * Guild 0.9 options of a command that guildts does not have yet (`compare -u`, Guild's
 * `--skip-unchanged`): each spelling is refused with a line naming it, instead of being read as
 * another option that shares its letter or as an unknown one. `spellings` is `-u, --skip-unchanged`.
 */
export function addGuildUnsupported(cli: CAC, ...spellings: string[]): CAC {
  const m = guildUnsupported.get(cli) ?? new Map<string, string>();
  for (const sp of spellings) {
    const names = sp.split(",").map((n) => n.trim());
    for (const n of names) m.set(n, names.join("/"));
  }
  guildUnsupported.set(cli, m);
  return cli;
}

function refuseGuildUnsupported(cli: CAC, argv: readonly string[]): void {
  const m = guildUnsupported.get(cli);
  if (!m) return;
  const shapes = optionShapes(cli);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") return;
    // The value of an option is not an option (`guild run train -l -t`: the label is '-t').
    const shape = /^--?[^=]+$/.test(a) ? shapes.get(a.replace(/^-+/, "")) : undefined;
    if (shape?.value === "required") {
      i++;
      continue;
    }
    const name = a.split("=")[0]!;
    const spelled = m.get(name);
    if (spelled)
      throw new CliError(
        spelled === name
          ? `option '${name}' of Guild 0.9 is not supported by guildts yet`
          : `option '${name}' (Guild's ${spelled}) is not supported by guildts yet`,
        EXIT.USAGE,
      );
  }
}

interface OptionShape {
  /** How it is written in a bound word: `--top`, or `-z` for an option with only a short name. */
  spelling: string;
  value: "required" | "optional" | "none";
}

/** Each name a cac instance declares (`n`, `top`, `dry-run`) → how it takes a value. */
function optionShapes(cli: CAC): Map<string, OptionShape> {
  const shapes = new Map<string, OptionShape>();
  for (const o of cli.globalCommand.options) {
    const names = o.rawName.split(",").map((n) => n.trim().split(/[\s<[]/)[0]!);
    const long = names.find((n) => n.startsWith("--")) ?? names[0]!;
    const value = o.required === true ? "required" : o.required === false ? "optional" : "none";
    for (const n of names) shapes.set(n.replace(/^-+/, ""), { spelling: long, value });
  }
  return shapes;
}

/**
 * Binds every option's value to it, as click reads a command line, so that cac (mri) cannot
 * misread one: an option that needs a value takes the next word whatever it is (`-l -x`,
 * `--set ''`, `--top 5`); one with an optional value (`--csv [file]`) takes the next word unless
 * it is an option (`-` is a value: stdout); a short option's value may be glued on (`-n5`), and
 * in a bundle the first letter that takes a value takes the rest (`-yn5`). The result spells each
 * value `--long=VALUE`, so nothing that follows is swallowed or dropped (`--csv - 2:5`). Also
 * returns the positional arguments as typed (before `--`), in order. Stops at `--`.
 */
export function bindOptionValues(cli: CAC, argv: readonly string[]): { argv: string[]; positional: string[] } {
  const shapes = optionShapes(cli);
  const out: string[] = [];
  const positional: string[] = [];
  const takes = (shape: OptionShape, next: string | undefined): boolean =>
    next !== undefined && (shape.value === "required" || next === "-" || !next.startsWith("-"));
  const bound = (shape: OptionShape, value: string) =>
    shape.spelling.startsWith("--") ? `${shape.spelling}=${value}` : `${shape.spelling}${value}`;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (a.startsWith("--")) {
      const shape = a.includes("=") ? undefined : shapes.get(a.slice(2));
      if (shape && shape.value !== "none") {
        if (takes(shape, argv[i + 1])) out.push(bound(shape, argv[++i]!));
        else if (shape.value === "required") throw new CliError(`option '${a}' needs a value`, EXIT.USAGE);
        else out.push(a);
      } else out.push(a);
      continue;
    }
    if (a === "-" || !a.startsWith("-")) {
      positional.push(a);
      out.push(a);
      continue;
    }
    // A short option or a bundle of them: the first letter that takes a value ends the bundle.
    const letters = a.slice(1);
    let j = 0;
    for (; j < letters.length; j++) {
      const shape = shapes.get(letters[j]!);
      if (!shape || shape.value === "none") continue;
      if (j > 0) out.push(`-${letters.slice(0, j)}`);
      const glued = letters.slice(j + 1).replace(/^=/, "");
      if (glued !== "") out.push(bound(shape, glued));
      else if (takes(shape, argv[i + 1])) out.push(bound(shape, argv[++i]!));
      else if (shape.value === "required") throw new CliError(`option '-${letters[j]}' needs a value`, EXIT.USAGE);
      else out.push(`-${letters[j]}`);
      break;
    }
    if (j === letters.length) out.push(a);
  }
  return { argv: out, positional };
}

/**
 * Parses argv with cac, rejecting unknown options (cac ignores them) with a usage error that
 * names the option. Returns null when --help or --version was printed.
 */
export function parseArgs(cli: CAC, givenArgv: string[]): { args: string[]; opts: Record<string, unknown> } | null {
  refuseGuildUnsupported(cli, givenArgv);
  let argv = expandGuildShorts(cli, givenArgv);
  // Commands that select runs also take Guild 0.9's spellings (-Fo, -Sr, --not-error...).
  if (cli.globalCommand.options.some((o) => o.names.includes("filter"))) {
    const valued = new Set<string>();
    for (const o of cli.globalCommand.options)
      if (o.required === true)
        for (const n of o.rawName.split(","))
          valued.add(
            n
              .trim()
              .replace(/^-+/, "")
              .split(/[\s<[]/)[0]!,
          );
    argv = guildSpellings(argv, valued);
  }
  const bound = bindOptionValues(cli, argv);
  argv = bound.argv;
  let parsed;
  try {
    parsed = cli.parse(["node", cli.name, ...argv], { run: false });
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.USAGE);
  }
  const opts = parsed.options as Record<string, unknown>;
  if (opts.help || (opts.version && (cli.globalCommand as { versionNumber?: string }).versionNumber)) return null;
  const known = knownOptions(cli);
  for (const key of Object.keys(opts)) {
    if (!known.has(key) && !known.has(kebab(key))) {
      const flag = key.length === 1 ? `-${key}` : `--${kebab(key)}`;
      const guess = key.length === 1 ? null : closestOption(kebab(key), optionNames(cli));
      throw new CliError(`unknown option '${flag}'${guess ? ` (did you mean '${guess}'?)` : ""}`, EXIT.USAGE);
    }
  }
  restoreRawValues(cli, argv, opts);
  // Arguments after `--` are arguments too (`guild runs label -- 1 '-x'`), never options.
  const rest = Array.isArray(opts["--"]) ? (opts["--"] as unknown[]).map(String) : [];
  delete opts["--"];
  // mri turns positional arguments that look like numbers into numbers (`007` → 7, '' → 0) and
  // drops a lone `-`: they are taken as typed.
  return { args: [...bound.positional, ...rest], opts };
}

/**
 * cac (through mri) turns option values that look like numbers into numbers: `--set 007` would
 * label `7`, `--set ''` would label `0`. Option values are text here (each command converts what
 * it needs), so they are put back exactly as typed (bindOptionValues has bound each to its option).
 */
function restoreRawValues(cli: CAC, argv: string[], opts: Record<string, unknown>): void {
  const valued = new Map<string, string>(); // any name → the camelCase key cac uses
  const aliases = new Map<string, readonly string[]>(); // that key → every name cac sets
  for (const o of cli.globalCommand.options) {
    if (!/[<[]/.test(o.rawName)) continue;
    for (const n of o.names) valued.set(n, o.names[o.names.length - 1]!);
    aliases.set(o.names[o.names.length - 1]!, o.names);
  }
  const raw = new Map<string, string[]>();
  for (const a of argv) {
    if (a === "--") break;
    const m = /^--([^=]+)=(.*)$/s.exec(a) ?? /^-([A-Za-z])(.+)$/s.exec(a);
    if (!m) continue;
    const name = m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const key = valued.get(name);
    if (key === undefined) continue;
    raw.set(key, [...(raw.get(key) ?? []), m[2]!]);
  }
  for (const [key, values] of raw) {
    for (const k of aliases.get(key) ?? [key]) {
      if (!(k in opts)) continue;
      opts[k] = Array.isArray(opts[k]) ? values : values[values.length - 1];
    }
  }
}

/**
 * The run id of a `guild-ls-runs --json` record read from stdin (a line starting with `{`);
 * a usage error when it is not JSON or has no id.
 */
export function idOfJsonLine(line: string): string {
  let id: unknown;
  try {
    id = (JSON.parse(line) as { id?: unknown }).id;
  } catch (e) {
    throw new CliError(`invalid JSON record on stdin: ${(e as Error).message}`, EXIT.USAGE);
  }
  if (typeof id !== "string" || id === "") throw new CliError(`JSON record on stdin has no "id": ${line.slice(0, 80)}`, EXIT.USAGE);
  return id;
}

/**
 * Prints an error or warning line, prefixed with the program name. On a terminal, control and
 * bidi characters in it (run data: ids, paths, labels) are shown escaped (format's safeText).
 */
export function say(prog: string, message: string): void {
  process.stderr.write(`${prog}: ${eachLine(message, textFor(process.stderr))}\n`);
}

/** Runs a command body, mapping errors to messages and exit codes. */
export function runMain(prog: string, body: () => number | void | Promise<number | void>): void {
  const report = (e: unknown): number => {
    if (e instanceof CliError) {
      // An empty message is a quiet failure (-q): only the exit status speaks.
      if (e.message) say(prog, e.message);
      for (const h of e.hints) process.stderr.write(eachLine(h, textFor(process.stderr)) + "\n");
      // One hint line, never two: a hint that says what to try replaces the pointer to --help.
      if (e.message && e.exitCode === EXIT.USAGE && !e.hints.some((h) => h.startsWith("Try ")))
        process.stderr.write(`Try '${e.command ?? prog} --help' for more information.\n`);
      return e.exitCode;
    }
    const err = e as NodeJS.ErrnoException;
    say(prog, err.code ? `${err.message}` : `internal error: ${err.stack ?? err}`);
    return EXIT.FAULT;
  };
  let result: number | void | Promise<number | void>;
  try {
    result = body();
  } catch (e) {
    process.exitCode = report(e);
    return;
  }
  if (result instanceof Promise) {
    result.then(
      (code) => (process.exitCode = code ?? EXIT.OK),
      (e) => (process.exitCode = report(e)),
    );
  } else process.exitCode = result ?? EXIT.OK;
}

export function newCli(name: string): CAC {
  return cac(name);
}

/** What a command's handler gets: the name it was called by, its arguments and options. */
export interface Call {
  /** The command as called (`guild runs rm`, `guild-ls-runs`): messages and --help use it. */
  prog: string;
  args: string[];
  opts: Record<string, unknown>;
}

/**
 * A command, declared so that it can be read without running it: usage, examples, and its
 * options declared on a cac instance (help, completion and option suggestions read them), then
 * its handler. The plumbing's commands are these; the porcelain's add a name (apps/guild).
 */
export interface CommandDef {
  /** One line for command lists (`guild --help`). */
  summary: string;
  /** After the program name in `Usage:`: the arguments, a blank line, what it does. */
  usage: string;
  /** Command lines shown at the end of --help (`guild runs rm -ET -y`). */
  examples: readonly string[];
  options?: (cli: CAC) => CAC;
  run(call: Call): number | Promise<number>;
}

/** The cac instance of a command: its options, usage, examples, --help (and --version). */
export function commandCli(prog: string, def: Pick<CommandDef, "usage" | "examples" | "options">, version?: string): CAC {
  const cli = newCli(prog);
  def.options?.(cli);
  cli.usage(def.usage);
  for (const e of def.examples) cli.example(`  ${e}`);
  cli.help((sections) => groupedHelp(cli, sections));
  if (version !== undefined) cli.version(version);
  return cli;
}

/** Options that choose what is printed or how (listed apart in --help, under "Output"). */
const OUTPUT_OPTIONS = new Set([
  "--json",
  "--csv",
  "--table",
  "-z",
  "--scalars",
  "--short",
  "--short-id",
  "--simplified",
  "--all-scalars",
  "--cols",
  "--min",
  "--max",
  "--top",
  "--limit",
  "--more",
  "--unlimited",
  "--path",
  "--dir",
  "--full-path",
  "--no-format",
  "--print-cmd",
  "--print-trials",
]);
/** Options every command has ("General"). */
const GENERAL_OPTIONS = new Set(["--home", "--help", "--version"]);

/**
 * A command's --help with its options in groups: its own options, then output, then selection
 * and filters (addRunOptions), then the general ones (-H, -q, --help), one column across groups.
 */
function groupedHelp(cli: CAC, sections: { title?: string; body: string }[]): { title?: string; body: string }[] {
  const options = cli.globalCommand.options;
  const selection = selectionOptions.get(cli) ?? new Set<string>();
  const groups: [string, typeof options][] = [
    ["Options", []],
    ["Output", []],
    ["Selection and filters", []],
    ["General", []],
  ];
  for (const o of options) {
    const names = o.rawName.split(",").map((n) => n.trim().split(/[\s<[]/)[0]!);
    const long = names.find((n) => n.startsWith("--")) ?? names[0]!;
    const g = GENERAL_OPTIONS.has(long) ? 3 : selection.has(o.rawName) ? 2 : OUTPUT_OPTIONS.has(long) ? 1 : 0;
    groups[g]![1].push(o);
  }
  // A command that gives Guild's -h to another option (`run -h` is --help-op, `ls -h`
  // --human-readable) shows -h there, and --help alone.
  const h = guildShorts.get(cli)?.["-h"];
  const shown = (o: (typeof options)[number]) =>
    h === undefined
      ? o.rawName
      : o.rawName === "-h, --help"
        ? "--help"
        : o.rawName.split(/[\s,<[]/)[0] === h
          ? `-h, ${o.rawName}`
          : o.rawName;
  const width = Math.max(...options.map((o) => shown(o).length)) + 2;
  const grouped = groups
    .filter(([, os]) => os.length)
    .map(([title, os]) => ({ title, body: os.map((o) => `  ${shown(o).padEnd(width)}${o.description}`.trimEnd()).join("\n") }));
  const at = sections.findIndex((x) => x.title === "Options");
  if (at < 0) return sections;
  return [...sections.slice(0, at), ...grouped, ...sections.slice(at + 1)];
}

/** Parses argv for a command and runs it (exit 0 after printing --help or --version). */
export function callCommand(def: CommandDef, prog: string, argv: string[], version?: string): number | Promise<number> {
  const parsed = parseArgs(commandCli(prog, def, version), argv);
  if (!parsed) return EXIT.OK;
  return def.run({ prog, ...parsed });
}

/** main() of a plumbing program (`guild-ls-runs`...): its errors and --version under its own name. */
export function plumbingMain(prog: string, def: CommandDef, argv: string[]): void {
  runMain(prog, () => callCommand(def, prog, argv, VERSION));
}

/** The longest stdin line the plumbing reads (a run id, a selector or one --json record). */
export const STDIN_LINE_LIMIT = 64 * 1024;

const stdinWait = new Int32Array(new SharedArrayBuffer(4));

/**
 * The lines of stdin (without their line breaks), read in 64 KiB chunks: a line longer than
 * STDIN_LINE_LIMIT is a usage error as soon as it is seen, quoting only its start, so a
 * 200 MB line costs no more memory than the limit and is never echoed whole.
 */
export function readStdinLines(fd = 0): string[] {
  const lines: string[] = [];
  const chunk = Buffer.alloc(64 * 1024);
  let partial: Buffer[] = [];
  let partialLen = 0;
  const tooLong = (start: Buffer) => {
    const shown = start
      .subarray(0, 60)
      .toString("utf8")
      .replace(/\uFFFD$/, "");
    return new CliError(
      `stdin line ${lines.length + 1} is longer than ${STDIN_LINE_LIMIT} bytes (it starts ${JSON.stringify(shown)}...): not read`,
      EXIT.USAGE,
    );
  };
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(stdinWait, 0, 0, 5); // a non-blocking pipe or terminal: wait for input
        continue;
      }
      if (code === "EOF") break;
      throw e;
    }
    if (n === 0) break;
    let start = 0;
    for (let i = chunk.indexOf(10, 0); i !== -1 && i < n; i = chunk.indexOf(10, i + 1)) {
      const piece = chunk.subarray(start, i);
      if (partialLen + piece.length > STDIN_LINE_LIMIT) throw tooLong(Buffer.concat([...partial, piece.subarray(0, 64)]));
      lines.push(partialLen ? Buffer.concat([...partial, piece]).toString("utf8") : piece.toString("utf8"));
      partial = [];
      partialLen = 0;
      start = i + 1;
    }
    if (start < n) {
      const rest = Buffer.from(chunk.subarray(start, n));
      partial.push(rest);
      partialLen += rest.length;
      if (partialLen > STDIN_LINE_LIMIT) throw tooLong(Buffer.concat(partial.slice(0, 2)));
    }
  }
  if (partialLen) lines.push(Buffer.concat(partial).toString("utf8"));
  return lines;
}
