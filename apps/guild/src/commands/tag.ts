import type { CommandBody } from "../command.js";
import { runsTag } from "./runs-tag.js";

/** `guild tag`: `guild runs tag` at the top level, as Guild has it. */
export const tag: CommandBody = {
  ...runsTag,
  examples: ["guild tag 1 -a best -y", "guild tag -o train : -d draft -y", "guild tag --list-all"],
};
