/**
 * The value model of an attribute file is Python's (@guildts/py): re-exported here because the
 * store's API speaks it.
 */
export { GuildFloat, numericValue, setJsonFloatMarker, type AttrValue } from "@guildts/py";

/** Raised for a file that is not a YAML document we can read. */
export class AttrDecodeError extends Error {
  override name = "AttrDecodeError";
}
