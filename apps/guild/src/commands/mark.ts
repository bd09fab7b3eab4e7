import type { CommandBody } from "../command.js";
import { runsMark } from "./runs-mark.js";

/** `guild mark`: `guild runs mark` at the top level, as Guild has it. */
export const mark: CommandBody = {
  ...runsMark,
  examples: ["guild mark 73dbf462 -y", "guild mark --clear -y                   # unmark every marked run"],
};
