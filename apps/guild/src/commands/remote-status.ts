import { CliError, EXIT } from "@guildts/format";
import { addGuildUnsupported, addHomeOption, homeOption, remoteCliError, remoteOption } from "@guildts/plumbing";
import { runRemote, userHost } from "@guildts/remote";
import type { CommandBody } from "../command.js";

/** `guild remote status R`: whether the remote answers over ssh (`ssh ... true`), as Guild says it. */
export const remoteStatus: CommandBody = {
  usage: "REMOTE [options]\n\nConnect to REMOTE over ssh and run `true` there; exit 0 when it answers.",
  examples: ["guild remote status gpu-box", "guild remote status ssh:alice@10.0.0.5:2222"],
  options: (cli) => addGuildUnsupported(addHomeOption(cli), "-v, --verbose"),
  run({ args, opts }) {
    if (args.length !== 1) throw new CliError("give one REMOTE (see 'guild remotes')", EXIT.USAGE);
    const remote = remoteOption(args[0], homeOption(opts).path);
    let res;
    try {
      res = runRemote(remote, "true");
    } catch (e) {
      throw remoteCliError(e);
    }
    if (res.status !== 0) throw new CliError(`remote ${remote.name} is not available: cannot reach host ${userHost(remote)}`, EXIT.FAULT);
    process.stdout.write(`${remote.name} (${remote.host}) is available\n`);
    return EXIT.OK;
  },
};
