import { EXIT } from "@guildts/format";
import { formatOperations } from "@guildts/guildfile";
import type { Command } from "../command.js";
import { cwdGuildfile } from "../run-cmd.js";

/** `guild operations` / `guild ops`: the operations of the cwd's guild file. */
export const operations: Command = {
  name: "operations",
  aliases: ["ops"],
  group: "main",
  summary: "List the operations of the guild file in the cwd",
  usage: "\n\nList the operations of the model definition in the current directory.",
  examples: ["guild operations", "guild ops | grep train"],
  run() {
    process.stdout.write(formatOperations([cwdGuildfile()]));
    return EXIT.OK;
  },
};
