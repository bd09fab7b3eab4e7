import { CliError, EXIT } from "@guildts/format";
import { runSourcecodeDest } from "@guildts/plumbing/diff-runs.js";
import { resolveRunPath, RunPathError, type RunRecord } from "@guildts/runstore";

/** The source code dest of a run (plumbing's `runSourcecodeDest`), errors as one line. */
export function sourcecodeDest(run: RunRecord): string {
  try {
    return runSourcecodeDest(run);
  } catch (e) {
    throw runPathCliError(e, "guild");
  }
}

/** A path in a run (`-p PATH`), through runstore's checks; errors as one line naming PATH. */
export function runPath(run: RunRecord, rel: string, base = run.dir, command = "guild"): string {
  try {
    return resolveRunPath(run.dir, rel, base);
  } catch (e) {
    throw runPathCliError(e, command);
  }
}

export function runPathCliError(e: unknown, command: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  // Any other I/O error (EACCES, ELOOP...): its message, one line, as Guild's cli.error(str(e)).
  if (!(e instanceof RunPathError)) return typeof code === "string" && e instanceof Error ? new CliError(e.message, EXIT.NO_MATCH) : e;
  if (e.code === "ABSOLUTE") return new CliError("PATH must be relative", EXIT.NO_MATCH, [`Try '${command} --help' for more information.`]);
  return new CliError(e.message, EXIT.NO_MATCH);
}
