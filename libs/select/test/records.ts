import type { RunRecord, RunStatus } from "@guildts/runstore";

/** A plain run record for pure tests (no file system). */
export function rec(id: string, o: Partial<RunRecord> & { started?: number | null; status?: RunStatus } = {}): RunRecord {
  return {
    id,
    dir: `/h/runs/${id}`,
    deleted: false,
    opref: { type: "guildfile", pkg: "/p/guild.yml", version: "v", model: "m", op: "train" },
    operation: "m:train",
    status: "completed",
    remote: null,
    pid: null,
    initialized: null,
    started: null,
    stopped: null,
    exit_status: 0,
    label: null,
    tags: [],
    marked: false,
    flags: {},
    batch: null,
    batch_proto: null,
    ...o,
  };
}
