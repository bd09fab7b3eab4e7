import type { RunDetails } from "@guildts/format";
import { say } from "@guildts/plumbing";
import { GuildFloat, readAttr, readScalars, type AttrValue, type RunRecord } from "@guildts/runstore";

function str(v: unknown): string | null {
  return typeof v === "string" ? v : v === undefined || v === null ? null : String(v);
}

function protoFlags(dir: string): Record<string, AttrValue> {
  const v = readAttr(dir, "flags");
  return v && typeof v === "object" && !Array.isArray(v) && !(v instanceof GuildFloat) ? (v as Record<string, AttrValue>) : {};
}

/** What `runs info` reads beyond the listing record (attrs, scalars of event files). */
export function runDetails(r: RunRecord): RunDetails {
  const cmd = readAttr(r.dir, "cmd");
  return {
    cmd: Array.isArray(cmd) ? cmd.map((x) => String(x)) : null,
    sourcecode_digest: str(readAttr(r.dir, "sourcecode_digest")),
    vcs_commit: str(readAttr(r.dir, "vcs_commit")),
    scalars: readScalars(r.dir, (file, e) => say("guild", `warning: run ${r.id}: cannot read ${file}: ${e.message}`), {
      trialLinks: r.batch_proto !== null,
    }),
    protoFlags: r.batch_proto ? protoFlags(r.batch_proto.dir) : null,
  };
}
