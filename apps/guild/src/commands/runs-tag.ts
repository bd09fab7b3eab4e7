import { CliError, EXIT, LineWriter, textFor } from "@guildts/format";
import { addRunOptions, runOptions } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";
import { changeRuns, checkIncompatible, optionValues, selectForChange } from "../annotate.js";
import { confirmRuns } from "../preview.js";
import { selectForCommand } from "../select-one.js";

/** `guild runs tag` (Guild 0.9's, spec §4.4): add, delete or clear tags, or list them all. */
export const runsTag: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN...] [options]\n\nAdd (-a), delete (-d) or clear (-c) the tags of runs (default: the latest run, 1), or list\n" +
    "every tag of the runs (--list-all; default: all runs). Tags are stored as Guild stores them (a\n" +
    "sorted list attr). Asks for confirmation (default: no); -y skips it. -a here is --add, as in\n" +
    "Guild: the scope option is --all.",
  examples: [
    "guild runs tag 1 -a best -y             # tag the latest run 'best'",
    "guild runs tag -Ft draft : -d draft -a final --sync-labels -y",
    "guild runs tag --list-all               # every tag in use",
  ],
  options: (cli) =>
    addRunOptions(cli, ["a"])
      .option("-a, --add <tag>", "Add TAG (repeatable)")
      .option("-d, --delete <tag>", "Delete TAG (repeatable)")
      .option("-c, --clear", "Delete every tag first (then --add)")
      .option("-s, --sync-labels", "Update the labels too: delete the deleted tags' words, prepend the added tags")
      .option("--list-all", "List every tag of the runs, one per line (default RUN: all)")
      .option("-y, --yes", "Do not ask for confirmation"),
  run({ args, opts }) {
    const add = optionValues(opts.add, "add");
    const del = optionValues(opts.delete, "delete");
    if (!add.length && !del.length && !opts.clear && !opts.listAll)
      throw new CliError("missing one of: --add, --delete, --clear, --list-all", EXIT.USAGE);
    checkIncompatible(opts, [
      ["add", "listAll"],
      ["delete", "listAll"],
      ["clear", "listAll"],
    ]);
    for (const t of [...add, ...del]) if (t === "") throw new CliError("a tag is never empty", EXIT.USAGE);
    const o = runOptions(opts);
    if (opts.listAll) {
      const tags = new Set<string>();
      for (const r of selectForCommand(o, args, ":")) for (const t of r.tags) tags.add(t);
      const out = new LineWriter();
      // Stored as given; on a terminal shown escaped (a tag with control characters).
      const text = textFor(process.stdout);
      for (const t of [...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out.line(text(t));
      out.flush();
      return EXIT.OK;
    }
    const runs = selectForChange(o, args, "1");
    if (runs.length === 0) {
      process.stderr.write("No runs to modify.\n");
      return EXIT.OK;
    }
    const sync = opts.syncLabels === true;
    confirmRuns(runs, {
      intro: "You are about to modify tags for the following runs:",
      note: sync
        ? "Labels are updated to reflect the latest tags."
        : "Labels are not updated - use --sync-labels to apply changes run labels.",
      question: "Continue?",
      yes: opts.yes === true,
      refusal: `not changing the tags of ${runs.length} run(s)`,
    });
    const { done, failed } = changeRuns(o, runs, { tags: { add, remove: del, clear: opts.clear === true }, syncLabels: sync }, "tag");
    process.stderr.write(`Modified tags for ${done} run(s)\n`);
    return failed ? EXIT.NO_MATCH : EXIT.OK;
  },
};
