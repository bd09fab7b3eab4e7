import { EXIT } from "@guildts/format";
import type { Command } from "../command.js";
import { complete as candidates } from "../completion.js";

/** `guild __complete CWORD WORD...`: what the completion scripts ask for (hidden). */
export const complete: Command = {
  name: "__complete",
  group: "main",
  hidden: true,
  rawArgs: true,
  summary: "Completion candidates for the word at CWORD",
  usage: "CWORD WORD...",
  examples: ["guild __complete 2 guild runs in"],
  run({ args, commands }) {
    for (const c of candidates(commands, Number(args[0]), args.slice(1))) process.stdout.write(c + "\n");
    return EXIT.OK;
  },
};
