import type { CommandBody } from "../command.js";
import { runsComment } from "./runs-comment.js";

/** `guild comment`: `guild runs comment` at the top level, as Guild has it. */
export const comment: CommandBody = {
  ...runsComment,
  examples: ["guild comment 1 -a 'Best so far.' -y", "guild comment -l :"],
};
