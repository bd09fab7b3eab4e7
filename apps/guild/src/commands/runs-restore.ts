import type { Command } from "../command.js";
import { lifecycle } from "../runs-lifecycle.js";

/** `guild runs restore`: deleted runs back from the trash. */
export const runsRestore: Command = {
  name: "runs restore",
  group: "runs",
  takesRuns: "deleted",
  summary: "Restore deleted runs from the trash",
  examples: ["guild runs restore 1       # the newest deleted run (see guild runs --deleted)", "guild runs restore -o train -y"],
  ...lifecycle("restore"),
};
