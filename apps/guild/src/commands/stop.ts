import type { CommandBody } from "../command.js";
import { runsStop } from "./runs-stop.js";

/** `guild stop`: `guild runs stop` at the top level, as Guild has it. */
export const stop: CommandBody = {
  ...runsStop,
  examples: ["guild stop -y               # every running run", "guild stop 1 --timeout 5 --force"],
};
