import fs from "node:fs";
import path from "node:path";
import { CliError, EXIT } from "@guildts/format";
import { HomeError, resolveGuildHome, RUN_STATUSES, type GuildHome, type RunStatus } from "@guildts/runstore";
import {
  compileFilter,
  FilterError,
  LOCAL_SCOPE_NOTE,
  MODEL_DEFINITION_NAMES,
  type FilterEnv,
  type RunFilter,
  type Scope,
} from "@guildts/select";
import { say } from "./cli.js";
import { StoreFilterRuns } from "./filter-run.js";

// What a command's options select: the home, the scope and the filter (the command-line framework
// itself, which every start-up loads, is cli.ts; this reads the store and compiles filters).

/** Values that may be given once (string) or repeatedly (array). */
function many(v: unknown): string[] {
  if (v === undefined || v === false) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => {
    if (typeof x !== "string" && typeof x !== "number") throw new CliError(`option needs a value`, EXIT.USAGE);
    return String(x);
  });
}

const STATUS_OPTIONS: [string, RunStatus][] = [
  ["running", "running"],
  ["completed", "completed"],
  ["error", "error"],
  ["terminated", "terminated"],
  ["pending", "pending"],
  ["staged", "staged"],
];

export interface RunOptions {
  home: GuildHome;
  scope: Scope;
  filter: RunFilter;
  deleted: boolean;
  /** -q/--quiet: no scope note on stderr (lsRuns and selectRuns leave it out). */
  quiet?: boolean;
  /** What filters read beyond the records (attrs, scalars): give it to compileFilter/runView. */
  env?: FilterEnv;
}

/** One store-backed filter environment per process and home; its scalar cache is saved at exit. */
const envs = new Map<string, StoreFilterRuns>();
export function storeFilterRuns(home: GuildHome): StoreFilterRuns {
  let s = envs.get(home.path);
  if (!s) {
    s = new StoreFilterRuns(home.exists ? home.path : null, (m) => say("guild", `warning: ${m}`));
    envs.set(home.path, s);
    const store = s;
    process.once("exit", () => store.save());
  }
  return s;
}

/** Whether `dir` holds a model definition (a regular file named guild.yml or MODELS). */
export function hasModelDefinition(dir: string): boolean {
  return MODEL_DEFINITION_NAMES.some((n) => {
    try {
      return fs.statSync(path.join(dir, n)).isFile();
    } catch {
      return false;
    }
  });
}

/** Maps parsed options to home, scope and filter. Throws CliError for bad values. */
export function runOptions(opts: Record<string, unknown>, cwd = process.cwd()): RunOptions {
  let home: GuildHome;
  try {
    home = resolveGuildHome({ option: opts.home === undefined ? undefined : String(opts.home), cwd });
  } catch (e) {
    if (e instanceof HomeError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
  const statuses = STATUS_OPTIONS.filter(([opt]) => opts[opt] === true).map(([, s]) => s);
  const notStatuses = STATUS_OPTIONS.filter(([opt]) => opts[`not${opt[0]!.toUpperCase()}${opt.slice(1)}`] === true).map(([, s]) => s);
  const single = (name: string): string | undefined => {
    const v = opts[name];
    if (v === undefined || v === false) return undefined;
    const all = many(v);
    return all[all.length - 1];
  };
  const scope: Scope = !opts.all && hasModelDefinition(cwd) ? { kind: "local", dir: cwd } : { kind: "global" };
  const filter: RunFilter = {
    ops: many(opts.op),
    labels: many(opts.label),
    unlabeled: opts.unlabeled === true,
    tags: many(opts.tag),
    marked: opts.marked === true,
    unmarked: opts.unmarked === true,
    statuses,
    notStatuses,
    opspecs: many(opts.operation),
    comments: many(opts.comment),
    started: single("started"),
    digest: single("digest"),
    expr: single("filter"),
    ...(opts.batch !== undefined ? { batch: many(opts.batch).at(-1)! } : {}),
  };
  try {
    compileFilter(filter); // reject a filter that cannot work before reading anything
  } catch (e) {
    if (e instanceof FilterError) throw new CliError(e.message, EXIT.USAGE, e.hints);
    throw e;
  }
  const needsStore = filter.expr !== undefined || filter.comments!.length > 0 || filter.digest !== undefined;
  return {
    home,
    scope,
    deleted: opts.deleted === true,
    quiet: opts.quiet === true,
    filter,
    env: needsStore ? storeFilterRuns(home).env() : undefined,
  };
}

/** The home of a command that takes only `-H/--home` (the lifecycle commands, the checker). */
export function homeOption(opts: Record<string, unknown>): GuildHome {
  try {
    return resolveGuildHome({ option: opts.home === undefined ? undefined : String(opts.home) });
  } catch (e) {
    if (e instanceof HomeError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
}

export { LOCAL_SCOPE_NOTE, RUN_STATUSES };
