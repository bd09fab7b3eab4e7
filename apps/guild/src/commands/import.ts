import type { Command } from "../command.js";
import { runsImport } from "./runs-import.js";

/** `guild import`: `guild runs import` at the top level, as Guild has it. */
export const importRunsTop: Command = {
  ...runsImport,
  name: "import",
  group: "main",
  summary: "Import runs (same as `guild runs import`)",
  examples: ["guild import exports -y", "guild import runs.zip 1 -y"],
};
