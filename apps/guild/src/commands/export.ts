import type { Command } from "../command.js";
import { runsExport } from "./runs-export.js";

/** `guild export`: `guild runs export` at the top level, as Guild has it. */
export const exportRunsTop: Command = {
  ...runsExport,
  name: "export",
  group: "main",
  summary: "Export runs (same as `guild runs export`)",
  examples: ["guild export exports 1 -y", "guild export runs.zip -o train -y"],
};
