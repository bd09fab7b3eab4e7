export * from "./json.js";
export * from "./output.js";
export * from "./time.js";
export * from "./exit.js";
export * from "./table.js";
