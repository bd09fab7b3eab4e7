import { CliError, EXIT } from "@guildts/format";
import { addRunOptions, newCli, parseArgs, runOptions } from "@guildts/plumbing";
import { scalarText, updateAttr, type RunRecord } from "@guildts/runstore";
import { confirmRuns } from "./preview.js";
import { selectForCommand } from "./select-one.js";

type Action = { kind: "set"; value: string } | { kind: "append" | "prepend" | "remove"; value: string } | { kind: "clear" };

/** The label a run gets from an action (null: no label attr). */
export function newLabel(old: string | null, a: Action): string | null {
  const cur = (old ?? "").trim();
  switch (a.kind) {
    case "set":
      return a.value;
    case "clear":
      return null;
    case "append":
      return cur ? `${cur} ${a.value}` : a.value;
    case "prepend":
      return cur ? `${a.value} ${cur}` : a.value;
    case "remove": {
      // Guild: split at the whole space-delimited occurrences of VAL, rejoin the rest. (Guild
      // does not escape VAL in its regex; here it is literal.)
      const v = a.value.trim();
      if (!v) return cur;
      const esc = v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return cur
        .split(new RegExp(`(?:^|\\s)${esc}(?=$|\\s)`))
        .map((p) => p.trim())
        .filter(Boolean)
        .join(" ");
    }
  }
}

function one(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new CliError(`--${name} may be given once`, EXIT.USAGE);
  if (v === true) throw new CliError(`--${name} needs a value`, EXIT.USAGE);
  return String(v);
}

/** `guild runs label [RUN...] LABEL` and its --set/--append/--prepend/--remove/--clear forms. */
export function runsLabel(argv: string[], prog = "guild runs label"): number {
  const cli = addRunOptions(newCli(prog))
    .usage(
      "[RUN...] [LABEL] [options]\n\nSet, change or clear the label of runs (default: the latest run, 1).\n" +
        "Without an action option the last argument is the new LABEL.\n" +
        "Asks for confirmation (default: no); -y skips it.",
    )
    .option("--set <label>", "Set the label")
    .option("--append <text>", "Add TEXT at the end of the label")
    .option("--prepend <text>", "Add TEXT at the start of the label")
    .option("--remove <text>", "Remove the words of TEXT from the label")
    .option("-c, --clear", "Remove the label")
    .option("-y, --yes", "Do not ask for confirmation");
  cli.help();
  const parsed = parseArgs(cli, argv);
  if (!parsed) return EXIT.OK;
  const { opts } = parsed;
  const args = [...parsed.args];
  const given: Action[] = [];
  const set = one(opts.set, "set");
  if (set !== undefined) given.push({ kind: "set", value: set });
  for (const kind of ["append", "prepend", "remove"] as const) {
    const v = one(opts[kind], kind);
    if (v !== undefined) given.push({ kind, value: v });
  }
  if (opts.clear) given.push({ kind: "clear" });
  if (given.length > 1) throw new CliError("give one of LABEL, --set, --append, --prepend, --remove, --clear", EXIT.USAGE);
  if (given.length === 0) {
    if (args.length === 0)
      throw new CliError("missing the new label: give LABEL, or one of --set, --append, --prepend, --remove, --clear", EXIT.USAGE);
    given.push({ kind: "set", value: args.pop()! });
  }
  const action = given[0]!;
  const o = runOptions(opts);
  const runs = selectForCommand(o, args, "1");
  if (runs.length === 0) {
    process.stderr.write("No runs to modify.\n");
    return EXIT.OK;
  }
  confirmRuns(runs, {
    intro: labelIntro(action),
    question: action.kind === "clear" ? `Clear the label of ${runs.length} run(s)?` : `Label ${runs.length} run(s)?`,
    yes: opts.yes === true,
    refusal: `not labeling ${runs.length} run(s)`,
  });
  let failed = 0;
  for (const r of runs) {
    try {
      applyLabel(o.home.path, r, (old) => newLabel(old, action), action.kind !== "set" && action.kind !== "clear");
    } catch (e) {
      failed++;
      process.stderr.write(`guild: cannot label run ${r.id}: ${(e as Error).message}\n`);
    }
  }
  const done = runs.length - failed;
  process.stderr.write(action.kind === "clear" ? `Cleared label for ${done} run(s)\n` : `Labeled ${done} run(s)\n`);
  return failed ? EXIT.FAULT : EXIT.OK;
}

/** Guild's preview line for each action. */
function labelIntro(a: Action): string {
  switch (a.kind) {
    case "set":
      return `You are about to label the following runs with '${a.value}':`;
    case "prepend":
    case "append":
      return `You are about to ${a.kind} '${a.value}' to the label of the following runs:`;
    case "remove":
      return `You are about to remove '${a.value}' from the label of the following runs:`;
    case "clear":
      return "You are about to clear the label of the following runs:";
  }
}

/**
 * Changes the label attr of a run: `change` gets the label on disk NOW (not the one listed), under
 * the run's lock, so concurrent label changes never lose one. Written atomically as Guild encodes
 * it; null removes it.
 */
export function applyLabel(home: string, r: RunRecord, change: (old: string | null) => string | null, readOld = false): void {
  updateAttr(home, r.id, r.dir, "label", (old) => change(old === undefined || old === null ? null : scalarText(old)) ?? undefined, {
    readOld,
  });
}
