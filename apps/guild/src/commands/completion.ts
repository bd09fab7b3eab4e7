import { EXIT } from "@guildts/format";
import { addGuildUnsupported } from "@guildts/plumbing";
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
  options: (cli) =>
    addGuildUnsupported(cli, "--shell-init", "-i, --install").option("-s, --shell <shell>", "The shell (Guild's spelling of the argument)"),
  run({ args, opts }) {
    process.stdout.write(completionScript(opts.shell === undefined ? args[0] : String(opts.shell)));
    return EXIT.OK;
  },
};
