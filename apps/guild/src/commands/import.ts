import type { CommandBody } from "../command.js";
import { runsImport } from "./runs-import.js";

/** `guild import`: `guild runs import` at the top level, as Guild has it. */
export const importRunsTop: CommandBody = {
  ...runsImport,
  examples: ["guild import exports -y", "guild import runs.zip 1 -y"],
};
