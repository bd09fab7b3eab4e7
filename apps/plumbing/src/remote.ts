import { CliError, EXIT } from "@guildts/format";
import { RemoteError, resolveRemote, type SshRemote, userConfigPath } from "@guildts/remote";
import { resolveSelectors, SelectorError, parseSelector } from "@guildts/select";
import type { RunRecord } from "@guildts/runstore";
import { selectorCliError } from "./rev-parse-run.js";

/** A RemoteError as the commands report it: a config mistake is usage (2), the rest a fault (5). */
export function remoteCliError(e: unknown): unknown {
  if (e instanceof RemoteError) return new CliError(e.message, e.kind === "config" ? EXIT.USAGE : EXIT.FAULT);
  return e;
}

/** The remote `-r/--remote NAME` names, from Guild's user config for `home` (or an inline `ssh:HOST`). */
export function remoteOption(name: unknown, home: string): SshRemote {
  if (typeof name !== "string" || name === "") throw new CliError("option '-r/--remote' needs a remote name", EXIT.USAGE);
  try {
    return resolveRemote(name, userConfigPath(home));
  } catch (e) {
    throw remoteCliError(e);
  }
}

/** Runs of a remote's listing selected by what was typed (indexes, ranges, id prefixes), default `def`. */
export function selectRemoteRuns(list: readonly RunRecord[], specs: readonly string[], def: string): RunRecord[] {
  try {
    return resolveSelectors(list, (specs.length ? specs : [def]).map(parseSelector));
  } catch (e) {
    if (e instanceof SelectorError) throw selectorCliError(e);
    throw e;
  }
}
