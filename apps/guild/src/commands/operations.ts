import { EXIT } from "@guildts/format";
import { formatOperations } from "@guildts/guildfile";
import { addGuildUnsupported } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";
import { cwdGuildfile } from "../run-cmd.js";

/** `guild operations [FILTER...]` / `guild ops`: the operations of the cwd's guild file. */
export const operations: CommandBody = {
  usage:
    "[FILTER...] [options]\n\nList the operations of the model definition in the current directory; with FILTERs, only\n" +
    "those whose MODEL:OPERATION or description contains every FILTER (case-insensitive).",
  examples: ["guild operations", "guild ops train -v        # the train operations, with main, flags and details"],
  options: (cli) =>
    addGuildUnsupported(cli, "-i, --installed")
      .option("-a, --all", "Show private operations too (models and operations named _...)")
      .option("-v, --verbose", "Show each operation's main, flags and details"),
  run({ args, opts }) {
    const width = process.stdout.isTTY ? process.stdout.columns || 80 : 80;
    process.stdout.write(
      formatOperations([cwdGuildfile()], { filters: args, all: opts.all === true, verbose: opts.verbose === true, width }),
    );
    return EXIT.OK;
  },
};
