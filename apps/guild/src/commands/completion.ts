import { EXIT } from "@guildts/format";
import type { CommandBody } from "../command.js";
import { completionScript, SHELLS } from "../completion.js";

/** `guild completion bash|zsh|fish`: a shell completion script. */
export const completion: CommandBody = {
  choices: SHELLS,
  usage:
    "bash|zsh|fish\n\nPrint a completion script for the shell. The script asks guild for the candidates,\nso it completes every command, option and the run ids of the current store.",
  examples: [
    'eval "$(guild completion bash)"        # in ~/.bashrc',
    'eval "$(guild completion zsh)"         # in ~/.zshrc',
    "guild completion fish | source         # in config.fish",
  ],
  run({ args }) {
    process.stdout.write(completionScript(args[0]));
    return EXIT.OK;
  },
};
