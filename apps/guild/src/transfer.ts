import fs from "node:fs";
import path from "node:path";
import { CliError, confirm, declined, EXIT, styleFor, textFor } from "@guildts/format";
import { addRunOptions, runOptions, say, selectorCliError } from "@guildts/plumbing";
import {
  archiveRunIds,
  buildRecord,
  exportRuns,
  importRuns,
  isZipPath,
  markDeleted,
  NotARunError,
  OK_OUTCOMES,
  readRunFacts,
  removeTree,
  StoreDirError,
  storeDir,
  TransferError,
  unpackZip,
  type RunRecord,
  type TransferEvents,
} from "@guildts/runstore";
import { compareRuns, compileFilter, parseSelector, RunList, resolveSelectors, SelectorError } from "@guildts/select";
import type { CAC } from "cac";
import type { CommandBody } from "./command.js";
import { confirmRuns } from "./preview.js";
import { selectForCommand } from "./select-one.js";

/**
 * `guild runs export|import` (and the top-level `guild export|import`), over runstore's
 * transfer.ts: Guild 0.9.1's options, prompts and messages (spec §4.8, guild/commands/runs_impl.py).
 */

function events(): TransferEvents {
  const text = textFor(process.stderr);
  return {
    info: (m) => process.stderr.write(`${text(m)}\n`),
    warn: (m) => process.stderr.write(`${styleFor(process.stderr).yellow("WARNING:")} ${text(m)}\n`),
  };
}

function transferError(e: unknown): never {
  if (e instanceof TransferError || e instanceof StoreDirError) throw new CliError(e.message, EXIT.NO_MATCH);
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string" && typeof err.message === "string") throw new CliError(err.message, EXIT.FAULT);
  throw e;
}

/** Guild's second question for --copy-resources (asked after the runs are confirmed). */
function confirmCopyResources(copyResources: boolean, yes: boolean): void {
  if (!copyResources || yes) return;
  process.stderr.write("WARNING: You specified --copy-resources, which will copy resources used by each run.\n");
  if (!confirm("Really copy resources exported runs?")) throw declined();
}

const COPY_RESOURCES_WARNING =
  "By default, resources are NOT copied with each exported run, but their links are kept when they stay inside\n" +
  "the run (a link that leaves the run, such as a dependency link, is skipped with a warning). To copy what\n" +
  "the links point to, use --copy-resources. WARNING: Use --copy-resources with care as each exported run\n" +
  "will contain a separate copy of each resource!";

export const exportCommand: Pick<CommandBody, "usage" | "options" | "run" | "takesRuns" | "firstArg"> = {
  takesRuns: true,
  firstArg: "path",
  usage:
    "LOCATION [RUN...] [options]\n\nExport one or more runs.\n\n" +
    "LOCATION must be a writeable directory, or a file name ending .zip (runs are added to the zip).\n" +
    "By default, runs are copied to LOCATION. Use --move to move them instead (each source run goes to\n" +
    "the trash once its copy is whole).\n" +
    COPY_RESOURCES_WARNING +
    "\n\nIf no RUN is given, ':' is assumed (all runs matching the filters).",
  options: (cli: CAC) =>
    addRunOptions(cli)
      .option("-m, --move", "Move exported runs rather than copy")
      .option("-r, --copy-resources", "Copy resources for each exported run")
      .option("-y, --yes", "Do not prompt before exporting"),
  async run({ args, opts }) {
    const [location, ...specs] = args;
    if (location === undefined || location === "") throw new CliError("missing argument LOCATION", EXIT.USAGE);
    const o = runOptions(opts);
    if (o.deleted) throw new CliError("--deleted does not go with export", EXIT.USAGE);
    const runs = selectForCommand(o, specs, ":");
    if (runs.length === 0) {
      process.stderr.write("No runs to export.\n");
      return EXIT.OK;
    }
    const yes = opts.yes === true;
    const move = opts.move === true;
    const copyResources = opts.copyResources === true;
    confirmRuns(runs, {
      intro: `You are about to ${move ? "move" : "copy"} the following runs to '${location}':`,
      question: "Continue?",
      yes,
      refusal: `not exporting ${runs.length} run(s)`,
    });
    confirmCopyResources(copyResources, yes);
    const ev = events();
    let exported;
    try {
      exported = await exportRuns(
        runs.map((r) => ({ id: r.id, dir: r.dir })),
        location,
        {
          move,
          copyResources,
          events: ev,
          removeSource: (id) => {
            const r = markDeleted(o.home.path, id);
            if (!OK_OUTCOMES.has(r.outcome)) ev.warn(`${id} was exported but not moved to the trash: ${r.reason ?? r.outcome}`);
          },
        },
      );
    } catch (e) {
      transferError(e);
    }
    process.stderr.write(`Exported ${exported.length} run(s) to ${location}\n`);
    return EXIT.OK;
  },
};

/** The runs of an archive directory as records, for selection (unreadable ones skipped with a warning). */
function archiveRecords(dir: string): RunRecord[] {
  const out: RunRecord[] = [];
  for (const id of archiveRunIds(dir)) {
    try {
      out.push(buildRecord(id, path.join(dir, id), false, readRunFacts(path.join(dir, id))).record);
    } catch (e) {
      if (!(e instanceof NotARunError)) say("guild", `warning: skipped '${path.join(dir, id)}': ${(e as Error).message}`);
    }
  }
  return out;
}

export const importCommand: Pick<CommandBody, "usage" | "options" | "run" | "takesRuns" | "firstArg"> = {
  // Its RUNs are the archive's, not the home's: completion offers none.
  takesRuns: false,
  firstArg: "path",
  usage:
    "ARCHIVE [RUN...] [options]\n\nImport one or more runs from ARCHIVE.\n\n" +
    "ARCHIVE must be a directory that contains exported runs, or a .zip made by 'guild export' (or by Guild).\n" +
    "Archives can be created using 'guild export'. A run whose id is already in the home is skipped, never\n" +
    "overwritten. A zip with an entry outside its run (.., an absolute name, a link that leaves the run) is\n" +
    "refused whole before anything is written.\n" +
    COPY_RESOURCES_WARNING.replaceAll("exported", "imported") +
    "\n\nIf no RUN is given, ':' is assumed (all runs in ARCHIVE matching the filters).",
  options: (cli: CAC) =>
    addRunOptions(cli)
      .option("-m, --move", "Move imported runs rather than copy")
      .option("--copy-resources", "Copy resources for each imported run")
      .option("-y, --yes", "Do not prompt before importing"),
  async run({ args, opts }) {
    const [archive, ...specs] = args;
    if (archive === undefined || archive === "") throw new CliError("missing argument ARCHIVE", EXIT.USAGE);
    const o = runOptions(opts);
    if (o.deleted) throw new CliError("--deleted does not go with import", EXIT.USAGE);
    const st = fs.statSync(archive, { throwIfNoEntry: false });
    if (!st) throw new CliError(`'${archive}' is not a valid archive - use a path to a directory or a zip file`, EXIT.NO_MATCH);
    const zip = isZipPath(archive) && st.isFile();
    const move = opts.move === true;
    if (zip && move) throw new CliError("'--move' cannot be used with zip archives", EXIT.USAGE);
    if (!zip && !st.isDirectory()) throw new CliError(`invalid archive ${archive} - expected a directory or a zip file`, EXIT.USAGE);
    const home = o.home.path;
    try {
      storeDir(home, "runs"); // a runs/ that is not a directory: refused before anything is read or written
    } catch (e) {
      transferError(e);
    }
    let staging: string | null = null;
    try {
      let dir = archive;
      if (zip) {
        try {
          staging = await unpackZip(archive, home);
        } catch (e) {
          transferError(e);
        }
        dir = staging;
      }
      let runs: RunRecord[];
      try {
        const matches = compileFilter(o.filter, o.env);
        const view = archiveRecords(dir).filter(matches).sort(compareRuns);
        runs = resolveSelectors(new RunList(view, view.length), (specs.length ? specs : [":"]).map(parseSelector));
      } catch (e) {
        if (e instanceof SelectorError) throw selectorCliError(e);
        throw e;
      }
      if (runs.length === 0) {
        process.stderr.write("No runs to import.\n");
        return EXIT.OK;
      }
      const yes = opts.yes === true;
      const copyResources = opts.copyResources === true;
      confirmRuns(runs, {
        intro: `You are about to import (${move ? "move" : "copy"}) the following runs from '${archive}':`,
        question: "Continue?",
        yes,
        refusal: `not importing ${runs.length} run(s)`,
      });
      confirmCopyResources(copyResources, yes);
      let imported: string[];
      try {
        imported = importRuns(
          runs.map((r) => ({ id: r.id, dir: r.dir })),
          home,
          { move, copyResources, events: events(), staged: staging !== null },
        );
      } catch (e) {
        transferError(e);
      }
      process.stderr.write(`Imported ${imported.length} run(s) from ${archive}\n`);
      return EXIT.OK;
    } finally {
      if (staging) removeTree(staging);
    }
  },
};
