import type { CommandBody } from "../command.js";
import { lifecycle } from "../runs-lifecycle.js";

/** `guild runs purge`: deleted runs removed for good. */
export const runsPurge: CommandBody = {
  takesRuns: "deleted",
  examples: ["guild runs purge -y        # empty the trash", "guild runs purge -E --dry-run"],
  ...lifecycle("purge"),
};
