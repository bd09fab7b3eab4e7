/**
 * Operation keys of a guild file this project does not implement are never dropped silently
 * (issue 16): a key that changes what runs (the process, its environment, what it runs next)
 * stops the run with an error naming it and the operation; any other is a warning.
 */
import { envSecretNames } from "./flags.js";
import type { OpDef } from "./guildfile.js";

/** The operation keys guildts implements (or reads where Guild does: help, compare, batches). */
const IMPLEMENTED = new Set([
  "description",
  "main",
  "exec",
  "flags",
  "flags-dest",
  "output-scalars",
  "sourcecode",
  "label",
  "default",
  "requires",
  "pip-freeze",
  "objective",
  "compare",
  "default-flag-arg-skip",
  "optimizer",
  "optimizers",
  "notebook",
  "env",
  "env-secrets",
]);

/** Keys that change what runs: refused rather than ignored. */
// `python-path` is not among them: Guild 0.9 does not put it in the run's PYTHONPATH, it only
// looks there for the main module when importing a script's flags (`op_util.opdef_model_paths`),
// which guildts does not do; so it is a warning.
const CHANGES_WHAT_RUNS = new Set(["steps"]);

export interface OpKeyProblems {
  errors: string[];
  warnings: string[];
}

function opName(op: OpDef): string {
  return op.model.name ? `${op.model.name}:${op.name}` : op.name;
}

/** The problems of `op`'s keys, each a one-line message naming the key and the operation. */
export function unimplementedOpKeys(op: OpDef): OpKeyProblems {
  const out: OpKeyProblems = { errors: [], warnings: [] };
  if (op.data.env !== undefined && op.data.env !== null && (typeof op.data.env !== "object" || Array.isArray(op.data.env)))
    out.errors.push(`operation '${opName(op)}': invalid env value: expected a mapping of NAME: VALUE`);
  if (envSecretNames(op.data["env-secrets"]) === null)
    out.errors.push(`operation '${opName(op)}': invalid env-secrets value: expected a name or a list of names`);
  for (const key of Object.keys(op.data).sort()) {
    if (IMPLEMENTED.has(key) || key.startsWith("$")) continue;
    if (CHANGES_WHAT_RUNS.has(key))
      out.errors.push(`operation '${opName(op)}' uses '${key}', which guildts does not implement (it changes what runs)`);
    else out.warnings.push(`operation '${opName(op)}': '${key}' is not implemented by guildts - ignoring`);
  }
  return out;
}
