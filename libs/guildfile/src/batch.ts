/**
 * Batches as data (batch spec §1.2, §1.3, §1.5): when flag values make a batch, the search-space
 * functions (`uniform[a:b]`, `loguniform[a:b]`, `[a:b]`), the grid's cartesian product, random
 * trials, `-m` sampling and `@FILE` batch files. Pure apart from reading batch files; seeded
 * randomness (pure-rand's xoroshiro128+), so a `random_seed` gives the same trials again.
 */
import fs from "node:fs";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";
import { decodeAttr, type AttrValue } from "@guildts/runstore";
import { FlagError } from "./errors.js";
import { asFloat, compareCodePoints as compareStr, encodeFlagVal, isFloat, isInt, isMap, numeric, pyRepr, pyStr } from "@guildts/py";
import { decodeFlagFunction, decodeFlagValue, isFlagFunction } from "./values.js";

export type Flags = Record<string, AttrValue>;

/** The optimizers guildts runs natively: Guild's grid (`+`) and `random`. */
export type Optimizer = "+" | "random";

/** `-o NAME`: `+` (the grid) or `random` (also `skopt:random`); Guild's skopt optimizers are refused by name. */
export function parseOptimizer(name: string): Optimizer {
  if (name === "+") return "+";
  if (name === "random" || name === "skopt:random") return "random";
  if (["gp", "skopt:gp", "bayesian", "gaussian", "forest", "skopt:forest", "gbrt", "skopt:gbrt"].includes(name))
    throw new FlagError(`optimizer '${name}' needs scikit-optimize, which guildts does not run: use -o random or a grid (+)`);
  throw new FlagError(`cannot find optimizer '${name}' (guildts runs '+' and 'random')`);
}

/**
 * How the final flag values make a batch (`_try_implied_batch_op_init`): any flag function makes
 * a random search, else any list a grid, else none.
 */
export function impliedOptimizer(flags: Flags): Optimizer | null {
  const vals = Object.values(flags);
  if (vals.some((v) => isFlagFunction(v))) return "random";
  if (vals.some((v) => Array.isArray(v))) return "+";
  return null;
}

/** A search dimension (`skopt_util.function_dim`). */
export type Dimension =
  | { kind: "int"; low: number; high: number; initial: AttrValue | null }
  | { kind: "real"; low: number; high: number; log: boolean; initial: AttrValue | null }
  | { kind: "choice"; values: AttrValue[] };

function argsTuple(args: AttrValue[]): string {
  return args.length === 1 ? `(${pyRepr(args[0])},)` : `(${args.map(pyRepr).join(", ")})`;
}

/**
 * The dimension of a flag-function value, or throws FlagError with Guild's messages:
 * `unknown function 'NAME' used for flag F`, `NAME requires 2 or 3 args, got (…) for flag F`,
 * `invalid function args in 'F=NAME[a:b]': …`.
 */
export function functionDim(flag: string, value: string): Dimension {
  const decoded = decodeFlagFunction(value);
  if (!decoded) throw new FlagError(`invalid flag function ${value} for flag ${flag}`);
  const [rawName, args] = decoded;
  const name = rawName ?? "uniform";
  if (name !== "uniform" && name !== "loguniform") throw new FlagError(`unknown function '${name}' used for flag ${flag}`);
  if (args.length !== 2 && args.length !== 3) throw new FlagError(`${name} requires 2 or 3 args, got ${argsTuple(args)} for flag ${flag}`);
  const bad = (msg: string) => new FlagError(`invalid function args in '${flag}=${name}[${args.map((a) => pyStr(a)).join(":")}]': ${msg}`);
  const [a, b] = args as [AttrValue, AttrValue];
  const low = numeric(a);
  const high = numeric(b);
  if (low === null || high === null || typeof a === "boolean" || typeof b === "boolean") throw bad("the bounds must be numbers");
  if (!(low < high)) throw bad(`the lower bound ${pyStr(a)} has to be less than the upper bound ${pyStr(b)}`);
  const initial = args.length === 3 ? args[2]! : null;
  if (name === "loguniform") {
    if (low <= 0) throw bad(`the lower bound ${pyStr(a)} must be greater than 0 for a log-uniform prior`);
    return { kind: "real", low, high, log: true, initial };
  }
  if (isInt(a) && isInt(b)) return { kind: "int", low, high, initial };
  return { kind: "real", low, high, log: false, initial };
}

/** A seeded generator; `seed` is Guild's `random_seed` (an int in [0, 2^32]). */
export function seededRandom(seed: number): JumpableRandomGenerator {
  return xoroshiro128plus(seed | 0);
}

/** Guild's `random_seed` for a new batch: `random.randint(0, 2**32)`. */
export function newRandomSeed(): number {
  return Math.floor(Math.random() * (2 ** 32 + 1));
}

function sampleDim(dim: Dimension, rng: JumpableRandomGenerator): AttrValue {
  switch (dim.kind) {
    case "choice":
      return dim.values[uniformInt(rng, 0, dim.values.length - 1)]!;
    case "int":
      return uniformInt(rng, dim.low, dim.high);
    case "real": {
      const u = uniformFloat64(rng);
      const x = dim.log ? Math.exp(Math.log(dim.low) + u * (Math.log(dim.high) - Math.log(dim.low))) : dim.low + u * (dim.high - dim.low);
      return asFloat(Math.min(Math.max(x, dim.low), dim.high));
    }
  }
}

/**
 * Checks every flag function in `flags` (lists' items included), throwing FlagError as Guild's
 * optimizer would. Done before anything is created.
 */
export function checkFunctions(flags: Flags): void {
  for (const [name, v] of Object.entries(flags)) {
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === "string" && isFlagFunction(x)) functionDim(name, x);
  }
}

/** Flags sorted by name, as Guild builds its axes and spaces. */
function sortedNames(flags: Flags): string[] {
  return Object.keys(flags).sort(compareStr);
}

/** How many trials the grid of `flags` holds (the product of list lengths; no list counts 1). */
export function gridSize(flags: Flags): number {
  let n = 1;
  for (const v of Object.values(flags)) n *= Array.isArray(v) ? v.length : 1;
  return n;
}

/** The grid combination at `index` (itertools.product order: the last sorted name varies fastest). */
function gridAt(flags: Flags, names: string[], index: number): Flags {
  const t: Flags = {};
  for (let k = names.length - 1; k >= 0; k--) {
    const v = flags[names[k]!]!;
    const axis = Array.isArray(v) ? v : [v];
    t[names[k]!] = axis[index % axis.length]!;
    index = Math.floor(index / axis.length);
  }
  return Object.fromEntries(names.map((n) => [n, t[n]!]));
}

/** Flag functions inside grid trials, each sampled once per trial, its INITIAL used first. */
function applyFunctions(trials: Flags[], seed: number): Flags[] {
  const rng = seededRandom(seed);
  const fns = new Map<string, { dim: Dimension; initialUsed: boolean }>();
  for (const t of trials) {
    for (const name of Object.keys(t)) {
      const x = t[name]!;
      if (typeof x !== "string" || !isFlagFunction(x)) continue;
      const key = `${name}\0${x}`;
      let f = fns.get(key);
      if (!f) fns.set(key, (f = { dim: functionDim(name, x), initialUsed: false }));
      if (f.dim.kind !== "choice" && f.dim.initial !== null && !f.initialUsed) {
        f.initialUsed = true;
        t[name] = f.dim.initial;
      } else t[name] = sampleDim(f.dim, rng);
    }
  }
  return trials;
}

/**
 * The grid (`batch_util.expand_flags`): the cartesian product over the flags sorted by name, each
 * list in its given order; a flag function inside the grid is sampled once per trial (its
 * INITIAL used first). Beyond Guild (#199) this is also how lists and functions mix.
 */
export function expandGrid(flags: Flags, seed: number): Flags[] {
  const names = sortedNames(flags);
  const size = gridSize(flags);
  const trials: Flags[] = [];
  for (let i = 0; i < size; i++) trials.push(gridAt(flags, names, i));
  return applyFunctions(trials, seed);
}

/**
 * Random search (`skopt_util.random_trials_for_flags`): `count` trials, each flag function and
 * each list (a categorical) sampled, the first trial taking INITIAL values; other values copied.
 * Throws FlagError when there is no dimension at all.
 */
export function randomTrials(flags: Flags, count: number, seed: number): Flags[] {
  const names = sortedNames(flags);
  const dims = new Map<string, Dimension>();
  for (const name of names) {
    const v = flags[name]!;
    if (Array.isArray(v)) dims.set(name, { kind: "choice", values: v });
    else if (typeof v === "string" && isFlagFunction(v)) dims.set(name, functionDim(name, v));
  }
  if (!dims.size) {
    const desc = names.map((n) => `${n}=${encodeFlagVal(flags[n]!)}`).join(", ");
    throw new FlagError(
      `flags for batch (${desc}) do not contain any search dimensions\nTry specifying a range for one or more flags as NAME=[MIN:MAX].`,
    );
  }
  const rng = seededRandom(seed);
  const out: Flags[] = [];
  for (let i = 0; i < count; i++) {
    const t: Flags = {};
    for (const name of names) {
      const d = dims.get(name);
      if (!d) t[name] = flags[name]!;
      else if (i === 0 && d.kind !== "choice" && d.initial !== null) t[name] = d.initial;
      else t[name] = sampleDim(d, rng);
    }
    out.push(t);
  }
  return out;
}

/**
 * `-m N` on a grid (`batch_util.sample_trials`): N distinct indexes of `size` chosen at random
 * (seeded), in ascending order; all of them when N is not smaller. Never lists the whole grid.
 */
export function sampleIndexes(size: number, max: number, seed: number): number[] {
  if (max >= size) return Array.from({ length: size }, (_x, i) => i);
  const rng = seededRandom(seed);
  const picked = new Set<number>();
  while (picked.size < max) picked.add(Math.floor(uniformFloat64(rng) * size));
  return [...picked].sort((a, b) => a - b);
}

/** Beyond Guild: a grid of more trials than this is refused unless `-m` is given. */
export const MAX_TRIALS_DEFAULT_BOUND = 10_000;

/**
 * The trials of a grid, `-m` sampled. A grid of more than MAX_TRIALS_DEFAULT_BOUND trials
 * without `-m` is refused (FlagError naming the count): with `-m N` the batch runs N (and
 * `-m` may say more than the bound).
 */
export function gridTrials(flags: Flags, opts: { maxTrials?: number | null; seed: number }): Flags[] {
  const size = gridSize(flags);
  if (!opts.maxTrials && size > MAX_TRIALS_DEFAULT_BOUND) {
    throw new FlagError(
      `the batch would run ${size} trials, more than ${MAX_TRIALS_DEFAULT_BOUND}: use -m/--max-trials N to sample N of them (or to run more)`,
    );
  }
  const names = sortedNames(flags);
  const indexes = opts.maxTrials ? sampleIndexes(size, opts.maxTrials, opts.seed) : Array.from({ length: size }, (_x, i) => i);
  return applyFunctions(
    indexes.map((i) => gridAt(flags, names, i)),
    opts.seed,
  );
}

// ---------------------------------------------------------------------------------------
// Batch files

/**
 * The trials of one batch file (`op_util.trials_for_batch_files`): `.csv` or no extension is CSV
 * with a header row, each cell decoded as a flag value; `.json`/`.yml`/`.yaml` a list of maps or
 * one map. `file` as typed (after the `@`), resolved against `cwd`. Errors are Guild's.
 */
export function readBatchFile(file: string, cwd = process.cwd()): Flags[] {
  const full = path.resolve(cwd, file);
  const shown = file.startsWith("/") || file.startsWith(".") ? file : `./${file}`;
  if (!fs.existsSync(full)) throw new FlagError(`batch file ${shown} does not exist`);
  const ext = path.extname(full).toLowerCase();
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch (e) {
    throw new FlagError(`cannot read trials for ${shown}: ${(e as Error).message}`);
  }
  if (ext === ".csv" || ext === "") return csvTrials(text, shown);
  if (ext === ".json" || ext === ".yml" || ext === ".yaml") return yamlTrials(text, shown);
  throw new FlagError(`cannot read trials for ${shown}: unsupported extension`);
}

function csvTrials(text: string, shown: string): Flags[] {
  let rows: string[][];
  try {
    rows = parseCsv(text, { relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new FlagError(
      `cannot read trials for ${shown}${err.lines ? ` (line ${err.lines})` : ""}: ${err.message.replace(/\s+/g, " ").replace(/ on line \d+$/, "")}`,
    );
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.map((row) => Object.fromEntries(header.map((name, i) => [name, decodeFlagValue(row[i] ?? "")])));
}

function yamlTrials(text: string, shown: string): Flags[] {
  let data: AttrValue;
  try {
    data = decodeAttr(text);
  } catch (e) {
    throw new FlagError(`cannot read trials for ${shown}: ${(e as Error).message.split("\n")[0]}`);
  }
  const typeName = (v: AttrValue) =>
    v === null
      ? "NoneType"
      : Array.isArray(v)
        ? "list"
        : isMap(v)
          ? "dict"
          : typeof v === "string"
            ? "str"
            : typeof v === "boolean"
              ? "bool"
              : isFloat(v)
                ? "float"
                : "int";
  if (isMap(data)) return [data as Flags];
  if (!Array.isArray(data))
    throw new FlagError(`cannot read trials for ${shown}: invalid data type for trials: expected list or dict, got ${typeName(data)}`);
  return data.map((t) => {
    if (!isMap(t)) throw new FlagError(`cannot read trials for ${shown}: invalid data type for trial ${pyStr(t)}: expected dict`);
    return t as Flags;
  });
}

/**
 * Trials from batch files merged with the flags (`proto ← trial ← user flags`), each then
 * grid-expanded (`batch_util.expand_trial_flags`).
 */
export function batchFileTrials(fileTrials: Flags[], protoFlags: Flags, userFlags: Flags, seed: number): Flags[] {
  const out: Flags[] = [];
  for (const t of fileTrials) out.push(...expandGrid({ ...protoFlags, ...t, ...userFlags }, seed));
  return out;
}

/** `--print-trials`: Guild's table, `#` then the sorted flag names, values `encode_flag_val`'d. */
export function formatTrialsTable(trials: Flags[]): string {
  if (!trials.length) return "";
  const names = [...new Set(trials.flatMap((t) => Object.keys(t)))].sort(compareStr);
  const rows = [["#", ...names], ...trials.map((t, i) => [String(i + 1), ...names.map((n) => (n in t ? encodeFlagVal(t[n]!) : ""))])];
  const widths = rows[0]!.map((_c, k) => Math.max(...rows.map((r) => r[k]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, k) => (k === r.length - 1 ? c : c.padEnd(widths[k]! + 2)))
          .join("")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}
