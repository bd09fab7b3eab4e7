import { CliError, EXIT } from "@guildts/format";
import { addGuildShorts } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";
import { runCmd, runCmdOptions } from "../run-cmd.js";

/** `guild run [MODEL:]OPERATION [FLAG=VALUE...]`: start a run of the cwd's guild file. */
export const run: CommandBody = {
  usage: "[MODEL:]OPERATION [FLAG=VALUE...] [options]\n\nStart a run of an operation of the model definition in the current directory.",
  examples: [
    "guild run train epochs=3 optimizer=adam -y",
    "guild run logreg:train lr=[0.1,0.01] --print-cmd",
    "guild run -r gpu-box train epochs=10 -y   # on a remote, output followed here",
  ],
  options: (cli) =>
    addGuildShorts(
      runCmdOptions(cli)
        .option("-r, --remote <name>", "Run the operation on remote NAME: the project is copied there and the run followed here")
        .option("--no-wait", "With --remote: do not follow the remote run's output (it goes on there; also -n)"),
      { "-n": "--no-wait" },
    ),
  async run(call) {
    if (call.opts.remote !== undefined) return (await import("../remote-run.js")).remoteRunCmd(call);
    if (call.opts.wait === false) throw new CliError("--no-wait goes only with --remote", EXIT.USAGE);
    return runCmd(call);
  },
};
