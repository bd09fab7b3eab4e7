import { CliError, EXIT, LineWriter, runsTable, styleFor, terminalWidth, textFor } from "@guildts/format";
import { addRunOptions, applyLifecycle, runOptions, say, type LifecycleAction } from "@guildts/plumbing";
import { OK_OUTCOMES, type LifecycleResult } from "@guildts/runstore";
import { isEmptyFilter } from "@guildts/select";
import type { Command } from "./command.js";
import { confirmRuns } from "./preview.js";
import { selectForCommand } from "./select-one.js";
import { userConfig } from "./user-config.js";
import { remoteLifecycleCmd } from "./remote.js";

interface Verb {
  usage: string;
  intro: string;
  question: (n: number) => string;
  done: (n: number) => string;
  nothing: string;
  refusal: (n: number) => string;
}

const PERMANENT_WARNING = "Permanently deleted runs cannot be recovered!";

const VERBS: Record<"delete" | "delete-permanent" | "restore" | "purge", Verb> = {
  delete: {
    usage: "[RUN...] [options]\n\nDelete runs: move them to the trash, from where `guild runs restore` brings them back.",
    intro: "You are about to delete the following runs:",
    question: (n) => `Delete ${n} run(s)?`,
    done: (n) => `Deleted ${n} run(s)`,
    nothing: "Nothing to delete.",
    refusal: (n) => `not deleting ${n} run(s)`,
  },
  "delete-permanent": {
    usage: "",
    intro: `WARNING: You are about to permanently delete the following runs:`,
    question: (n) => `${PERMANENT_WARNING} Permanently delete ${n} run(s)?`,
    done: (n) => `Permanently deleted ${n} run(s)`,
    nothing: "Nothing to delete.",
    refusal: (n) => `not deleting ${n} run(s)`,
  },
  restore: {
    usage:
      "[RUN...] [options]\n\nRestore deleted runs from the trash. RUN indexes refer to `guild runs --deleted`; default: all\ndeleted runs matching the filters.",
    intro: "You are about to restore the following runs:",
    question: (n) => `Restore ${n} run(s)?`,
    done: (n) => `Restored ${n} run(s)`,
    nothing: "Nothing to restore.",
    refusal: (n) => `not restoring ${n} run(s)`,
  },
  purge: {
    usage:
      "[RUN...] [options]\n\nPermanently delete deleted runs, to recover their disk space. RUN indexes refer to\n`guild runs --deleted`; default: all deleted runs matching the filters.",
    intro: "WARNING: You are about to permanently delete the following runs:",
    question: (n) => `${PERMANENT_WARNING} Permanently delete ${n} run(s)?`,
    done: (n) => `Permanently deleted ${n} run(s)`,
    nothing: "Nothing to purge.",
    refusal: (n) => `not purging ${n} run(s)`,
  },
};

/**
 * The options and handler of `guild runs delete|rm`, `guild runs restore` and `guild runs purge`
 * (each a Command in commands/), over the lifecycle plumbing.
 */
export function lifecycle(kind: "delete" | "restore" | "purge"): Pick<Command, "usage" | "options" | "run"> {
  return {
    usage: VERBS[kind].usage,
    options: (cli) => {
      addRunOptions(cli);
      if (kind === "delete") cli.option("-p, --permanent", `Delete for good instead of moving to the trash. ${PERMANENT_WARNING}`);
      return cli
        .option("-y, --yes", "Do not ask for confirmation")
        .option("--dry-run", "Only list the runs that would be changed")
        .option("-r, --remote <name>", "Act on the runs of remote NAME (Guild's user config, or ssh:[USER@]HOST[:PORT])");
    },
    run({ args, opts }) {
      const o = runOptions(opts);
      if (kind !== "delete")
        o.deleted = true; // restore and purge select among deleted runs
      else if (o.deleted) throw new CliError("--deleted does not go with delete: see `guild runs purge`", EXIT.USAGE);
      // Guild's foot-gun: `guild runs rm` alone selects every run. Here all runs (`:`) must be asked
      // for, or narrowed by a filter (`guild runs rm -ET`).
      if (kind === "delete" && args.length === 0 && isEmptyFilter(o.filter)) {
        throw new CliError("no runs given: name them (1, 2:5, an id), use a filter (-E, -o OP...), or ':' for every run", EXIT.USAGE);
      }
      if (opts.remote !== undefined) {
        if (opts.dryRun) throw new CliError("--dry-run does not go with --remote", EXIT.USAGE);
        return remoteLifecycleCmd(kind === "delete" ? (opts.permanent ? "purge-live" : "delete") : kind, args, opts, o);
      }
      const runs = selectForCommand(o, args, ":");
      const verb = VERBS[kind === "delete" && opts.permanent ? "delete-permanent" : kind];
      if (runs.length === 0) {
        process.stderr.write(verb.nothing + "\n");
        return EXIT.OK;
      }
      if (opts.dryRun) {
        const out = new LineWriter();
        for (const line of runsTable(runs, {
          cwd: process.cwd(),
          style: styleFor(process.stdout, process.env, userConfig(o.home.path).color),
          text: textFor(process.stdout),
          width: terminalWidth(process.stdout),
        }))
          out.line(line);
        out.flush();
        process.stderr.write(
          `Dry run: ${runs.length} run(s) would be ${kind === "delete" ? (opts.permanent ? "permanently deleted" : "deleted") : kind === "restore" ? "restored" : "purged"}\n`,
        );
        return EXIT.OK;
      }
      confirmRuns(runs, {
        intro: verb.intro,
        question: verb.question(runs.length),
        yes: opts.yes === true,
        refusal: verb.refusal(runs.length),
      });
      const action: LifecycleAction = kind === "delete" ? (opts.permanent ? "purge-live" : "delete") : kind;
      const progress = process.stderr.isTTY && runs.length >= 200;
      const failures: LifecycleResult[] = [];
      let changed = 0;
      applyLifecycle(
        action,
        o.home.path,
        runs.map((r) => r.id),
        (r, done) => {
          if (OK_OUTCOMES.has(r.outcome)) changed++;
          else failures.push(r);
          if (progress && (done % 100 === 0 || done === runs.length)) process.stderr.write(`\r${done}/${runs.length} runs`);
        },
      );
      if (progress) process.stderr.write("\r\x1b[K");
      for (const f of failures) say("guild", `${f.id.slice(0, 8)}: ${f.outcome}: ${f.reason ?? ""}`);
      process.stderr.write(verb.done(changed) + (failures.length ? `; ${failures.length} not changed (see above)` : "") + "\n");
      return failures.length ? EXIT.NO_MATCH : EXIT.OK;
    },
  };
}
