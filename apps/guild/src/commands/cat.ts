import { StringDecoder } from "node:string_decoder";
import path from "node:path";
import { CliError, EXIT, textFor, writeAll, EXACT } from "@guildts/format";
import { addGuildUnsupported, addRunOptions, runOptions } from "@guildts/plumbing";
import { copyRunFile, RunPathError } from "@guildts/runstore";
import type { CommandBody } from "../command.js";
import { runPath, runPathCliError, sourcecodeDest } from "../run-files.js";
import { selectOne } from "../select-one.js";

/** `guild cat [RUN]` (Guild 0.9's, spec §4.1): a run file's bytes, or the run's output. */
export const cat: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN] [options]\n\nWrite a file of a run (the latest, 1, by default) to stdout, as is: -p PATH (relative to the run\n" +
    "directory, or with -s to its source code), or --output. A path leaving the run (.., an absolute path,\n" +
    "a link out of the store's runs) is refused; only regular files are read.",
  examples: [
    "guild cat --output               # the latest run's output",
    "guild cat -p data.txt 4d69486c",
    "guild cat -s -p train.py -Fo train",
  ],
  options: (cli) =>
    addGuildUnsupported(addRunOptions(cli), "-pa, --page")
      .option("-p, --path <path>", "Path of the file to show (required unless --output)")
      .option("-s, --sourcecode", "PATH is relative to the run's source code")
      .option("-O, --output", "Show the run's output (cannot be used with --path)"),
  run({ args, opts }) {
    if (args.length > 1) throw new CliError(`unexpected extra argument '${args[1]}'`, EXIT.USAGE);
    const rel = opts.path === undefined ? undefined : String([opts.path].flat().at(-1));
    if (rel !== undefined && path.isAbsolute(rel)) throw runPathCliError(new RunPathError("", "ABSOLUTE"), "guild cat");
    const run = selectOne(runOptions(opts), args[0]);
    let file: string;
    if (opts.output) {
      if (rel !== undefined || opts.sourcecode)
        process.stderr.write("--output cannot be used with other options - ignoring other options\n");
      file = runPath(run, ".guild/output");
    } else {
      if (rel === undefined) throw new CliError("-p / --path is required unless --output is specified", EXIT.NO_MATCH);
      file = runPath(run, rel, opts.sourcecode ? sourcecodeDest(run) : run.dir, "guild cat");
    }
    const filter = textFor(process.stdout);
    const decoder = new StringDecoder("utf8");
    try {
      copyRunFile(file, (chunk) => writeAll(1, filter === EXACT ? chunk : decoder.write(chunk).split("\n").map(filter).join("\n")));
    } catch (e) {
      throw runPathCliError(e, "guild cat");
    }
    if (filter !== EXACT) writeAll(1, filter(decoder.end()));
    return EXIT.OK;
  },
};
