import type { CommandBody } from "../command.js";
import { runsExport } from "./runs-export.js";

/** `guild export`: `guild runs export` at the top level, as Guild has it. */
export const exportRunsTop: CommandBody = {
  ...runsExport,
  examples: ["guild export exports 1 -y", "guild export runs.zip -o train -y"],
};
