/**
 * Resolving `guild run [[MODEL:]OPERATION]` against a guild file (spec §2.2-2.5).
 */
import type { Guildfile, ModelDef, OpDef } from "./guildfile.js";
import { compareCodePoints } from "@guildts/py";

/** Resolution errors, with Guild's messages (spec §2.5); exit status 1. */
export class OpResolveError extends Error {
  override name = "OpResolveError";
  readonly exitCode = 1;
  constructor(
    message: string,
    /** For "did you mean": the operation typed and the names it could have been. */
    readonly near?: { typed: string; names: readonly string[] },
  ) {
    super(message);
  }
}

const LIST_HINT = "Try 'guild operations' for a list of available operations.";

/**
 * Guild's `parse_opspec` (spec §2.2): `[model_ref, op]`, null for an absent part; throws
 * OpResolveError for an invalid spec.
 */
export function parseOpspec(spec: string | null | undefined): [string | null, string | null] {
  if (!spec) return [null, null];
  if (!spec.includes("/") && !spec.includes(":")) return [null, spec];
  const m = /^([^/:]*):([^/:]+)$/.exec(spec) ?? /^([^/:]*\/[^/:?]+):([^/:]+)$/.exec(spec) ?? /^([^/:]+\/):?([^/:]+)$/.exec(spec);
  if (m) return [m[1]!, m[2]!];
  throw new OpResolveError(`invalid operation '${spec}'\n${LIST_HINT}`);
}

/** Guild's default model: the only model, else the first one marked `default: yes`. */
export function defaultModel(gf: Guildfile): ModelDef | null {
  if (gf.models.length === 1) return gf.models[0]!;
  return gf.models.find((m) => m.isDefault) ?? null;
}

/** A model's default operation: the first marked `default: yes`, else its only public one. */
export function defaultOperation(model: ModelDef): OpDef | null {
  const pub: OpDef[] = [];
  for (const op of model.operations) {
    if (op.isDefault) return op;
    if (!op.name.startsWith("_")) pub.push(op);
  }
  return pub.length === 1 ? pub[0]! : null;
}

/**
 * `_match_one_model`: with a model ref, the models whose name contains it (an exact name wins
 * among several); without one, the default model or an anonymous model.
 */
function matchModel(gf: Guildfile, modelRef: string | null): ModelDef | null {
  const matches: ModelDef[] = [];
  if (modelRef) {
    for (const m of gf.models) if (m.name.includes(modelRef)) matches.push(m);
  } else {
    const dflt = defaultModel(gf);
    for (const m of gf.models) {
      if (m === dflt) {
        matches.push(m);
        break;
      }
      if (!m.name) matches.push(m);
    }
  }
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1 && modelRef) {
    const exact = matches.find((m) => m.name === modelRef);
    if (exact) return exact;
    const names = matches
      .map((m) => m.name)
      .sort(compareCodePoints)
      .map((n) => `  ${n}`)
      .join("\n");
    throw new OpResolveError(`there are multiple models that match '${modelRef}'\nTry specifying one of the following:\n${names}`);
  }
  return null;
}

function noSuchModel(opspec: string | null | undefined): OpResolveError {
  if (!opspec) return new OpResolveError("cannot find a default operation\nTry 'guild operations' for a list.");
  if (opspec.includes(":")) return new OpResolveError(`cannot find operation ${opspec}\n${LIST_HINT}`);
  return new OpResolveError(`cannot find operation ${opspec}\nYou may need to include a model in the form MODEL:OPERATION. ${LIST_HINT}`);
}

/**
 * The operation an opspec names in a guild file (spec §2.3): models matched by substring,
 * operations by exact name, the default model and operation when parts are missing. Errors
 * (OpResolveError) carry Guild's messages.
 *
 * As the runs guide has it ("you can omit information ... as long as Guild can uniquely
 * identify the operation"), an operation name with no model resolves when no default model
 * applies but exactly one model defines that operation.
 */
export function resolveOperation(gf: Guildfile, opspec: string | null | undefined): OpDef {
  const [modelRef, opName] = parseOpspec(opspec);
  const model = matchModel(gf, modelRef);
  if (!model) {
    if (!modelRef && opName !== null) {
      const found = gf.models.flatMap((m) => m.operations.filter((o) => o.name === opName));
      if (found.length === 1) return found[0]!;
    }
    const e = noSuchModel(opspec);
    if (!modelRef && opName !== null)
      throw new OpResolveError(e.message, { typed: opName, names: gf.models.flatMap((m) => m.operations.map((o) => o.name)) });
    throw e;
  }
  const op = opName === null ? defaultOperation(model) : (model.operations.find((o) => o.name === opName) ?? null);
  if (op) return op;
  const what = opName === null ? "a default operation" : `operation '${opName}'`;
  throw new OpResolveError(
    model.name
      ? `${what} is not defined for model '${model.name}'\nTry 'guild operations ${model.name}' for a list of available operations.`
      : `${what} is not defined for this project\n${LIST_HINT}`,
    opName === null ? undefined : { typed: opName, names: model.operations.map((o) => o.name) },
  );
}

/**
 * The runs guide's `guild train [MODEL]` alias: the `train` operation of MODEL (matched like the
 * model part of an opspec), or of the default model.
 */
export function trainAlias(gf: Guildfile, model?: string | null): OpDef {
  return resolveOperation(gf, model === undefined || model === null ? "train" : `${model}:train`);
}
