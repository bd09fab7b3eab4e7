export * from "./cli.js";
export * from "./ls-runs.js";
export * from "./rev-parse-run.js";
export * from "./lifecycle-cmds.js";
export * from "./fsck-runs.js";
export * from "./suggest.js";
export * from "./filter-run.js";
export * from "./stop-runs.js";
