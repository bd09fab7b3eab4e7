import { alignColumns, CliError, EXIT, LineWriter, textFor } from "@guildts/format";
import { addHomeOption, homeOption, remoteCliError } from "@guildts/plumbing";
import { readRemotes, unknownKeys, userConfigPath } from "@guildts/remote";
import type { CommandBody } from "../command.js";

/** `guild remotes`: the remotes of Guild's user config, as Guild's table (name, type, description). */
export const remotes: CommandBody = {
  usage:
    "[options]\n\nShow the remotes defined under `remotes:` in Guild's user config: $GUILD_CONFIG, ./guild-config.yml,\n" +
    "$GUILD_HOME/config.yml or ~/.guild/config.yml (the first that applies).",
  examples: ["guild remotes", "GUILD_CONFIG=./lab.yml guild remotes"],
  options: (cli) => addHomeOption(cli),
  run({ args, opts }) {
    if (args.length) throw new CliError(`unexpected argument '${args[0]}'`, EXIT.USAGE);
    const home = homeOption(opts);
    const file = userConfigPath(home.path);
    let defs;
    try {
      defs = readRemotes(file);
    } catch (e) {
      throw remoteCliError(e);
    }
    for (const d of defs)
      for (const k of unknownKeys(d)) process.stderr.write(`guild: warning: remote ${d.name}: unknown key '${k}' (ignored)\n`);
    const text = textFor(process.stdout);
    const out = new LineWriter();
    for (const line of alignColumns(defs.map((d) => [text(d.name), text(d.type), text(d.description)]))) out.line(line.trimEnd());
    out.flush();
    return EXIT.OK;
  },
};
