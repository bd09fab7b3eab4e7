import type { CommandBody } from "../command.js";
import { lifecycle } from "../runs-lifecycle.js";

/** `guild runs restore`: deleted runs back from the trash. */
export const runsRestore: CommandBody = {
  takesRuns: "deleted",
  examples: ["guild runs restore 1       # the newest deleted run (see guild runs --deleted)", "guild runs restore -o train -y"],
  ...lifecycle("restore"),
};
