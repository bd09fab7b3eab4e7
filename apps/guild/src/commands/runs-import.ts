import type { CommandBody } from "../command.js";
import { importCommand } from "../transfer.js";

/** `guild runs import ARCHIVE [RUN...]`: runs copied (or moved) in from a directory or a .zip. */
export const runsImport: CommandBody = {
  ...importCommand,
  examples: [
    "guild runs import exports -y          # every run in ./exports not already in the home",
    "guild runs import runs.zip 1:3 -y     # the three newest runs in runs.zip",
    "guild runs import /mnt/old --move -y",
  ],
};
