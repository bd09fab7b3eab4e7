export * from "./run.js";
export * from "./sourcecode.js";
export * from "./timestamp.js";
export * from "./scalars-index.js";
export * from "./batch.js";
