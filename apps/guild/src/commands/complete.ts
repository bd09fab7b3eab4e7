import { EXIT } from "@guildts/format";
import type { CommandBody } from "../command.js";
import { completeLines } from "../completion.js";

/** `guild __complete CWORD WORD...`: what the completion scripts ask for (hidden). */
export const complete: CommandBody = {
  rawArgs: true,
  usage: "[zsh|fish] CWORD WORD... | bash LINE [WORDBREAKS]",
  examples: [
    "guild __complete 2 guild runs in",
    "guild __complete zsh 2 guild run tr",
    'guild __complete bash "guild run train optimizer="',
  ],
  async run({ args, commands }) {
    const lines = await completeLines(commands, args);
    if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
    return EXIT.OK;
  },
};
