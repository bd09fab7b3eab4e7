import { decodeAttr } from "./yaml/decode.js";
import { GuildFloat, numericValue, type AttrValue } from "./yaml/value.js";
import type { ListedAttr, RunFacts } from "./facts.js";
import { describeOperation, OpRefError, parseOpRef, type OpRef } from "./opref.js";
import { parseLockPid, runStatus, type RunStatus } from "./status.js";
import { depsSummary, depsSummaryFast, type DepSummary } from "./deps.js";

/**
 * One run as every command sees it: the `guild-ls-runs --json` record. Fields are only ever
 * added to (the README documents each one).
 */
export interface RunRecord {
  id: string;
  /** Absolute path of the run directory. */
  dir: string;
  /** True for a run in `trash/runs/`. */
  deleted: boolean;
  opref: OpRef | null;
  /** The operation as Guild displays it (`mnist:train`, `pkg/model:op`, `train+`), null without opref. */
  operation: string | null;
  status: RunStatus;
  /** Text of `.guild/LOCK.remote` (the remote's name) or null. */
  remote: string | null;
  /** Pid in `.guild/LOCK`, or null. */
  pid: number | null;
  /** Microseconds since the Unix epoch, or null. */
  initialized: number | null;
  started: number | null;
  stopped: number | null;
  exit_status: number | null;
  label: string | null;
  tags: string[];
  marked: boolean;
  flags: { [name: string]: AttrValue };
  /**
   * The id of the batch run this run is a trial of, or null: the `batch` attr guildts writes, or
   * (for trials Guild wrote, which record no such attr) a batch run in the same listing linking it.
   */
  batch: string | null;
  /** A batch run's prototype (`.guild/proto`): its directory and opref; null for other runs. */
  batch_proto: { dir: string; opref: OpRef | null } | null;
  /**
   * The resolved dependencies (the `deps` attr): resource → upstream run ids and paths; `{}`
   * when none. Set by the local listing (remote records may lack it).
   */
  deps?: Record<string, DepSummary>;
}

/** A batch run's trial links, kept out of the record (listing maps them to the trials' `batch`). */
export const TRIAL_LINKS = Symbol("trialLinks");

export interface RecordWarning {
  id: string;
  message: string;
}

/** What ordering and scope need of a run (a RunRecord, or a LazyRunRecord). */
export type OrderedRun = Pick<RunRecord, "id" | "opref" | "started" | "initialized"> & {
  batch_proto?: { opref: OpRef | null } | null;
};

/** The sort timestamp of a run: `started`, else `initialized` (store spec §2.7). */
export function runTimestamp(r: OrderedRun): number | null {
  return r.started ?? r.initialized;
}

// Runs of one project share a handful of opref texts: parse each text once per process.
const oprefCache = new Map<string, OpRef | null | OpRefError>();
function cachedOpRef(text: string): OpRef | null {
  let v = oprefCache.get(text);
  if (v === undefined) {
    try {
      v = parseOpRef(text);
    } catch (e) {
      v = e as OpRefError;
    }
    oprefCache.set(text, v);
  }
  if (v instanceof OpRefError) throw v;
  return v;
}

/** Builds the record of a run from its facts; unreadable parts become null and a warning. */
export function buildRecord(
  id: string,
  dir: string,
  deleted: boolean,
  facts: RunFacts,
  isAlive?: (pid: number) => boolean,
): { record: RunRecord; warnings: RecordWarning[] } {
  const warnings: RecordWarning[] = (facts.problems ?? []).map((message) => ({ id, message }));
  const attr = (name: ListedAttr): AttrValue | undefined => {
    const text = facts.attrs[name];
    if (text === undefined) return undefined;
    try {
      return decodeAttr(text);
    } catch (e) {
      warnings.push({ id, message: `cannot parse attr '${name}': ${(e as Error).message}` });
      return undefined;
    }
  };
  const int = (name: ListedAttr): number | null => {
    const v = attr(name);
    if (v === undefined || v === null) return null;
    const n = numericValue(v);
    if (n === undefined || v instanceof GuildFloat || !Number.isInteger(n)) {
      const text = facts.attrs[name]?.trim() ?? "";
      // Quoted, and cut: a damaged attr can be megabytes long.
      warnings.push({
        id,
        message: `attr '${name}' is not an integer: ${JSON.stringify(text.length > 80 ? text.slice(0, 80) + "…" : text)}`,
      });
      return null;
    }
    return n;
  };

  let opref: OpRef | null = null;
  let operation: string | null = null;
  let proto: OpRef | null = null;
  try {
    opref = cachedOpRef(facts.opref);
    if (opref === null) warnings.push({ id, message: "empty opref" });
    else {
      if (facts.proto !== null) {
        try {
          proto = cachedOpRef(facts.proto);
        } catch (e) {
          warnings.push({ id, message: `batch proto: ${(e as Error).message}` });
        }
      }
      operation = describeOperation(opref, proto);
    }
  } catch (e) {
    warnings.push({ id, message: (e as Error).message });
  }

  const exitStatus = int("exit_status");
  const pid = parseLockPid(facts.lock);
  const labelValue = attr("label");
  const tagsValue = attr("tags");
  const flagsValue = attr("flags");
  const batchValue = attr("batch");
  const record: RunRecord = {
    id,
    dir,
    deleted,
    opref,
    operation,
    status: runStatus(
      {
        lockRemote: facts.lockRemote !== null,
        pending: facts.pending,
        staged: facts.staged,
        exitStatus,
        lockPid: pid,
      },
      isAlive,
    ),
    remote: facts.lockRemote === null ? null : facts.lockRemote.trim(),
    pid,
    initialized: int("initialized"),
    started: int("started"),
    stopped: int("stopped"),
    exit_status: exitStatus,
    label: labelValue === undefined || labelValue === null ? null : scalarText(labelValue),
    tags: Array.isArray(tagsValue) ? tagsValue.map(scalarText) : [],
    marked: truthy(attr("marked")),
    flags: isMap(flagsValue) ? flagsValue : {},
    batch: typeof batchValue === "string" && /^[0-9a-f]{32}$/.test(batchValue) ? batchValue : null,
    batch_proto: facts.proto === null ? null : { dir: dir + "/.guild/proto", opref: proto },
    // Guild writes `{}` for every run: that common case is not decoded.
    deps:
      facts.attrs.deps === undefined || facts.attrs.deps.trim() === "{}"
        ? {}
        : (depsSummaryFast(facts.attrs.deps) ?? depsSummary(attr("deps"))),
  };
  if (facts.trials?.length) Object.defineProperty(record, TRIAL_LINKS, { value: facts.trials, enumerable: false });
  return { record, warnings };
}

function isMap(v: AttrValue | undefined): v is { [k: string]: AttrValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GuildFloat);
}

/** Python's `bool(value)`. */
function truthy(v: AttrValue | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  if (v instanceof GuildFloat) return v.value !== 0;
  return Boolean(v);
}

/** A label or tag that YAML decoded as a non-string (`label: 123`) is shown as written. */
export function scalarText(v: AttrValue): string {
  if (typeof v === "string") return v;
  if (v === null) return "";
  if (v instanceof GuildFloat) return String(v.value);
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/**
 * A run listed through the order index (order-index.ts): only what order and scope need
 * (`opref`, `started`, `initialized`), current as of the listing. A caller shows a run only
 * after `confirm` turned it into a full record (see listRuns' "order" tier).
 */
export class LazyRunRecord {
  readonly opref: OpRef | null;
  readonly batch_proto: { opref: OpRef | null } | null;
  constructor(
    readonly id: string,
    readonly dir: string,
    readonly deleted: boolean,
    opref: string,
    readonly started: number | null,
    readonly initialized: number | null,
    proto: string | null = null,
    /** The `.guild` stamp the listing took (the filter tier's key: `runStamp`), or null. */
    readonly stamp: number | null = null,
  ) {
    const parse = (text: string): OpRef | null => {
      try {
        return cachedOpRef(text);
      } catch {
        return null; // warned about if the run is shown
      }
    };
    this.opref = parse(opref);
    this.batch_proto = proto === null ? null : { opref: parse(proto) };
  }
}
