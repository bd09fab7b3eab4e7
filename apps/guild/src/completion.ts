import { CliError, EXIT } from "@guildts/format";
import { resolveGuildHome, runRootEntries, runsRoot } from "@guildts/runstore";
import { commandOptions, firstWords, groupCommands, loadCommand, lookup, subWords, type CommandEntry } from "./command.js";

/**
 * Shell completion. The scripts are thin: they ask `guild __complete CWORD WORD...` for the
 * candidates, so commands, options and the run ids of the current store come from one place.
 */
const SCRIPTS: Record<string, string> = {
  bash: `# guild completion for bash: eval "$(guild completion bash)"
_guild_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(guild __complete "$COMP_CWORD" "\${COMP_WORDS[@]}" 2>/dev/null))
}
complete -o default -F _guild_complete guild
`,
  zsh: `#compdef guild
# guild completion for zsh: eval "$(guild completion zsh)"
_guild() {
  local -a candidates
  candidates=("\${(@f)$(guild __complete $((CURRENT - 1)) "\${words[@]}" 2>/dev/null)}")
  compadd -- $candidates
}
compdef _guild guild
`,
  fish: `# guild completion for fish: guild completion fish | source
function __guild_complete
  set -l words (commandline -opc) (commandline -ct)
  guild __complete (math (count $words) - 1) $words 2>/dev/null
end
complete -c guild -f -a '(__guild_complete)'
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

/** Short ids of the store's runs starting with `prefix` (directory names only: fast on 100k runs). */
function runIds(prefix: string, home: string | undefined): string[] {
  try {
    const h = resolveGuildHome({ option: home });
    if (!h.exists) return [];
    const names = runRootEntries(runsRoot(h.path)).filter((n) => n.startsWith(prefix));
    return names.length > 200
      ? [...new Set(names.map((n) => n.slice(0, prefix.length + 1)))]
      : names.map((n) => n.slice(0, Math.max(8, prefix.length)));
  } catch {
    return [];
  }
}

/**
 * Candidates for the word at `cword` of `words` (words[0] is `guild`), from the command table
 * (and the module of the one command being completed, for its options and arguments).
 */
export async function complete(commands: readonly CommandEntry[], cword: number, words: string[]): Promise<string[]> {
  const current = words[cword] ?? "";
  const before = words.slice(1, cword);
  const homeAt = before.findIndex((w) => w === "-H" || w === "--home");
  const home = homeAt >= 0 ? before[homeAt + 1] : undefined;
  const positional = before.filter((w, i) => !w.startsWith("-") && before[i - 1] !== "-H" && before[i - 1] !== "--home");
  const match = (xs: string[]) => xs.filter((x) => x.startsWith(current));
  const visible = commands.filter((c) => !c.hidden);
  if (positional.length === 0) return match([...firstWords(visible), "--help", "--version", "-H", "--home"]);
  const found = lookup(visible, positional);
  let entry = found?.command;
  let argsBefore = found ? positional.length - found.used : 0;
  if (!found) {
    // A group word: its commands, or (`guild runs -E ...`) the options of its default command.
    const group = groupCommands(visible, positional[0]);
    if (group.length === 0) return [];
    if (positional.length === 1 && !current.startsWith("-")) return match(subWords(visible, positional[0]!));
    entry = group.find((c) => c.groupDefault);
    argsBefore = positional.length - 1;
  }
  if (!entry) return [];
  const command = await loadCommand(entry);
  if (current.startsWith("-")) return match(commandOptions(command));
  if (command.choices) return argsBefore === 0 ? match([...command.choices]) : [];
  return command.takesRuns ? runIds(current, home) : [];
}
