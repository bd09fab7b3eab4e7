import { EXIT } from "@guildts/format";
import type { CommandBody } from "../command.js";
import { complete as candidates } from "../completion.js";

/** `guild __complete CWORD WORD...`: what the completion scripts ask for (hidden). */
export const complete: CommandBody = {
  rawArgs: true,
  usage: "CWORD WORD...",
  examples: ["guild __complete 2 guild runs in"],
  async run({ args, commands }) {
    for (const c of await candidates(commands, Number(args[0]), args.slice(1))) process.stdout.write(c + "\n");
    return EXIT.OK;
  },
};
