import type { CommandBody } from "../command.js";
import { exportCommand } from "../transfer.js";

/** `guild runs export LOCATION [RUN...]`: runs copied (or moved) to a directory or a .zip. */
export const runsExport: CommandBody = {
  ...exportCommand,
  examples: [
    "guild runs export exports 1 -y        # the latest run to ./exports/<id>/",
    "guild runs export runs.zip -C -y      # every completed run, added to runs.zip",
    "guild runs export /mnt/old -o train --move -y",
  ],
};
