import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { AttrDecodeError, decodeAttr, GuildFloat, type AttrValue } from "@guildts/runstore";

/** Guild files (spec §1): `guild.yml` (or a file named `MODELS`, as the runs guide has it). */
export const GUILDFILE_NAMES = ["guild.yml", "MODELS"] as const;

export interface Choice {
  value: AttrValue;
  description: string;
}

export interface FlagDef {
  name: string;
  default: AttrValue;
  type: string | null;
  choices: Choice[] | null;
  required: boolean;
  description: string;
  nullLabel: string | null;
  argName: string | null;
  argSkip: boolean;
  envName: string | null;
}

export interface OpDef {
  name: string;
  model: ModelDef;
  description: string;
  main: string | null;
  exec: string | null;
  flags: FlagDef[];
  flagsDest: string | null;
  outputScalars: unknown;
  sourcecode: unknown;
  labelTemplate: string | null;
  isDefault: boolean;
}

export interface ModelDef {
  name: string;
  description: string;
  isDefault: boolean;
  operations: OpDef[];
  guildfile: Guildfile;
}

export interface Guildfile {
  path: string;
  dir: string;
  models: ModelDef[];
  /** md5 hex of the file bytes: Guild's opref `pkg_version`. */
  md5: string;
}

/** A problem in a guild file: the message names the file, the place and the problem. */
export class GuildfileError extends Error {
  override name = "GuildfileError";
}

export function findGuildfile(dir: string): string | null {
  for (const n of GUILDFILE_NAMES) {
    const p = path.join(dir, n);
    try {
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

type Map = { [k: string]: AttrValue };
const isMap = (v: unknown): v is Map => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GuildFloat);
const str = (v: AttrValue | undefined): string => (v === undefined || v === null ? "" : typeof v === "string" ? v : String(v));
const truthy = (v: AttrValue | undefined) => v === true || v === "yes";

/** Loads and checks a guild file; throws GuildfileError. */
export function loadGuildfile(file: string): Guildfile {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(abs);
  } catch (e) {
    throw new GuildfileError(`cannot read ${abs}: ${(e as Error).message}`);
  }
  let data: AttrValue;
  try {
    data = decodeAttr(bytes.toString("utf8"));
  } catch (e) {
    if (e instanceof AttrDecodeError) throw new GuildfileError(`error in ${abs}: invalid YAML: ${e.message}`);
    throw e;
  }
  const gf: Guildfile = { path: abs, dir: path.dirname(abs), models: [], md5: crypto.createHash("md5").update(bytes).digest("hex") };
  const fail = (where: string, problem: string): never => {
    throw new GuildfileError(`error in ${abs}: ${where}: ${problem}`);
  };
  const items: Map[] = [];
  if (data === null) return gf;
  if (isMap(data)) items.push({ model: "", operations: data });
  else if (Array.isArray(data)) {
    data.forEach((item, i) => {
      if (!isMap(item)) return fail(`item ${i + 1}`, "expected a mapping");
      const types = ["model", "config", "package", "include"].filter((t) => t in item);
      if (types.length > 1) return fail(`item ${i + 1}`, `multiple types (${types.join(", ")})`);
      if (types.length === 0 && !("operations" in item)) return fail(`item ${i + 1}`, "missing required type (one of: config, include, model, package)");
      if (types[0] === "config" || types[0] === "package" || types[0] === "include") return;
      items.push(types.length ? item : { ...item, model: "" });
    });
  } else fail("top level", "invalid guildfile data: expected a mapping or a list");
  const names = new Set<string>();
  for (const item of items) {
    const name = str(item.model);
    const where = name ? `model '${name}'` : "operations";
    if (names.has(name)) fail(where, `duplicate model '${name}'`);
    names.add(name);
    const model: ModelDef = { name, description: str(item.description).trim(), isDefault: truthy(item.default), operations: [], guildfile: gf };
    const ops = item.operations ?? {};
    if (!isMap(ops)) fail(where, "'operations' must be a mapping of operation names to definitions");
    for (const opName of Object.keys(ops as Map).sort()) {
      model.operations.push(parseOp(opName, (ops as Map)[opName]!, model, `${name ? `${where}, ` : ""}operation '${opName}'`, fail));
    }
    gf.models.push(model);
  }
  return gf;
}

function parseOp(name: string, raw: AttrValue, model: ModelDef, where: string, fail: (w: string, p: string) => never): OpDef {
  const def: Map = typeof raw === "string" ? { main: raw } : raw === null ? {} : isMap(raw) ? raw : fail(where, "expected a mapping of operation attributes");
  const flagsRaw = def.flags ?? {};
  if (!isMap(flagsRaw)) fail(where, "'flags' must be a mapping of flag names to definitions");
  const flags = Object.keys(flagsRaw as Map)
    .sort()
    .map((f) => parseFlag(f, (flagsRaw as Map)[f]!, `${where}, flag '${f}'`, fail));
  let main = def.main === undefined || def.main === null ? null : str(def.main);
  const exec = def.exec === undefined || def.exec === null ? null : str(def.exec);
  if (!main && !exec) main = name; // the Python plugin's default: `train: {}` runs module `train`
  return {
    name,
    model,
    description: str(def.description).trim(),
    main: exec ? null : main,
    exec,
    flags,
    flagsDest: def["flags-dest"] === undefined ? null : str(def["flags-dest"]),
    outputScalars: def["output-scalars"],
    sourcecode: def.sourcecode,
    labelTemplate: def.label === undefined || def.label === null ? null : str(def.label),
    isDefault: truthy(def.default),
  };
}

function parseFlag(name: string, raw: AttrValue, where: string, fail: (w: string, p: string) => never): FlagDef {
  const def: Map = isMap(raw) ? raw : { default: raw };
  let choices: Choice[] | null = null;
  if (def.choices !== undefined && def.choices !== null) {
    if (!Array.isArray(def.choices)) fail(where, "invalid flag choice data: expected a list of values or mappings");
    choices = (def.choices as AttrValue[]).map((c) => (isMap(c) ? { value: c.value ?? null, description: str(c.description) } : { value: c, description: "" }));
  }
  const type = def.type === undefined || def.type === null ? null : str(def.type);
  return {
    name,
    default: def.default === undefined ? null : def.default,
    type,
    choices,
    required: truthy(def.required),
    description: str(def.description).trim(),
    nullLabel: def["null-label"] === undefined ? null : str(def["null-label"]),
    argName: def["arg-name"] === undefined ? null : str(def["arg-name"]),
    argSkip: truthy(def["arg-skip"]),
    envName: def["env-name"] === undefined ? null : str(def["env-name"]),
  };
}

/** `model:op`, or `op` for the anonymous model. */
export function opFullname(op: OpDef): string {
  return op.model.name ? `${op.model.name}:${op.name}` : op.name;
}
