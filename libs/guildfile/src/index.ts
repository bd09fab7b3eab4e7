export * from "./guildfile.js";
export * from "./resolve.js";
export * from "./values.js";
export * from "./flags.js";
export * from "./help.js";
export { pyRepr, pyStr } from "@guildts/py";
export { HelpFormatter, wrapText, TextWrapper } from "./helpfmt.js";
export * from "./batch.js";
export * from "./deps.js";
