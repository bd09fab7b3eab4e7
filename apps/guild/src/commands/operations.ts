import { EXIT } from "@guildts/format";
import { formatOperations } from "@guildts/guildfile";
import type { CommandBody } from "../command.js";
import { cwdGuildfile } from "../run-cmd.js";

/** `guild operations` / `guild ops`: the operations of the cwd's guild file. */
export const operations: CommandBody = {
  usage: "\n\nList the operations of the model definition in the current directory.",
  examples: ["guild operations", "guild ops | grep train"],
  run() {
    process.stdout.write(formatOperations([cwdGuildfile()]));
    return EXIT.OK;
  },
};
