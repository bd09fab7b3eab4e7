export * from "./run.js";
export * from "./sourcecode.js";
export * from "./timestamp.js";
export * from "./scalars-index.js";
export * from "./stop.js";
export * from "./watch.js";
export * from "./background.js";
export * from "./batch.js";
