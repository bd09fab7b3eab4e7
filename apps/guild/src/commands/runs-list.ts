import { CliError, EXIT, LineWriter, pyJsonDumps, runsTable, styleFor, terminalWidth, textFor, truncateVisible } from "@guildts/format";
// Files, not the plumbing's index (which reaches guild-stop-runs and so the runner).
import { addGuildShorts, addGuildUnsupported, addRunOptions } from "@guildts/plumbing/cli.js";
import { lsRuns, printWarnings } from "@guildts/plumbing/ls-runs.js";
import { runOptions, type RunOptions } from "@guildts/plumbing/run-options.js";
import type { CommandBody } from "../command.js";
import { userConfig } from "../user-config.js";
import { listedRunJson } from "../guild-json.js";

export const DEFAULT_ROWS = 20;

/** `guild runs [list] [LABEL]`: Guild's table of the newest runs, over guild-ls-runs' listing. */
export const runsList: CommandBody = {
  usage:
    "[LABEL] [options]\n\nList runs, newest first: the newest 20 (or the config's runs.limit) unless told otherwise.\n" +
    "LABEL lists the runs whose label contains it (like -l LABEL).",
  examples: [
    "guild runs                  # the newest 20 runs",
    "guild runs list -ET -L      # every failed or terminated run",
    "guild runs list --json | jq -r '.[] | select(.status == \"completed\") | .id'",
  ],
  options: (cli) =>
    addGuildUnsupported(addGuildShorts(addRunOptions(cli), { "-d": "--deleted" }), "-c, --comments", "-v, --verbose")
      .option("-m, --more", "Show 20 more runs (repeat for more: -mm)")
      .option("-n, --limit <n>", "Show the newest N runs")
      .option("-L, --unlimited", "Show every run")
      .option("-s, --simplified", "Guild's simplified table: [N], operation, status, label")
      .option("--json", "Every matching run as one JSON array, as Guild 0.9 prints it (guild-ls-runs --json: one record per line)")
      .option("-r, --remote <name>", "List the runs of remote NAME (Guild's user config, or ssh:[USER@]HOST[:PORT])"),
  run({ args, opts }) {
    if (args.length > 1) throw new CliError(`unexpected argument '${args[1]}'`, EXIT.USAGE);
    if (args.length === 1) opts.label = [...(opts.label === undefined ? [] : [opts.label].flat()), args[0]];
    const o = runOptions(opts);
    const config = userConfig(o.home.path);
    const rows = opts.json ? null : rowLimit(opts, config.runs.limit ?? DEFAULT_ROWS);
    if (opts.remote !== undefined) return listRemote(opts, o, rows);
    const { runs: shown, total, warnings, note } = lsRuns(o, rows ?? undefined);
    if (note) process.stderr.write(note + "\n");
    printWarnings("guild", warnings);
    const out = new LineWriter();
    if (opts.json) {
      if (opts.limit !== undefined || opts.more !== undefined || opts.unlimited)
        process.stderr.write("--json option always shows all runs\n");
      out.line(pyJsonDumps(shown.map(listedRunJson)));
      out.flush();
      return EXIT.OK;
    }
    const width = terminalWidth(process.stdout);
    const table = {
      cwd: process.cwd(),
      style: styleFor(process.stdout, process.env, config.color),
      text: textFor(process.stdout),
      simplified: opts.simplified === true,
      width,
    };
    for (const line of runsTable(shown, table)) {
      out.line(width > 0 ? truncateVisible(line, width) : line);
    }
    out.flush();
    if (shown.length < total) {
      process.stderr.write(`Showing the newest ${shown.length} runs (${total} total) - use -m to show more or -L to show all\n`);
    }
    return EXIT.OK;
  },
};

/** The rows to show: -L all, -n N, else the config's `runs.limit` (default 20) and as many more per -m. */
function rowLimit(opts: Record<string, unknown>, page: number): number | null {
  if (opts.unlimited) return null;
  if (opts.limit !== undefined) {
    const n = Number(opts.limit);
    if (!Number.isInteger(n) || n < 1)
      throw new CliError(`invalid value for --limit: '${opts.limit}' (a whole number of 1 or more)`, EXIT.USAGE);
    return n;
  }
  const more = opts.more === undefined ? 0 : Array.isArray(opts.more) ? opts.more.length : 1;
  return page * (more + 1);
}

/** `guild runs list -r NAME`: the remote's runs as Guild shows them; the remote modules load only here. */
async function listRemote(opts: Record<string, unknown>, o: RunOptions, rows: number | null): Promise<number> {
  const { printRemoteTable, remoteList, remoteOf, remoteRunJson } = await import("../remote.js");
  const all = remoteList(remoteOf(opts, o), o);
  const shownRemote = rows === null ? all : all.slice(0, rows);
  if (opts.json) {
    const out = new LineWriter();
    out.line(pyJsonDumps(shownRemote.map(remoteRunJson)));
    out.flush();
  } else printRemoteTable(shownRemote, o, opts.simplified === true);
  if (shownRemote.length < all.length)
    process.stderr.write(`Showing the newest ${shownRemote.length} runs (${all.length} total) - use -m to show more or -L to show all\n`);
  return EXIT.OK;
}
