import { CliError, ConfigError, configPaths, EXIT, eachLine, loadUserConfig, textFor } from "@guildts/format";
import { addGuildUnsupported, addHomeOption, checkWithProgress, homeOption, remaining, VERSION } from "@guildts/plumbing";
import type { Problem } from "@guildts/runstore";
import type { CommandBody } from "../command.js";

/**
 * `guild check`: Guild's command of that name reports the installation; here it reports the
 * version and home as Guild does, then checks the store (guild-fsck-runs, in sentences).
 */
export const check: CommandBody = {
  usage:
    "[options]\n\nShow the version and Guild home, and check the runs in it for problems (see guild-fsck-runs).\n" +
    "Changes nothing unless --repair is given, which removes only leftovers of processes that are gone.\n" +
    "Also lists the user's config files (JSON5) and whether each was read, and reports their errors.\n" +
    "Exit 0 when no problem remains, 1 when some do.",
  examples: ["guild check", "guild check --repair     # remove what killed commands left behind"],
  options: (cli) =>
    // Guild's check tests the installation: its options for that are not here.
    addGuildUnsupported(
      addHomeOption(cli),
      "-v, --verbose",
      "-T, --tests",
      "-t, --test",
      "-n, --no-info",
      "-s, --skip",
      "--force-test",
      "-f, --fast",
      "-c, --concurrency",
      "--space",
      "--version",
      "--notify",
      "--offline",
      "--no-offline",
      "--check-url",
      "--uat",
      "--force-uat",
      "--external",
      "--no-chrome",
      "--env",
      "--tensorflow",
      "--pytorch",
      "--r-script",
    ).option("--repair", "Make the repairs that are safe"),
  run({ args, opts }) {
    if (args.length) throw new CliError(`unexpected argument '${args[0]}'`, EXIT.USAGE);
    const home = homeOption(opts).path;
    const repair = opts.repair === true;
    process.stdout.write(`guildts_version:           ${VERSION}\nguild_home:                ${home}\n`);
    const lines: string[] = [];
    const result = checkWithProgress(home, {
      repair,
      onProblem: (p: Problem) => {
        const fix = p.repaired ? "  repaired: " + p.repair : p.repair ? `  repair: ${p.repair} (guild check --repair)` : "";
        lines.push(`${p.severity}: ${p.path}: ${p.message}${fix ? "\n" + fix : ""}`);
      },
    });
    process.stdout.write(`runs:                      ${result.runs}\ndeleted_runs:              ${result.deletedRuns}\n`);
    const configProblems = reportConfig(home);
    // Paths and messages name run directories: shown escaped on a terminal.
    for (const l of lines) process.stdout.write(eachLine(l, textFor(process.stdout)) + "\n");
    const left = remaining(result.problems);
    const fixable = left.filter((p) => p.repair !== null).length;
    if (configProblems) {
      process.stdout.write(`The config has ${configProblems} problem(s) (above).\n`);
      if (result.problems.length === 0) return EXIT.NO_MATCH;
    }
    if (result.problems.length === 0) process.stdout.write("No problems found.\n");
    else {
      const repaired = result.problems.length - left.length;
      process.stdout.write(
        `${result.problems.length} problem(s) found` +
          (repair ? `, ${repaired} repaired.\n` : fixable ? `; ${fixable} can be repaired with 'guild check --repair'.\n` : ".\n"),
      );
    }
    return left.length ? EXIT.NO_MATCH : EXIT.OK;
  },
};

/**
 * The user's config files, farthest first, each `(read)` or `(none)`, then their warnings and
 * error. Returns how many problems (an error counts; a warning does not).
 */
function reportConfig(home: string): number {
  try {
    const c = loadUserConfig(home);
    for (const f of c.files) process.stdout.write(`config_file:               ${f.path} (${f.read ? "read" : "none"})\n`);
    for (const w of c.warnings) process.stdout.write(`warning: ${w}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const f of configPaths(home)) process.stdout.write(`config_file:               ${f}\n`);
    process.stdout.write(`error: ${e.message}\n`);
    return 1;
  }
}
