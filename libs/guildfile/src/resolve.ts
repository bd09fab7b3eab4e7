import type { Guildfile, ModelDef, OpDef } from "./guildfile.js";

/** Resolution errors, with Guild's messages (spec §2.5); exit status 1. */
export class OpResolveError extends Error {
  override name = "OpResolveError";
}

const LIST_HINT = "Try 'guild operations' for a list of available operations.";

/** Guild's `parse_opspec` (spec §2.2): [model, op], null for an absent part. */
export function parseOpspec(spec: string): [string | null, string | null] {
  if (!spec) return [null, null];
  if (!spec.includes("/") && !spec.includes(":")) return [null, spec];
  let m = /^([^/:]*):([^/:]+)$/.exec(spec);
  if (m) return [m[1]!, m[2]!];
  m = /^([^/:]*\/[^/:]+):([^/:]+)$/.exec(spec);
  if (m) return [m[1]!, m[2]!];
  throw new OpResolveError(`invalid operation '${spec}'\n${LIST_HINT}`);
}

function defaultModel(gf: Guildfile): ModelDef | null {
  if (gf.models.length === 1) return gf.models[0]!;
  return gf.models.find((m) => m.isDefault) ?? gf.models.find((m) => m.name === "") ?? null;
}

function defaultOp(model: ModelDef): OpDef | null {
  const marked = model.operations.find((o) => o.isDefault);
  if (marked) return marked;
  const pub = model.operations.filter((o) => !o.name.startsWith("_"));
  return pub.length === 1 ? pub[0]! : null;
}

/** The operation an opspec names (spec §2.3): models matched by substring, ops by exact name. */
export function resolveOperation(gf: Guildfile, opspec: string): OpDef {
  const [modelRef, opName] = parseOpspec(opspec);
  let model: ModelDef | null;
  if (modelRef === null) {
    model = defaultModel(gf);
    if (!model && opName !== null) {
      // No default model: the op name may still be unique across models.
      const found = gf.models.flatMap((m) => m.operations.filter((o) => o.name === opName));
      if (found.length === 1) return found[0]!;
    }
  } else {
    const matches = gf.models.filter((m) => m.name.includes(modelRef));
    model = matches.length === 1 ? matches[0]! : (matches.find((m) => m.name === modelRef) ?? null);
    if (!model && matches.length > 1) {
      throw new OpResolveError(
        `there are multiple models that match '${modelRef}'\nTry specifying one of the following:\n${matches
          .map((m) => `  ${m.name}`)
          .sort()
          .join("\n")}`,
      );
    }
  }
  if (!model) {
    if (opName === null) throw new OpResolveError("cannot find a default operation\nTry 'guild operations' for a list.");
    throw new OpResolveError(
      modelRef === null
        ? `cannot find operation ${opspec}\nYou may need to include a model in the form MODEL:OPERATION. ${LIST_HINT}`
        : `cannot find operation ${opspec}\n${LIST_HINT}`,
    );
  }
  const op = opName === null ? defaultOp(model) : (model.operations.find((o) => o.name === opName) ?? null);
  if (op) return op;
  const what = opName === null ? "a default operation" : `operation '${opName}'`;
  throw new OpResolveError(
    model.name
      ? `${what} is not defined for model '${model.name}'\nTry 'guild operations ${model.name}' for a list of available operations.`
      : `${what} is not defined for this project\n${LIST_HINT}`,
  );
}

/** `guild train [MODEL]` (the runs guide's alias): the model's `train` operation. */
export function trainAlias(gf: Guildfile, model?: string): OpDef {
  return resolveOperation(gf, model === undefined ? "train" : `${model}:train`);
}
