import type { CAC } from "cac";
import { commandCli, optionNames, VERSION, type Call, type CommandDef } from "@guildts/plumbing/cli.js";

/**
 * The porcelain's commands, in git's shape (`git.c`'s commands[]): commands/index.ts is the one
 * table, a row per command (its words, group and summary: all that dispatch, `guild --help` and
 * the unknown-command suggestion read) with a loader; each command's body (its usage, options,
 * examples and handler) is one module under commands/, loaded only when that command runs, asks
 * for its --help, or is completed. So `guild --version` evaluates the table and no command.
 */
export type Group = "main" | "runs" | "plumbing";

/** How `guild --help` titles each group; a group with a `word` is called as `guild WORD COMMAND`. */
export const GROUPS: Record<Group, { title: string; word?: string; summary?: string; unknownHint?: (typed: string) => string }> = {
  main: { title: "Commands" },
  runs: {
    title: "Runs commands (guild runs COMMAND)",
    word: "runs",
    summary: "List and manage runs (guild runs COMMAND, below)",
    // `guild runs LABEL` is not a thing: the guide's form is `guild runs list LABEL`.
    unknownHint: (typed) => `Try 'guild runs list ${typed}' to list runs labelled '${typed}', or 'guild --help'.`,
  },
  plumbing: { title: "Plumbing commands (each also a program: guild-NAME)" },
};

/**
 * Guild 0.9's commands that guildts does not have (yet): `guild NAME` says so instead of
 * suggesting a command that merely looks alike. README lists the same ("Guild 0.9 commands not
 * in guildts"); commands.test.ts checks that none of them is in the table and that README names each.
 */
export const GUILD_ONLY: readonly string[] = [
  "api",
  "archive",
  "download",
  "init",
  "install",
  "merge",
  "models",
  "open",
  "package",
  "packages",
  "publish",
  "search",
  "shell",
  "sync",
  "sys",
  "tensorboard",
  "tensorflow",
  "uninstall",
  "remote start",
  "remote stop",
  "runs archive",
  "runs merge",
  "runs publish",
  "runs pull",
  "runs push",
];

/** A row of the command table: what is known about a command before its module is loaded. */
export interface CommandEntry {
  /** The words that call it: `"compare"`, `"runs list"`. */
  name: string;
  /** Other words that call it: `"runs ls"`, `"ops"`. */
  aliases?: readonly string[];
  group: Group;
  /** One line for `guild --help`. */
  summary: string;
  /** What the group's word alone (or followed by options) runs: `guild runs` is `guild runs list`. */
  groupDefault?: boolean;
  /** Left out of help, completion and suggestions (`__complete`). */
  hidden?: boolean;
  /** Its module (`() => import("./runs-list.js")`): the body, loaded when the command is used. */
  load(): Promise<CommandBody>;
}

/** A command's module: its usage, options, examples and handler (commands/NAME.ts). */
export interface CommandBody extends Omit<CommandDef, "summary" | "run"> {
  /** Its positional arguments are runs: completion offers the runs of its listing (`"deleted"`: of the trash). */
  takesRuns?: boolean | "deleted";
  /** Its first positional argument is a file or directory (`export LOCATION`): completion offers file names. */
  firstArg?: "path";
  /** The values its first positional argument takes, for completion (`guild completion bash`). */
  choices?: readonly string[];
  /** A plumbing program run in-process: its messages, --help and --version are that program's. */
  program?: string;
  /** Its arguments reach the handler unparsed (completion words look like options). */
  rawArgs?: boolean;
  run(call: PorcelainCall): number | Promise<number>;
}

/** A command with its body loaded. */
export type Command = Omit<CommandEntry, "load"> & CommandBody;

const loaded = new Map<CommandEntry, Promise<Command>>();

/** The command of a table row, its module loaded (once). */
export function loadCommand(entry: CommandEntry): Promise<Command> {
  let c = loaded.get(entry);
  if (!c) {
    const { load, ...head } = entry;
    c = load().then((body) => ({ ...body, ...head }));
    loaded.set(entry, c);
  }
  return c;
}

/** What a porcelain handler gets: the parsed call, the table, and a way to run another command line. */
export interface PorcelainCall extends Call {
  commands: readonly CommandEntry[];
  /** Runs `guild WORDS...` in-process (`guild help runs rm` runs `guild runs rm --help`). */
  dispatch(words: string[]): number | Promise<number>;
}

/** Every name a command answers to, the main one first. */
export function callNames(c: Pick<CommandEntry, "name" | "aliases">): string[] {
  return [c.name, ...(c.aliases ?? [])];
}

/** The command the first words of `words` name (the longest match), and how many words that took. */
export function lookup<C extends CommandEntry | Command>(
  commands: readonly C[],
  words: readonly string[],
): { command: C; used: number } | null {
  let best: { command: C; used: number } | null = null;
  for (const command of commands) {
    for (const name of callNames(command)) {
      const parts = name.split(" ");
      if (parts.length > words.length || (best && parts.length <= best.used)) continue;
      if (parts.every((p, i) => p === words[i])) best = { command, used: parts.length };
    }
  }
  return best;
}

/** The commands of a group word (`runs`), if `word` is one. */
export function groupCommands<C extends CommandEntry | Command>(commands: readonly C[], word: string | undefined): C[] {
  return word === undefined ? [] : commands.filter((c) => !c.hidden && c.name.startsWith(`${word} `));
}

/** The words that may come first on a command line (`run`, `runs`, `ops`...), in table order. */
export function firstWords(commands: readonly (CommandEntry | Command)[]): string[] {
  const words = commands.filter((c) => !c.hidden).flatMap((c) => callNames(c).map((n) => n.split(" ")[0]!));
  return [...new Set(words)];
}

/** The second words of a group (`list`, `ls`, `info`...), in table order. */
export function subWords(commands: readonly (CommandEntry | Command)[], word: string): string[] {
  return [
    ...new Set(
      groupCommands(commands, word).flatMap((c) =>
        callNames(c).flatMap((n) => (n.startsWith(`${word} `) ? [n.slice(word.length + 1)] : [])),
      ),
    ),
  ];
}

/** The cac instance a command is parsed with, called as `prog` (plumbing: as its own program). */
export function cliOf(c: Command, prog: string): CAC {
  return c.program ? commandCli(c.program, c, VERSION) : commandCli(prog, c);
}

/** The options a command declares (`-H`, `--home`, ... `--help`), read from its cac definition. */
export function commandOptions(c: Command): string[] {
  return optionNames(cliOf(c, `guild ${c.name}`));
}

/**
 * `guild --help`: the global usage, then each group's commands (name and aliases, summary),
 * aligned in one column across groups.
 */
export function topHelp(commands: readonly (CommandEntry | Command)[]): string {
  const sections = new Map<Group, [string, string][]>([
    ["main", []],
    ["runs", []],
    ["plumbing", []],
  ]);
  for (const c of commands) {
    if (c.hidden) continue;
    const { word, summary } = GROUPS[c.group];
    // A group word appears among the main commands where its first command is.
    if (word && summary && !sections.get("main")!.some(([n]) => n === word)) sections.get("main")!.push([word, summary]);
    const names = callNames(c).filter((n) => !word || n.startsWith(`${word} `));
    sections.get(c.group)!.push([names.map((n) => (word ? n.slice(word.length + 1) : n)).join(", "), c.summary]);
  }
  const width = Math.max(...[...sections.values()].flat().map(([n]) => n.length)) + 2;
  const lists = [...sections]
    .filter(([, rows]) => rows.length)
    .map(([g, rows]) => `${GROUPS[g].title}:\n${rows.map(([n, s]) => `  ${n.padEnd(width)}${s}`).join("\n")}\n`);
  return `Usage: guild [-H PATH] COMMAND [ARGS]...

A fast, scriptable run manager for Guild AI homes.

${lists.join("\n")}
Global options:
  -H, --home PATH  Guild home (default: $GUILD_HOME, a .guild dir above the cwd, or ~/.guild)
  --help           Show this help ('guild COMMAND --help' for a command's)
  --version        Show the version

Any other 'guild NAME' runs an executable 'guild-NAME' found on PATH.
`;
}
