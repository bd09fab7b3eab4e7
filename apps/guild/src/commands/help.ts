import { EXIT } from "@guildts/format";
import { findGuildfile, helpGuildfile } from "@guildts/guildfile";
import { topHelp, type CommandBody } from "../command.js";
import { cwdGuildfile } from "../run-cmd.js";

/** `guild help [COMMAND...]`: a command's --help; alone, the project's models (in one), else guild's help. */
export const help: CommandBody = {
  usage:
    "[COMMAND...]\n\nShow the help of a command (same as 'guild COMMAND --help'). Without COMMAND: in a project,\n" +
    "its models, operations and flags; elsewhere, the list of guild's commands.",
  examples: ["guild help runs rm", "guild help           # in a project: its operations and flags"],
  run({ args, commands, dispatch }) {
    if (args.length) return dispatch([...args, "--help"]);
    // `guild help` in a project: the guide's help for the models defined there.
    process.stdout.write(findGuildfile(process.cwd()) ? helpGuildfile(cwdGuildfile()) : topHelp(commands));
    return EXIT.OK;
  },
};
