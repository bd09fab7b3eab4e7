export * from "./config.js";
export * from "./ssh.js";
export * from "./runs.js";
export * from "./transfer.js";
export * from "./jobs.js";
