import type { CommandBody } from "../command.js";
import { lifecycle } from "../runs-lifecycle.js";

/** `guild runs delete|rm`: runs to the trash (or, -p, for good). */
export const runsDelete: CommandBody = {
  takesRuns: true,
  examples: [
    "guild runs rm 3            # the third newest run, to the trash",
    "guild runs rm -ET -y       # failed and terminated runs, unattended",
    "guild runs rm -o train --dry-run",
  ],
  ...lifecycle("delete"),
};
