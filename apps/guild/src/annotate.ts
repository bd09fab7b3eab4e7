import { CliError, EXIT } from "@guildts/format";
import { applyAttrChanges, ATTR_OK, say, type RunOptions } from "@guildts/plumbing";
import type { AttrChange, RunRecord } from "@guildts/runstore";
import type { RunFilter } from "@guildts/select";
import { selectForCommand } from "./select-one.js";

/** Whether any filter option was given (a RUN defaulting to `1` then changes one of the matches). */
export function filterGiven(f: RunFilter): boolean {
  return (
    (f.ops?.length ?? 0) > 0 ||
    (f.labels?.length ?? 0) > 0 ||
    f.unlabeled === true ||
    (f.tags?.length ?? 0) > 0 ||
    f.marked === true ||
    f.unmarked === true ||
    (f.statuses?.length ?? 0) > 0 ||
    (f.notStatuses?.length ?? 0) > 0 ||
    (f.opspecs?.length ?? 0) > 0 ||
    (f.comments?.length ?? 0) > 0 ||
    f.started !== undefined ||
    f.digest !== undefined ||
    f.expr !== undefined ||
    f.batch !== undefined
  );
}

/**
 * The runs a changing command acts on. Without RUN it is `defaultSpec`; when that is `1` and
 * filters were given, stderr says how many runs matched and which one is changed (a filter
 * alone never silently changes 1 of 5 matches).
 */
export function selectForChange(o: RunOptions, args: string[], defaultSpec: "1" | ":"): RunRecord[] {
  if (args.length || defaultSpec !== "1" || !filterGiven(o.filter)) return selectForCommand(o, args, defaultSpec);
  const all = selectForCommand(o, [":"], ":");
  if (all.length > 1)
    process.stderr.write(
      `${all.length} runs match; changing only the latest, ${all[0]!.id.slice(0, 8)} (give RUN to choose: ':' for all ${all.length})\n`,
    );
  return all.slice(0, 1);
}

/**
 * Applies one change to each run through guild-update-attrs' function (in-process): returns how
 * many runs now hold it; each failure is said on stderr with its reason.
 */
export function changeRuns(o: RunOptions, runs: readonly RunRecord[], change: AttrChange, verb: string): { done: number; failed: number } {
  let failed = 0;
  applyAttrChanges(
    o.home.path,
    runs.map((r) => ({ id: r.id, change, deleted: r.deleted })),
    (r) => {
      if (ATTR_OK.has(r.outcome)) return;
      failed++;
      say("guild", `cannot ${verb} run ${r.id}: ${r.reason ?? r.outcome}`);
    },
  );
  return { done: runs.length - failed, failed };
}

/** An option's values: none, one (string) or several (repeated). */
export function optionValues(v: unknown, name: string): string[] {
  if (v === undefined || v === false) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => {
    if (x === true) throw new CliError(`--${name} needs a value`, EXIT.USAGE);
    return String(x);
  });
}

/** Guild's check_incompatible_args: the first given pair is a usage error (Guild's words). */
export function checkIncompatible(opts: Record<string, unknown>, pairs: readonly [string, string][]): void {
  const given = (k: string) => opts[k] !== undefined && opts[k] !== false;
  const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  for (const [a, b] of pairs)
    if (given(a) && given(b)) throw new CliError(`${flag(a)} and ${flag(b)} cannot both be specified`, EXIT.USAGE);
}
