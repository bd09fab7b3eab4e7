export * from "./filters.js";
export * from "./filter-expr.js";
export * from "./timerange.js";
export * from "./scope.js";
export * from "./sort.js";
export * from "./view.js";
export * from "./selectors.js";
export { showInput } from "@guildts/runstore";
