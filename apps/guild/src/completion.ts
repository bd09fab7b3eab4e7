import { CliError, compareData, EXIT } from "@guildts/format";
import { findGuildfile, formatFlag, loadGuildfile, resolveOperation, type Guildfile, type OpDef } from "@guildts/guildfile";
import { lsRuns, parseArgs, runOptions, storeFilterRuns, type RunOptions } from "@guildts/plumbing";
import type { RunRecord } from "@guildts/runstore";
import {
  cliOf,
  commandOptions,
  firstWords,
  groupCommands,
  loadCommand,
  lookup,
  subWords,
  type Command,
  type CommandEntry,
} from "./command.js";

/**
 * Shell completion. The scripts are thin: they ask `guild __complete SHELL ...` for the
 * candidates, so commands, options, operations, flags and the runs of the current scope come
 * from one place (the command table, the cwd's guild file, the store's listing).
 *
 * What `__complete` prints: a first line saying how the shell goes on (`files`: no candidate
 * here may be a file name, so the shell completes file names when none is given; `nofiles`),
 * then one candidate per line, in the order to show them (list order for runs), as
 * `VALUE<TAB>DESCRIPTION` for zsh and fish and as the part after bash's word breaks for bash.
 */
const SCRIPTS: Record<string, string> = {
  bash: `# guild completion for bash: eval "$(guild completion bash)" (in ~/.bashrc)
_guild_complete() {
  local IFS=$'\\n' out
  out=($(guild __complete bash "\${COMP_LINE:0:COMP_POINT}" "$COMP_WORDBREAKS" 2>/dev/null))
  COMPREPLY=("\${out[@]:1}")
  [[ \${COMPREPLY[0]} == *= ]] && compopt -o nospace
  [[ \${out[0]} == files && \${#COMPREPLY[@]} -eq 0 ]] && compopt -o default
  return 0
}
complete -o nosort -F _guild_complete guild 2>/dev/null || complete -F _guild_complete guild
`,
  zsh: `#compdef guild
# guild completion for zsh: eval "$(guild completion zsh)" (in ~/.zshrc, after compinit)
_guild() {
  local -a out vals shown eq eqshown
  local line
  out=("\${(@f)$(guild __complete zsh $((CURRENT - 1)) "\${words[@]}" 2>/dev/null)}")
  for line in "\${(@)out[2,-1]}"; do
    [[ -z $line ]] && continue
    if [[ \${line%%$'\\t'*} == *= ]]; then
      eq+=("\${line%%$'\\t'*}"); eqshown+=("\${line#*$'\\t'}")
    else
      vals+=("\${line%%$'\\t'*}"); shown+=("\${line#*$'\\t'}")
    fi
  done
  (( \${#eq} )) && compadd -V guild-flags -l -S '' -d eqshown -- "\${eq[@]}"
  (( \${#vals} )) && compadd -V guild -l -d shown -- "\${vals[@]}"
  if (( \${#vals} + \${#eq} == 0 )) && [[ \${out[1]} == files ]]; then _files; fi
}
compdef _guild guild
`,
  fish: `# guild completion for fish: guild completion fish | source (in ~/.config/fish/config.fish)
function __guild_complete
  set -l words (commandline -opc) (commandline -ct)
  set -l out (guild __complete fish (math (count $words) - 1) $words 2>/dev/null)
  if test (count $out) -gt 1
    printf '%s\\n' $out[2..-1]
  else if test "$out[1]" = files
    __fish_complete_path (commandline -ct)
  end
end
complete -c guild -f -k -a '(__guild_complete)'
`,
};

/** The shells completion has a script for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

export function completionScript(shell: string | undefined): string {
  if (!shell || !(shell in SCRIPTS)) {
    throw new CliError(`completion needs a shell: bash, zsh or fish${shell ? ` (not '${shell}')` : ""}`, EXIT.USAGE);
  }
  return SCRIPTS[shell]!;
}

export interface Candidate {
  value: string;
  description?: string;
}

export interface Completions {
  candidates: Candidate[];
  /** A file name may go here: the shell completes file names when there is no candidate. */
  files: boolean;
}

/** At most this many runs are offered (the newest first): enough to choose from, quick on 100k. */
const MAX_RUNS = 100;

/** An option as the command declares it: its spellings and the name of its value, if any. */
interface OptionInfo {
  names: string[];
  /** `run` for `--start <run>`; undefined for a flag. */
  value?: string;
  /** `[file]`: the value may be left out. */
  optional: boolean;
}

function optionInfos(command: Command | null): OptionInfo[] {
  if (!command) return [{ names: ["-H", "--home"], value: "path", optional: false }];
  return cliOf(command, `guild ${command.name}`).globalCommand.options.map((o) => {
    const m = /[<[]([^>\]]+)[>\]]/.exec(o.rawName);
    return {
      names: o.rawName.split(",").map((n) => n.trim().split(/[\s<[]/)[0]!),
      value: m?.[1],
      optional: o.rawName.includes("["),
    };
  });
}

/** Closed sets of option values, by the name the option gives its value (`-o, --optimizer <algorithm>`). */
const OPTION_VALUES: Record<string, readonly string[]> = {
  algorithm: ["+", "random"],
};
/** Option values that name files (the shell completes them). */
const FILE_VALUES = new Set(["path", "file", "dir", "archive", "location", "pidfile"]);

/** What the words before the one being completed say: the command, its positionals, its options. */
interface Scan {
  command: Command | null;
  /** The words of the command line that are neither options nor option values, after the command words. */
  args: string[];
  /** The option words typed (with their values), for the listing's scope and filters. */
  optionWords: string[];
  /** The command is a group's default, reached by the group word alone (`guild runs`). */
  viaGroup: boolean;
  /** The option whose value is being completed (the word before was `--start`). */
  pendingValue?: OptionInfo;
}

/** Loads the module of each command the words name (only those: completion stays quick). */
async function scan(commands: readonly CommandEntry[], before: string[]): Promise<Scan> {
  const words: string[] = [];
  const optionWords: string[] = [];
  let command: Command | null = null;
  let used = 0;
  let pending: OptionInfo | undefined;
  let afterDashes = false;
  for (const w of before) {
    if (pending) {
      optionWords.push(w);
      pending = undefined;
    } else if (!afterDashes && w === "--") {
      afterDashes = true;
    } else if (!afterDashes && w.startsWith("-") && w !== "-") {
      optionWords.push(w);
      const info = optionInfos(command).find((o) => o.names.includes(w.split("=")[0]!));
      if (info?.value && !info.optional && !w.includes("=")) pending = info;
    } else {
      words.push(w);
      if (words.length > 2) continue;
      // The longest command the first words name; `guild runs -E`: the group's default command.
      const found = lookup(commands, words);
      if (found) [command, used] = [await loadCommand(found.command), found.used];
      else if (!command) {
        const groupDefault = groupCommands(commands, words[0]).find((c) => c.groupDefault);
        command = groupDefault ? await loadCommand(groupDefault) : null;
        used = command ? 1 : 0;
      }
    }
  }
  const viaGroup = command !== null && used < command.name.split(" ").length;
  return { command, viaGroup, args: command ? words.slice(used) : words, optionWords, pendingValue: pending };
}

function cwdGuildfile(cwd: string): Guildfile | null {
  try {
    const file = findGuildfile(cwd);
    return file ? loadGuildfile(file) : null;
  } catch {
    return null;
  }
}

/** `train` and `logreg:train`: what `guild run` takes, each with the operation's description. */
function operationCandidates(gf: Guildfile): Candidate[] {
  const bare: Candidate[] = [];
  const qualified: Candidate[] = [];
  for (const model of gf.models) {
    for (const op of model.operations) {
      if (op.name.startsWith("_")) continue;
      const description = op.description.split("\n")[0] ?? "";
      if (model.name) qualified.push({ value: `${model.name}:${op.name}`, description });
      try {
        if (resolveOperation(gf, op.name) === op) bare.push({ value: op.name, description });
      } catch {
        // a bare name that does not resolve to this operation is not offered
      }
    }
  }
  return [...bare, ...qualified];
}

function operationOf(gf: Guildfile, spec: string | null): OpDef | null {
  try {
    return resolveOperation(gf, spec);
  } catch {
    return null;
  }
}

/** `lr=` for each flag not yet given, or after `NAME=` the flag's choices (a boolean: yes, no). */
function flagCandidates(op: OpDef, current: string, given: string[]): Candidate[] {
  const eq = current.indexOf("=");
  if (eq < 0) {
    const done = new Set(given.map((a) => a.split("=")[0]));
    return op.flags
      .filter((f) => !done.has(f.name))
      .map((f) => ({
        value: `${f.name}=`,
        description: [f.description.split("\n")[0], f.default === null ? "" : `(default ${formatFlag(f.default)})`]
          .filter(Boolean)
          .join(" "),
      }));
  }
  const flag = op.flags.find((f) => f.name === current.slice(0, eq));
  if (!flag) return [];
  if (flag.choices) {
    return flag.choices.map((c, i) => ({ value: `${flag.name}=${formatFlag(c)}`, description: flag.choiceDefs[i]?.description ?? "" }));
  }
  return flag.type === "boolean" ? [{ value: `${flag.name}=yes` }, { value: `${flag.name}=no` }] : [];
}

function describeRun(r: RunRecord, index?: number): string {
  return [index === undefined ? "" : `[${index}]`, r.operation, r.status, r.label ?? ""].filter(Boolean).join(" ");
}

/** The scope and filters the typed options give (`-a`, `-E`, `--deleted`...); the defaults if they do not parse. */
function listingOptions(command: Command, optionWords: string[], cwd: string): RunOptions | null {
  const quiet = <T>(body: () => T): T | null => {
    try {
      return body();
    } catch {
      return null;
    }
  };
  const parsed = quiet(() =>
    parseArgs(
      cliOf(command, `guild ${command.name}`),
      optionWords.filter((w) => w !== "--help" && w !== "-h"),
    ),
  );
  const opts: Record<string, unknown> = { ...(parsed?.opts ?? {}) };
  if (command.takesRuns === "deleted") opts.deleted = true;
  return quiet(() => runOptions(opts, cwd)) ?? quiet(() => runOptions({ home: opts.home, deleted: opts.deleted }, cwd));
}

/**
 * Runs of the listing the command would select from (its scope and the filters typed), newest
 * first: indexes when the word is a number, then short ids starting with the word.
 */
function runCandidates(command: Command, optionWords: string[], current: string, cwd: string): Candidate[] {
  const o = listingOptions(command, optionWords, cwd);
  if (!o) return [];
  const out: Candidate[] = [];
  try {
    if (/^[0-9]+$/.test(current)) {
      const { runs } = lsRuns(o, MAX_RUNS);
      runs.forEach((r, i) => {
        if (String(i + 1).startsWith(current)) out.push({ value: String(i + 1), description: `${r.id.slice(0, 8)} ${describeRun(r)}` });
      });
    }
    if (/^[0-9a-f]*$/.test(current)) {
      const { runs } = lsRuns(o, MAX_RUNS, current);
      for (const r of runs) out.push({ value: r.id.slice(0, Math.max(8, current.length)), description: describeRun(r) });
    }
  } catch {
    return out;
  }
  return out.slice(0, MAX_RUNS);
}

/** The tags of the runs in the command's listing, sorted (`-t TAG`, `runs tag -d TAG`). */
function tagCandidates(command: Command, optionWords: string[], cwd: string): Candidate[] {
  const o = listingOptions(command, optionWords, cwd);
  if (!o) return [];
  try {
    const tags = new Set(lsRuns(o).runs.flatMap((r) => r.tags ?? []));
    return [...tags].sort().map((value) => ({ value }));
  } catch {
    return [];
  }
}

/** The operations of the runs in the command's listing, in list order (`-o OP`, `--operation OP`). */
function operationNameCandidates(command: Command, optionWords: string[], cwd: string): Candidate[] {
  const o = listingOptions(command, optionWords, cwd);
  if (!o) return [];
  try {
    const ops = new Set(lsRuns(o, MAX_RUNS).runs.flatMap((r) => (r.operation ? [r.operation] : [])));
    return [...ops].map((value) => ({ value }));
  } catch {
    return [];
  }
}

/** The compare columns of the newest runs of the listing (`--min COL`, `--max COL`): core, flags, scalars. */
function columnCandidates(command: Command, optionWords: string[], cwd: string): Candidate[] {
  const o = listingOptions(command, optionWords, cwd);
  if (!o) return [];
  try {
    const store = storeFilterRuns(o.home);
    const { header } = compareData(lsRuns(o, MAX_RUNS).runs, (r) => store.scalarsOf(r));
    // A column with a space (a prefixed scalar, `train loss`) cannot be offered as one word.
    return header.filter((h) => !/\s/.test(h)).map((value) => ({ value }));
  } catch {
    return [];
  }
}

/** The remotes of Guild's user config (`-r NAME`), with their descriptions; the remote code loads only here. */
async function remoteCandidates(command: Command, optionWords: string[], cwd: string): Promise<Candidate[]> {
  const o = listingOptions(command, optionWords, cwd);
  if (!o) return [];
  try {
    const { readRemotes, userConfigPath } = await import("@guildts/remote");
    return readRemotes(userConfigPath(o.home.path, process.env, cwd)).map((r) => ({
      value: r.name,
      description: r.description || r.type,
    }));
  } catch {
    return [];
  }
}

async function optionValueCandidates(
  command: Command,
  info: OptionInfo,
  optionWords: string[],
  current: string,
  cwd: string,
): Promise<Completions> {
  const value = info.value ?? "";
  if (FILE_VALUES.has(value)) return { candidates: [], files: true };
  if (info.names.includes("--remote")) return { candidates: await remoteCandidates(command, optionWords, cwd), files: false };
  if (info.names.includes("--op") || info.names.includes("--operation"))
    return { candidates: operationNameCandidates(command, optionWords, cwd), files: false };
  if (info.names.includes("--min") || info.names.includes("--max"))
    return { candidates: columnCandidates(command, optionWords, cwd), files: false };
  if (OPTION_VALUES[value]) return { candidates: OPTION_VALUES[value]!.map((v) => ({ value: v })), files: false };
  if (value === "run") return { candidates: runCandidates(command, optionWords, current, cwd), files: false };
  if (value === "tag") return { candidates: tagCandidates(command, optionWords, cwd), files: false };
  return { candidates: [], files: false };
}

/**
 * Candidates for the word at `cword` of `words` (words[0] is `guild`), in the order to show
 * them, each starting with that word. `cwd` gives the guild file and the scope.
 */
export async function complete(
  commands: readonly CommandEntry[],
  cword: number,
  words: string[],
  cwd = process.cwd(),
): Promise<Completions> {
  const current = words[cword] ?? "";
  const visible = commands.filter((c) => !c.hidden);
  const s = await scan(visible, words.slice(1, cword));
  const result = (c: Completions): Completions => ({ files: c.files, candidates: c.candidates.filter((x) => x.value.startsWith(current)) });
  const none: Completions = { candidates: [], files: false };
  const command = s.command;
  if (s.pendingValue)
    // The option word itself (`--op`, its value still to come) is left out of the listing's options.
    return result(
      command
        ? await optionValueCandidates(command, s.pendingValue, s.optionWords.slice(0, -1), current, cwd)
        : { candidates: [], files: true },
    );
  if (!command) {
    if (s.args.length === 0) {
      const globals = current.startsWith("-") ? ["--help", "--version", "-H", "--home"] : [];
      return result({ candidates: [...firstWords(visible), ...globals].map((value) => ({ value })), files: false });
    }
    // A first word that only starts two-word commands (`guild remote st`): their second words.
    if (s.args.length === 1) return result({ candidates: subWords(visible, s.args[0]!).map((value) => ({ value })), files: false });
    return none;
  }
  const typed = s.args;
  if (current.startsWith("-")) {
    const infos = optionInfos(command);
    const eq = current.indexOf("=");
    if (eq > 0 && current.startsWith("--")) {
      // `--optimizer=r`: the option's values, spelled with it.
      const info = infos.find((o) => o.names.includes(current.slice(0, eq)));
      if (!info?.value) return none;
      const values = await optionValueCandidates(command, info, s.optionWords, current.slice(eq + 1), cwd);
      return result({ files: false, candidates: values.candidates.map((c) => ({ ...c, value: `${current.slice(0, eq + 1)}${c.value}` })) });
    }
    return result({ candidates: commandOptions(command).map((value) => ({ value })), files: false });
  }
  // A group word alone (`guild runs in`): the group's commands.
  if (s.viaGroup && typed.length === 0 && s.optionWords.length === 0) {
    return result({ candidates: subWords(visible, command.name.split(" ")[0]!).map((value) => ({ value })), files: false });
  }
  if (command.name === "run" || command.name === "train") {
    const gf = cwdGuildfile(cwd);
    if (!gf) return { candidates: [], files: command.name === "run" };
    if (command.name === "run" && typed.length === 0 && !current.includes("=")) {
      // `guild run train.py` runs a script: file names still complete when no operation matches.
      return result({ candidates: operationCandidates(gf), files: true });
    }
    if (command.name === "train" && typed.length === 0 && !current.includes("=")) {
      const models = gf.models.filter((m) => m.name && m.operations.some((o) => o.name === "train"));
      const op = operationOf(gf, "train");
      return result({
        candidates: [
          ...models.map((m) => ({ value: m.name, description: m.description.split("\n")[0] ?? "" })),
          ...(op ? flagCandidates(op, current, []) : []),
        ],
        files: false,
      });
    }
    const spec = command.name === "run" ? (typed[0] ?? null) : typed[0] ? `${typed[0]}:train` : "train";
    const op = typed[0]?.includes("=") ? operationOf(gf, command.name === "train" ? "train" : null) : operationOf(gf, spec);
    if (!op) return none;
    return result({ candidates: flagCandidates(op, current, typed), files: false });
  }
  if (command.choices) return result({ candidates: typed.length === 0 ? command.choices.map((value) => ({ value })) : [], files: false });
  if (command.firstArg === "path" && typed.length === 0) return { candidates: [], files: true };
  if (command.takesRuns) return result({ candidates: runCandidates(command, s.optionWords, current, cwd), files: false });
  return none;
}

/** Splits a bash command line as far as typed (`COMP_LINE` up to the cursor) into words; the last is the one being completed. */
export function splitLine(line: string): { words: string[]; raw: string } {
  const words: string[] = [];
  let word = "";
  let raw = "";
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      raw += c;
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) word += line[++i]!;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      raw += c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      raw += c + line[i + 1]!;
      word += line[++i]!;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      raw = "";
      inWord = false;
    } else {
      raw += c;
      word += c;
      inWord = true;
    }
  }
  words.push(word);
  return { words, raw };
}

/** `guild __complete ...`: the lines a completion script reads (see the top of this file). */
export async function completeLines(commands: readonly CommandEntry[], args: string[], cwd = process.cwd()): Promise<string[]> {
  const [shell, ...rest] = args;
  if (shell === "bash") {
    const { words, raw } = splitLine(rest[0] ?? "");
    const breaks = rest[1] ?? "\"'><=;|&(:";
    // bash's current word starts after the last word-break character (`=` in lr=, `:` in logreg:).
    let cut = 0;
    for (let i = 0; i < raw.length; i++) if (breaks.includes(raw[i]!)) cut = i + 1;
    const prefix = raw.slice(0, cut);
    const c = await complete(commands, words.length - 1, words, cwd);
    return [
      c.files ? "files" : "nofiles",
      ...c.candidates.map((x) => (x.value.startsWith(prefix) ? x.value.slice(prefix.length) : x.value)),
    ];
  }
  if (shell === "zsh" || shell === "fish") {
    const c = await complete(commands, Number(rest[0]), rest.slice(1), cwd);
    const clean = (s: string) => s.replace(/[\t\n\r]/g, " ");
    // fish shows VALUE<TAB>DESCRIPTION itself; zsh is given the line to show, aligned.
    const width = Math.max(0, ...c.candidates.map((x) => x.value.length));
    const line = (x: Candidate) =>
      !x.description
        ? x.value
        : shell === "fish"
          ? `${x.value}\t${clean(x.description)}`
          : `${x.value}\t${x.value.padEnd(width)}  -- ${clean(x.description)}`;
    return [c.files ? "files" : "nofiles", ...c.candidates.map(line)];
  }
  // `guild __complete CWORD WORD...`: the values only.
  return (await complete(commands, Number(shell), rest, cwd)).candidates.map((x) => x.value);
}
