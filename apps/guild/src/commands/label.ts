import type { CommandBody } from "../command.js";
import { runsLabel } from "./runs-label.js";

/** `guild label`: `guild runs label` at the top level, as Guild has it. */
export const label: CommandBody = {
  ...runsLabel,
  examples: ["guild label 1 'best so far'", "guild label -o train --prepend v2 -y"],
};
