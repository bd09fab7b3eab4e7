export * from "./tfevents.js";
export * from "./output-scalars.js";
