import type { CommandBody } from "../command.js";
import { runCmd, runCmdOptions } from "../run-cmd.js";

/** `guild run [MODEL:]OPERATION [FLAG=VALUE...]`: start a run of the cwd's guild file. */
export const run: CommandBody = {
  usage: "[MODEL:]OPERATION [FLAG=VALUE...] [options]\n\nStart a run of an operation of the model definition in the current directory.",
  examples: [
    "guild run train epochs=3 optimizer=adam -y",
    "guild run logreg:train lr=[0.1,0.01] --print-cmd",
    "guild run train --stage -y && guild run --start 1 -y",
  ],
  options: runCmdOptions,
  run: (call) => runCmd(call),
};
