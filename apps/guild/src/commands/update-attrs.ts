import { UPDATE_ATTRS } from "@guildts/plumbing";
import type { Command } from "../command.js";

/** `guild update-attrs`: the plumbing program `guild-update-attrs`, run in-process. */
export const updateAttrs: Command = { ...UPDATE_ATTRS, name: "update-attrs", group: "plumbing", program: "guild-update-attrs" };
