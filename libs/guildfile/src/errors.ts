/**
 * A flag error with Guild's message (exit status 1). When `plain` is true Guild prints the
 * message to stderr as is, without the `guild: ` prefix (unsupported choice, missing required
 * flags); otherwise it is an ordinary `guild: <message>` error.
 */
export class FlagError extends Error {
  override name = "FlagError";
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly plain = false,
    /** For "did you mean": the name typed and the names it could have been (an unsupported flag). */
    readonly near?: { typed: string; names: readonly string[] },
  ) {
    super(message);
  }
}
