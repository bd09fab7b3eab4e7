import { CliError, EXIT } from "@guildts/format";
import { addRunOptions, runOptions } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";
import { transferCmd } from "../remote.js";

/** `guild pull REMOTE [RUN...]`: remote runs copied here over rsync, each swapped in whole. */
export const pull: CommandBody = {
  usage:
    "REMOTE [RUN...] [options]\n\nCopy runs of REMOTE (default: all that match the filters; RUN indexes refer to\n" +
    "`guild runs -r REMOTE`) here over ssh and rsync. Each run is staged in runs/.guildts-transfer and moved\n" +
    "into runs/ whole; a cut transfer resumes. A run running on the remote shows as running here\n" +
    "(.guild/LOCK.remote) until the next pull.",
  examples: ["guild pull gpu-box -y           # every run of gpu-box", "guild pull gpu-box 1:3 -y", "guild pull gpu-box -o train -C -y"],
  options: (cli) =>
    addRunOptions(cli)
      .option("-d, --delete", "Delete local files missing on remote")
      .option("--force", "Overwrite a run that changed on both sides since the last transfer")
      .option("-y, --yes", "Do not ask for confirmation"),
  run({ args, opts }) {
    if (args.length === 0) throw new CliError("missing REMOTE (see 'guild remotes')", EXIT.USAGE);
    return transferCmd("pull", args[0]!, args.slice(1), opts, runOptions(opts), null);
  },
};
