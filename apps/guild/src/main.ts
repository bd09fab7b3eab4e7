import fs from "node:fs";
import path from "node:path";
// The start-up imports name the files they need (not the packages' indexes, which reach every
// module): what `guild --version` and dispatch evaluate is this, the command table and cac.
import { CliError, EXIT } from "@guildts/format/exit.js";
import { parseArgs, plumbingMain, runMain, VERSION } from "@guildts/plumbing/cli.js";
import { closest } from "@guildts/plumbing/suggest.js";
import {
  cliOf,
  firstWords,
  GROUPS,
  GUILD_ONLY,
  groupCommands,
  loadCommand,
  lookup,
  subWords,
  topHelp,
  type CommandEntry,
} from "./command.js";
import { COMMANDS } from "./commands/index.js";

/** Splits leading global options off argv: `guild -H PATH runs ...`. */
function globalOptions(argv: string[]): { home?: string; rest: string[]; help: boolean; version: boolean } {
  const out: { home?: string; rest: string[]; help: boolean; version: boolean } = { rest: [], help: false, version: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-H" || a === "--home") {
      if (i + 1 >= argv.length) throw new CliError(`option '${a}' needs a value`, EXIT.USAGE);
      out.home = argv[++i]!;
    } else if (a.startsWith("--home=")) out.home = a.slice(7);
    else if (a === "--help" || a === "-h") out.help = true;
    else if (a === "--version" || a === "-V") out.version = true;
    else if (a.startsWith("-")) throw new CliError(`unknown option '${a}' before the command`, EXIT.USAGE);
    else break;
  }
  out.rest = argv.slice(i);
  return out;
}

/** Finds an executable `guild-NAME` on PATH (never through a shell). */
export function findExtension(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return null;
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, `guild-${name}`);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** Usage errors of a command point to its own --help (`Try 'guild runs rm --help'`). */
function pointHelpTo(prog: string, e: unknown): never {
  if (e instanceof CliError && e.exitCode === EXIT.USAGE && !e.command) e.command = prog;
  throw e;
}

/** Runs one command of the table on its arguments, called as `prog` (its module loaded first). */
async function call(entry: CommandEntry, argv: string[], prog: string): Promise<number> {
  const command = await loadCommand(entry);
  if (command.program) {
    // A plumbing program keeps its own name in its messages, as when run as guild-NAME.
    plumbingMain(command.program, command, argv);
    return Number(process.exitCode ?? 0);
  }
  try {
    const parsed = command.rawArgs ? { args: argv, opts: {} } : parseArgs(cliOf(command, prog), argv);
    if (!parsed) return EXIT.OK; // --help was printed
    return await command.run({ prog, ...parsed, commands: COMMANDS, dispatch });
  } catch (e) {
    pointHelpTo(prog, e);
  }
}

/** `guild WORDS...`: the command the words name, a group's default, an extension, or an error. */
function dispatch(words: string[]): number | Promise<number> {
  const found = lookup(COMMANDS, words);
  if (found) return call(found.command, words.slice(found.used), `guild ${words.slice(0, found.used).join(" ")}`);
  const [word, next] = words as [string, ...string[]];
  const group = groupCommands(COMMANDS, word);
  if (group.length) {
    const dflt = group.find((c) => c.groupDefault);
    if (dflt && (next === undefined || next.startsWith("-"))) return call(dflt, words.slice(1), `guild ${word}`);
    if (GUILD_ONLY.includes(`${word} ${next}`)) throw notYet(`${word} ${next}`);
    const guess = closest(next!, subWords(COMMANDS, word));
    const hint = GROUPS[group[0]!.group].unknownHint;
    // One hint: the closest command, or else what the word may have meant.
    throw new CliError(
      `unknown ${word} command '${next}'${guess ? ` (did you mean 'guild ${word} ${guess}'?)` : ""}`,
      EXIT.USAGE,
      hint && !guess ? [hint(next!)] : [],
    );
  }
  if (GUILD_ONLY.includes(words.slice(0, 2).join(" "))) throw notYet(words.slice(0, 2).join(" "));
  if (GUILD_ONLY.includes(word)) throw notYet(word);
  const ext = findExtension(word);
  if (ext) {
    // node:child_process is loaded only here (not at every start-up).
    const r = process.getBuiltinModule("node:child_process").spawnSync(ext, words.slice(1), { stdio: "inherit" });
    if (r.error) throw new CliError(`cannot run ${ext}: ${r.error.message}`, EXIT.FAULT);
    return r.status ?? 128 + 1;
  }
  // A runs command typed without `runs` (`guild purge`, `guild rm`) means that one, never the
  // plumbing program it looks like (`purge-deleted`) nor a neighbour (`run`).
  const runsWord = GROUPS.runs.word!;
  const guess = subWords(COMMANDS, runsWord).includes(word) ? `${runsWord} ${word}` : closest(word, firstWords(COMMANDS));
  throw new CliError(`'${word}' is not a guild command${guess ? ` (did you mean '${guess}'?)` : ""}`, EXIT.USAGE);
}

/** A Guild 0.9 command guildts does not have: said so, never "did you mean" another one. */
function notYet(name: string): CliError {
  return new CliError(`'guild ${name}' is a Guild 0.9 command that guildts does not have yet`, EXIT.USAGE, [
    "Try 'guild --help' for the commands guildts has (README: Guild 0.9 commands not in guildts).",
  ]);
}

export function main(argv: string[]): void {
  runMain("guild", () => {
    const g = globalOptions(argv);
    if (g.home !== undefined) process.env.GUILD_HOME = g.home; // -H applies to every command
    if (g.rest.length === 0) {
      if (g.version) {
        process.stdout.write(`guild (guildts) ${VERSION}\n`);
        return EXIT.OK;
      }
      process.stdout.write(topHelp(COMMANDS));
      return g.help ? EXIT.OK : EXIT.USAGE;
    }
    return dispatch(g.help ? [...g.rest, "--help"] : g.rest);
  });
}
