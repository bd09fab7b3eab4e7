import { CliError, EXIT } from "@guildts/format";
import { addGuildShorts, addRunOptions, runOptions, say } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";
import { confirmRuns } from "../preview.js";
import { applyLabel, labelIntro, newLabel, type Action } from "../runs-label.js";
import { selectForChange } from "../annotate.js";
import { remoteLabelCmd } from "../remote.js";

function one(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new CliError(`--${name} may be given once`, EXIT.USAGE);
  if (v === true) throw new CliError(`--${name} needs a value`, EXIT.USAGE);
  return String(v);
}

/** `guild runs label [RUN...] LABEL` and its --set/--append/--prepend/--remove/--clear forms. */
export const runsLabel: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN...] [LABEL] [options]\n\nSet, change or clear the label of runs (default: the latest run, 1).\n" +
    "Without an action option the last argument is the new LABEL.\n" +
    "Asks for confirmation (default: no); -y skips it.",
  examples: [
    "guild runs label 1 'best so far'       # label the latest run",
    "guild runs label -E --append retry -y  # add a word to the labels of failed runs",
    "guild runs label 2:5 --clear",
  ],
  options: (cli) =>
    // Guild's -s/-a/-p/-rm: -a is --append here, as in Guild (the scope option keeps --all).
    addGuildShorts(addRunOptions(cli, ["a"]), { "-rm": "--remove" })
      .option("-s, --set <label>", "Set the label")
      .option("-a, --append <text>", "Add TEXT at the end of the label")
      .option("-p, --prepend <text>", "Add TEXT at the start of the label")
      .option("--remove <text>", "Remove the words of TEXT from the label (also -rm)")
      .option("-c, --clear", "Remove the label")
      .option("-y, --yes", "Do not ask for confirmation")
      .option("-r, --remote <name>", "Act on the runs of remote NAME (Guild's user config, or ssh:[USER@]HOST[:PORT])"),
  run(call) {
    const { opts } = call;
    const args = [...call.args];
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
    if (opts.remote !== undefined) {
      const labelArgs = action.kind === "clear" ? ["--clear"] : [`--${action.kind}`, action.value];
      return remoteLabelCmd(labelArgs, args, opts, o);
    }
    const runs = selectForChange(o, args, "1");
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
        say("guild", `cannot label run ${r.id}: ${(e as Error).message}`);
      }
    }
    const done = runs.length - failed;
    process.stderr.write(action.kind === "clear" ? `Cleared label for ${done} run(s)\n` : `Labeled ${done} run(s)\n`);
    // Like rm, restore and purge: a run that could not be changed is exit 1, with its reason.
    return failed ? EXIT.NO_MATCH : EXIT.OK;
  },
};
