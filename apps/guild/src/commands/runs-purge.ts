import type { Command } from "../command.js";
import { lifecycle } from "../runs-lifecycle.js";

/** `guild runs purge`: deleted runs removed for good. */
export const runsPurge: Command = {
  name: "runs purge",
  group: "runs",
  takesRuns: "deleted",
  summary: "Permanently delete deleted runs",
  examples: ["guild runs purge -y        # empty the trash", "guild runs purge -E --dry-run"],
  ...lifecycle("purge"),
};
