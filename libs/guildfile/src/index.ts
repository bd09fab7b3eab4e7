export * from "./guildfile.js";
export * from "./resolve.js";
export * from "./flags.js";
export * from "./help.js";
