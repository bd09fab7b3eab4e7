/**
 * Exit codes, one table for every command (README: "Exit codes").
 * Porcelain keeps Guild's meanings where Guild has one (4: the user declined).
 */
export const EXIT = {
  OK: 0,
  /** Nothing matched, not found, or (bulk plumbing) some item failed. */
  NO_MATCH: 1,
  /** Bad command line: unknown option, malformed selector, bad value. */
  USAGE: 2,
  /** The user answered no at a prompt (porcelain). */
  DECLINED: 4,
  /** A fault of the environment: unreadable store, permission denied, I/O error. */
  FAULT: 5,
} as const;

/** An error meant for the user: printed as `<prog>: <message>` with its exit code. */
export class CliError extends Error {
  override name = "CliError";
  /** The command whose --help a usage error points to (default: the program). */
  command?: string;
  constructor(
    message: string,
    readonly exitCode: number = EXIT.NO_MATCH,
    /** Extra lines printed after the message (hints). */
    readonly hints: string[] = [],
  ) {
    super(message);
  }
}

/**
 * The answer "no" at a prompt, the same everywhere (`runs rm`, `label`, `run`...): exit 4,
 * Guild's ABORTED, and one word on stderr.
 */
export function declined(): CliError {
  return new CliError("", EXIT.DECLINED, ["Cancelled."]);
}
