import type { Command } from "../command.js";
import { runsTag } from "./runs-tag.js";

/** `guild tag`: `guild runs tag` at the top level, as Guild has it. */
export const tag: Command = {
  ...runsTag,
  name: "tag",
  group: "main",
  summary: "Tag runs (same as `guild runs tag`)",
  examples: ["guild tag 1 -a best -y", "guild tag -o train : -d draft -y", "guild tag --list-all"],
};
