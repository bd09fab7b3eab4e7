import { CliError, EXIT, LineWriter, oneLine, plainField, toJson } from "@guildts/format";
import { crossDeviceReason, finishPurges, markDeleted, OK_OUTCOMES, purge, restoreDeleted, type LifecycleResult } from "@guildts/runstore";
import { addHomeOption, idOfJsonLine, plumbingMain, readStdinLines, type CommandDef } from "./cli.js";
import { homeOption } from "./run-options.js";
import { PLUMBING_SUMMARIES } from "./summaries.js";

export type LifecycleAction = "delete" | "restore" | "purge" | "purge-live";

/**
 * Applies one lifecycle action to runs by full id, in order, reporting each result: the one
 * implementation behind guild-mark-deleted, guild-restore-deleted, guild-purge-deleted and the
 * porcelain's `guild runs rm|restore|purge`.
 */
export function applyLifecycle(
  action: LifecycleAction,
  home: string,
  ids: readonly string[],
  onResult: (r: LifecycleResult, done: number) => void,
): LifecycleResult[] {
  // Runs moved by rename across file systems would all fail (EXDEV): refused up front.
  const crossDevice = ids.length ? crossDeviceReason(home, action) : null;
  if ((action === "purge" || action === "purge-live") && !crossDevice) finishPurges(home);
  const results: LifecycleResult[] = [];
  ids.forEach((id, i) => {
    const r: LifecycleResult = crossDevice
      ? { id, outcome: "refused", reason: crossDevice }
      : action === "delete"
        ? markDeleted(home, id)
        : action === "restore"
          ? restoreDeleted(home, id)
          : purge(home, id, { live: action === "purge-live" });
    if (r.outcome === "not-found" && !/^[0-9a-f]{32}$/.test(id)) r.reason = `${r.reason}: ${notFullId(id)}`;
    results.push(r);
    onResult(r, i + 1);
  });
  return results;
}

/** What the plumbing says of an id that is not a full one (`3435c24a`): how to get the full id. */
export function notFullId(id: string): string {
  return `the plumbing takes full 32-character run ids (guild-rev-parse-run ${/^[0-9a-f]{1,31}$/.test(id) ? id : "SELECTOR"} prints one)`;
}

/** Ids from the arguments and, with --stdin, one id or `guild-ls-runs --json` record per line. */
export function idsFrom(args: string[], stdin: boolean): string[] {
  const ids = [...args];
  if (stdin) {
    for (const raw of readStdinLines()) {
      const line = raw.trim();
      if (!line) continue;
      ids.push(line.startsWith("{") ? idOfJsonLine(line) : line);
    }
  }
  return [...new Set(ids)];
}

const IDS_USAGE =
  "\nIDs are full run ids (as guild-rev-parse-run prints them). Prints one line per run:\n" +
  "OUTCOME<TAB>ID[<TAB>REASON], or a JSON object {id, outcome, reason} with --json.\n" +
  "Exit 0 when every run ended where asked, 1 when any was not found, refused or failed.";

/** One of the three lifecycle programs: the same options and handler over a different action. */
function lifecycleCommand(action: "delete" | "restore" | "purge", d: Omit<CommandDef, "run" | "options">): CommandDef {
  return {
    ...d,
    usage: d.usage + IDS_USAGE,
    options: (cli) => {
      addHomeOption(cli)
        .option("--stdin", "Also read ids from stdin: one id or guild-ls-runs --json record per line")
        .option("--json", "One JSON object per run: {id, outcome, reason}");
      return action === "purge" ? cli.option("--live", "Remove live runs (in GUILD_HOME/runs) instead of deleted ones") : cli;
    },
    run({ args, opts }) {
      const home = homeOption(opts);
      const ids = idsFrom(args, opts.stdin === true);
      if (ids.length === 0 && !opts.stdin) throw new CliError("no run id given (ids as arguments, or --stdin)", EXIT.USAGE);
      const act: LifecycleAction = action === "purge" && opts.live ? "purge-live" : action;
      const out = new LineWriter();
      let failed = 0;
      applyLifecycle(act, home.path, ids, (r) => {
        if (!OK_OUTCOMES.has(r.outcome)) failed++;
        out.line(opts.json ? toJson(r) : [r.outcome, plainField(r.id), ...(r.reason ? [oneLine(r.reason)] : [])].join("\t"));
      });
      out.flush();
      return failed ? EXIT.NO_MATCH : EXIT.OK;
    },
  };
}

export const MARK_DELETED = lifecycleCommand("delete", {
  summary: PLUMBING_SUMMARIES["guild-mark-deleted"],
  usage:
    "[options] [ID...]\n\nMove runs to the trash (GUILD_HOME/trash/runs, Guild's layout) with one atomic rename each.\n" +
    "A running run is refused and left alone; an id already in the trash is no error. Never prompts.",
  examples: ["guild-ls-runs -ET --json | guild-mark-deleted --stdin --json", "guild-mark-deleted $(guild-rev-parse-run 1)"],
});

export const RESTORE_DELETED = lifecycleCommand("restore", {
  summary: PLUMBING_SUMMARIES["guild-restore-deleted"],
  usage:
    "[options] [ID...]\n\nMove deleted runs from the trash back to GUILD_HOME/runs, one atomic rename each.\nNever overwrites a run of the same id. Never prompts.",
  examples: [
    "guild-ls-runs --deleted -o train --json | guild-restore-deleted --stdin",
    "guild-restore-deleted $(guild-rev-parse-run --deleted 1)",
  ],
});

export const PURGE_DELETED = lifecycleCommand("purge", {
  summary: PLUMBING_SUMMARIES["guild-purge-deleted"],
  usage:
    "[options] [ID...]\n\nRemove deleted runs (in the trash) permanently. With --live, remove live runs instead\n" +
    "(running runs are refused). Symbolic links are removed, never followed. Never prompts.",
  examples: ["guild-ls-runs --deleted --json | guild-purge-deleted --stdin", "guild-purge-deleted --live $(guild-rev-parse-run -E :)"],
});

const PROGRAMS = {
  "guild-mark-deleted": MARK_DELETED,
  "guild-restore-deleted": RESTORE_DELETED,
  "guild-purge-deleted": PURGE_DELETED,
};

/** main() of the three lifecycle plumbing commands. */
export function lifecycleMain(prog: keyof typeof PROGRAMS, argv: string[]): void {
  plumbingMain(prog, PROGRAMS[prog], argv);
}
