import { EXIT } from "@guildts/format";
import type { Command } from "../command.js";
import { completeLines } from "../completion.js";

/** `guild __complete CWORD WORD...`: what the completion scripts ask for (hidden). */
export const complete: Command = {
  name: "__complete",
  group: "main",
  hidden: true,
  rawArgs: true,
  summary: "Completion candidates for the word at CWORD",
  usage: "[zsh|fish] CWORD WORD... | bash LINE [WORDBREAKS]",
  examples: [
    "guild __complete 2 guild runs in",
    "guild __complete zsh 2 guild run tr",
    'guild __complete bash "guild run train optimizer="',
  ],
  run({ args, commands }) {
    const lines = completeLines(commands, args);
    if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
    return EXIT.OK;
  },
};
