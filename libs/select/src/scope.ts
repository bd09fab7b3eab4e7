import path from "node:path";
import type { OrderedRun } from "@guildts/runstore";

/** Model definition file names that make a directory a project (the runs guide, and Guild). */
export const MODEL_DEFINITION_NAMES = ["guild.yml", "MODELS"] as const;

/**
 * Run scope (the runs guide): global, or local to a project directory holding a model
 * definition. Deciding which applies needs the file system and lives with the caller; this
 * module only applies it.
 */
export type Scope = { kind: "global" } | { kind: "local"; dir: string };

/** The note printed on stderr when a listing is limited to the local scope. */
export const LOCAL_SCOPE_NOTE = "Limiting runs to the current directory (use --all to include all)";

/**
 * A run is in the local scope of `dir` when its opref points at a model definition in `dir`:
 * `guildfile` runs whose package is `dir/guild.yml` or `dir/MODELS` (Guild 0.9), or `dir` itself
 * (pre-0.9 runs stored the project directory).
 */
export function scopePredicate(scope: Scope): (r: OrderedRun) => boolean {
  if (scope.kind === "global") return () => true;
  const dir = path.resolve(scope.dir);
  const accepted = new Set<string>([dir, ...MODEL_DEFINITION_NAMES.map((n) => path.join(dir, n))]);
  // A batch is local when its proto's operation is (the runs guide's scope; Guild takes a batch's
  // directory from its proto too).
  return (r) => {
    const o = r.batch_proto ? r.batch_proto.opref : r.opref;
    return o !== null && o.type === "guildfile" && accepted.has(path.resolve(o.pkg));
  };
}
