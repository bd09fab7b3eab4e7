import fs from "node:fs";
import { CliError, EXIT, LineWriter, oneLine, plainField, toJson } from "@guildts/format";
import { finishPurges, markDeleted, OK_OUTCOMES, purge, restoreDeleted, type LifecycleResult } from "@guildts/runstore";
import { addHomeOption, homeOption, idOfJsonLine, newCli, parseArgs, runMain, VERSION } from "./cli.js";

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
  if (action === "purge" || action === "purge-live") finishPurges(home);
  const results: LifecycleResult[] = [];
  ids.forEach((id, i) => {
    const r =
      action === "delete"
        ? markDeleted(home, id)
        : action === "restore"
          ? restoreDeleted(home, id)
          : purge(home, id, { live: action === "purge-live" });
    results.push(r);
    onResult(r, i + 1);
  });
  return results;
}

/** Ids from the arguments and, with --stdin, one id or `guild-ls-runs --json` record per line. */
export function idsFrom(args: string[], stdin: boolean): string[] {
  const ids = [...args];
  if (stdin) {
    for (const raw of fs.readFileSync(0, "utf8").split("\n")) {
      const line = raw.trim();
      if (!line) continue;
      ids.push(line.startsWith("{") ? idOfJsonLine(line) : line);
    }
  }
  return [...new Set(ids)];
}

const DESCRIPTIONS: Record<string, { action: LifecycleAction; usage: string }> = {
  "guild-mark-deleted": {
    action: "delete",
    usage:
      "[options] [ID...]\n\nMove runs to the trash (GUILD_HOME/trash/runs, Guild's layout) with one atomic rename each.\n" +
      "A running run is refused and left alone; an id already in the trash is no error. Never prompts.",
  },
  "guild-restore-deleted": {
    action: "restore",
    usage:
      "[options] [ID...]\n\nMove deleted runs from the trash back to GUILD_HOME/runs, one atomic rename each.\nNever overwrites a run of the same id. Never prompts.",
  },
  "guild-purge-deleted": {
    action: "purge",
    usage:
      "[options] [ID...]\n\nRemove deleted runs (in the trash) permanently. With --live, remove live runs instead\n" +
      "(running runs are refused). Symbolic links are removed, never followed. Never prompts.",
  },
};

/** main() of the three lifecycle plumbing commands. */
export function lifecycleMain(prog: keyof typeof DESCRIPTIONS, argv: string[]): void {
  runMain(prog, () => {
    const d = DESCRIPTIONS[prog]!;
    const cli = addHomeOption(newCli(prog))
      .usage(
        d.usage +
          "\nIDs are full run ids (as guild-rev-parse-run prints them). Prints one line per run:\n" +
          "OUTCOME<TAB>ID[<TAB>REASON], or a JSON object {id, outcome, reason} with --json.\n" +
          "Exit 0 when every run ended where asked, 1 when any was not found, refused or failed.",
      )
      .option("--stdin", "Also read ids from stdin: one id or guild-ls-runs --json record per line")
      .option("--json", "One JSON object per run: {id, outcome, reason}");
    if (prog === "guild-purge-deleted") cli.option("--live", "Remove live runs (in GUILD_HOME/runs) instead of deleted ones");
    cli.help();
    cli.version(VERSION);
    const parsed = parseArgs(cli, argv);
    if (!parsed) return EXIT.OK;
    const home = homeOption(parsed.opts);
    const ids = idsFrom(parsed.args, parsed.opts.stdin === true);
    if (ids.length === 0 && !parsed.opts.stdin) throw new CliError("no run id given (ids as arguments, or --stdin)", EXIT.USAGE);
    const action: LifecycleAction = d.action === "purge" && parsed.opts.live ? "purge-live" : d.action;
    const out = new LineWriter();
    let failed = 0;
    applyLifecycle(action, home.path, ids, (r) => {
      if (!OK_OUTCOMES.has(r.outcome)) failed++;
      out.line(parsed.opts.json ? toJson(r) : [r.outcome, plainField(r.id), ...(r.reason ? [oneLine(r.reason)] : [])].join("\t"));
    });
    out.flush();
    return failed ? EXIT.NO_MATCH : EXIT.OK;
  });
}
