export * from "./yaml/value.js";
export { decodeAttr } from "./yaml/decode.js";
export * from "./opref.js";
export * from "./home.js";
export * from "./status.js";
export * from "./facts.js";
export * from "./record.js";
export * from "./run-index.js";
export * from "./list.js";
export * from "./attrs.js";
export * from "./scalars.js";
export * from "./lifecycle.js";
export * from "./atomic.js";
// Python's rules live in @guildts/py; re-exported for the store's users that already speak them.
export { compareCodePoints, encodeAttr, pythonFloatRepr, shlexQuote, shlexSplit } from "@guildts/py";
export * from "./lock.js";
export * from "./creation.js";
export * from "./fsck.js";
export * from "./show.js";
