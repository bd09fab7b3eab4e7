import { UPDATE_ATTRS } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";

/** `guild update-attrs`: the plumbing program `guild-update-attrs`, run in-process. */
export const updateAttrs: CommandBody = { ...UPDATE_ATTRS, program: "guild-update-attrs" };
