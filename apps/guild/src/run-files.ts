import { CliError, EXIT } from "@guildts/format";
import { readAttr, resolveRunPath, RunPathError, type RunRecord } from "@guildts/runstore";

/** The source code dest of a run (Guild's `run_util.sourcecode_dest`: `op.sourcecode.dest`, else the run dir), checked. */
export function sourcecodeDest(run: RunRecord): string {
  const op = readAttr(run.dir, "op");
  const sc = op && typeof op === "object" && !Array.isArray(op) ? (op as Record<string, unknown>).sourcecode : undefined;
  const dest = sc && typeof sc === "object" && !Array.isArray(sc) ? (sc as Record<string, unknown>).dest : undefined;
  if (typeof dest !== "string" || dest === "") return run.dir;
  return runPath(run, dest);
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
