import type { CommandBody } from "../command.js";
import { runCmd, runCmdOptions } from "../run-cmd.js";

/** `guild train [MODEL]`: the runs guide's alias for a model's train operation. */
export const train: CommandBody = {
  usage: "[MODEL] [FLAG=VALUE...] [options]\n\nRun the train operation of a model (default: the default model).",
  examples: ["guild train epochs=3 -y       # the default model's train", "guild train logreg lr=0.01 -y"],
  options: runCmdOptions,
  run: (call) => runCmd(call, "train"),
};
