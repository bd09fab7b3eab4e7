import { CliError, EXIT } from "@guildts/format";
import { addRunOptions, lsRuns, runOptions } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";
import { transferCmd } from "../remote.js";

/** `guild push REMOTE [RUN...]`: local runs copied to a remote over rsync, each swapped in whole. */
export const push: CommandBody = {
  takesRuns: true,
  usage:
    "REMOTE [RUN...] [options]\n\nCopy local runs (default: all that match the filters) to REMOTE over ssh and rsync.\n" +
    "Each run is staged on the remote and moved into its runs/ whole; a cut transfer resumes.\n" +
    "A run changed here and there since the last transfer is not overwritten without --force.",
  examples: ["guild push gpu-box 1 -y        # the latest run", "guild push gpu-box -o train -C -y", "guild push ssh:alice@lab:2222 : -y"],
  options: (cli) =>
    addRunOptions(cli)
      .option("-n, --delete", "Delete remote files missing locally")
      .option("--force", "Overwrite a run that changed on both sides since the last transfer")
      .option("-y, --yes", "Do not ask for confirmation"),
  run({ args, opts }) {
    if (args.length === 0) throw new CliError("missing REMOTE (see 'guild remotes')", EXIT.USAGE);
    const o = runOptions(opts);
    const local = lsRuns(o).runs;
    return transferCmd("push", args[0]!, args.slice(1), opts, o, local);
  },
};
