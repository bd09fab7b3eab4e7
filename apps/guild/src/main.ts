import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { CliError, EXIT } from "@guildts/format";
import { fsckMain, lifecycleMain, lsRunsMain, revParseRunMain, runMain, VERSION } from "@guildts/plumbing";
import { closest, RUNS_SUBCOMMANDS, TOP_COMMANDS } from "./commands.js";
import { complete, completionScript } from "./completion.js";
import { runsInfo } from "./runs-info.js";
import { runsLabel } from "./runs-label.js";
import { checkCmd } from "./check.js";
import { compareCmd } from "./compare.js";
import { runsLifecycle } from "./runs-delete.js";
import { runsList } from "./runs-list.js";
import { helpCmd, operationsCmd, runCmd } from "./run-cmd.js";
import { findGuildfile } from "@guildts/guildfile";

const HELP = `Usage: guild [-H PATH] COMMAND [ARGS]...

A fast, scriptable run manager for Guild AI homes.

Commands:
${TOP_COMMANDS.map((c) => `  ${c.name.padEnd(15)}${c.summary}`).join("\n")}

Runs commands (guild runs COMMAND):
${RUNS_SUBCOMMANDS.map((c) => `  ${c.name.padEnd(15)}${c.summary}`).join("\n")}

Global options:
  -H, --home PATH  Guild home (default: $GUILD_HOME, a .guild dir above the cwd, or ~/.guild)
  --help           Show this help ('guild COMMAND --help' for a command's)
  --version        Show the version

Any other 'guild NAME' runs an executable 'guild-NAME' found on PATH.
`;

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

/** `as` for commands that finish later (a run). */
async function asAsync(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof CliError && e.exitCode === EXIT.USAGE && !e.command) e.command = command;
    throw e;
  }
}

/** Runs a subcommand so that its usage errors point to its own --help. */
function as(command: string, body: () => number): number {
  try {
    return body();
  } catch (e) {
    if (e instanceof CliError && e.exitCode === EXIT.USAGE && !e.command) e.command = command;
    throw e;
  }
}

function runsCommand(args: string[]): number {
  const [sub, ...rest] = args;
  switch (sub) {
    case undefined:
      return as("guild runs", () => runsList([], "guild runs"));
    case "list":
    case "ls":
      return as("guild runs list", () => runsList(rest));
    case "info":
      return as("guild runs info", () => runsInfo(rest));
    case "label":
      return as("guild runs label", () => runsLabel(rest));
    case "delete":
    case "rm":
      return as(`guild runs ${sub}`, () => runsLifecycle("delete", rest, `guild runs ${sub}`));
    case "restore":
      return as("guild runs restore", () => runsLifecycle("restore", rest, "guild runs restore"));
    case "purge":
      return as("guild runs purge", () => runsLifecycle("purge", rest, "guild runs purge"));
    default:
      if (sub.startsWith("-")) return as("guild runs", () => runsList(args, "guild runs"));
      {
        const guess = closest(
          sub,
          RUNS_SUBCOMMANDS.map((s) => s.name),
        );
        // `guild runs LABEL` is not a thing: the guide's form is `guild runs list LABEL`.
        throw new CliError(`unknown runs command '${sub}'${guess ? ` (did you mean 'guild runs ${guess}'?)` : ""}`, EXIT.USAGE, [
          `Try 'guild runs list ${sub}' to list runs labelled '${sub}', or 'guild --help'.`,
        ]);
      }
  }
}

export function main(argv: string[]): void {
  let exitViaChild: number | null = null;
  runMain("guild", () => {
    const g = globalOptions(argv);
    if (g.home !== undefined) process.env.GUILD_HOME = g.home; // -H applies to every command
    const [cmd, ...args] = g.rest;
    if (g.version && cmd === undefined) {
      process.stdout.write(`guild (guildts) ${VERSION}\n`);
      return EXIT.OK;
    }
    if (cmd === undefined || (g.help && cmd === undefined) || cmd === "help") {
      if (cmd === "help" && args.length) return main2([...args, "--help"]);
      // `guild help` in a project: the guide's help for the models defined there.
      if (cmd === "help" && findGuildfile(process.cwd())) return helpCmd();
      process.stdout.write(HELP);
      return cmd === undefined && !g.help ? EXIT.USAGE : EXIT.OK;
    }
    return main2(g.help ? [cmd, ...args, "--help"] : [cmd, ...args]);
  });

  function main2(words: string[]): number | Promise<number> {
    const [cmd, ...args] = words as [string, ...string[]];
    switch (cmd) {
      case "runs":
        return runsCommand(args);
      case "label":
        return as("guild label", () => runsLabel(args, "guild label"));
      case "run":
        return asAsync("guild run", () => runCmd(args, "guild run"));
      case "train":
        return asAsync("guild train", () => runCmd(args, "guild train", "train"));
      case "operations":
      case "ops":
        return as(`guild ${cmd}`, () => operationsCmd(args, `guild ${cmd}`));
      case "compare":
        return asAsync("guild compare", async () => compareCmd(args));
      case "completion":
        if (args.includes("--help")) {
          process.stdout.write(
            'Usage: guild completion bash|zsh|fish\n\nPrint a completion script. bash: eval "$(guild completion bash)"\n',
          );
          return EXIT.OK;
        }
        process.stdout.write(completionScript(args[0]));
        return EXIT.OK;
      case "__complete": {
        const cword = Number(args[0]);
        for (const c of complete(cword, args.slice(1))) process.stdout.write(c + "\n");
        return EXIT.OK;
      }
      case "check":
        return as("guild check", () => checkCmd(args));
      case "fsck-runs":
        fsckMain(args);
        return Number(process.exitCode ?? 0);
      case "ls-runs":
        lsRunsMain(args);
        return Number(process.exitCode ?? 0);
      case "rev-parse-run":
        revParseRunMain(args);
        return Number(process.exitCode ?? 0);
      case "mark-deleted":
      case "restore-deleted":
      case "purge-deleted":
        lifecycleMain(`guild-${cmd}`, args);
        return Number(process.exitCode ?? 0);
      default: {
        const ext = findExtension(cmd);
        if (ext) {
          const r = spawnSync(ext, args, { stdio: "inherit" });
          if (r.error) throw new CliError(`cannot run ${ext}: ${r.error.message}`, EXIT.FAULT);
          exitViaChild = r.status ?? 128 + 1;
          return exitViaChild;
        }
        const guess = closest(
          cmd,
          TOP_COMMANDS.map((c) => c.name),
        );
        throw new CliError(`'${cmd}' is not a guild command${guess ? ` (did you mean '${guess}'?)` : ""}`, EXIT.USAGE);
      }
    }
  }
}
