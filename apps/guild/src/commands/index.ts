import { PLUMBING_SUMMARIES } from "@guildts/plumbing/summaries.js";
import type { CommandEntry } from "../command.js";

/**
 * Every porcelain command, one row each, in the order `guild --help` lists them (and the
 * unknown-command suggestion prefers): the words that call it, its group and summary, and its
 * module, loaded only when the command is used (so no command's code runs at start-up). To add a
 * command: one module in this folder exporting its CommandBody, and one row here.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "run",
    group: "main",
    summary: "Start a run: guild run [MODEL:]OPERATION [FLAG=VALUE...]",
    load: async () => (await import("./run.js")).run,
  },
  {
    name: "train",
    group: "main",
    summary: "Run a model's train operation (alias of the runs guide)",
    load: async () => (await import("./train.js")).train,
  },
  {
    name: "operations",
    aliases: ["ops"],
    group: "main",
    summary: "List the operations of the guild file in the cwd",
    load: async () => (await import("./operations.js")).operations,
  },
  {
    name: "runs list",
    aliases: ["runs ls"],
    group: "runs",
    groupDefault: true,
    summary: "List runs (the default of `guild runs`)",
    load: async () => (await import("./runs-list.js")).runsList,
  },
  {
    name: "runs info",
    group: "runs",
    summary: "Show a run's fields, flags and scalars",
    load: async () => (await import("./runs-info.js")).runsInfo,
  },
  {
    name: "runs label",
    group: "runs",
    summary: "Set, change or clear run labels",
    load: async () => (await import("./runs-label.js")).runsLabel,
  },
  {
    name: "runs tag",
    group: "runs",
    summary: "Add or remove run tags, or list the tags in use",
    load: async () => (await import("./runs-tag.js")).runsTag,
  },
  {
    name: "runs mark",
    group: "runs",
    summary: "Mark runs (marked runs win dependency resolution), or unmark them",
    load: async () => (await import("./runs-mark.js")).runsMark,
  },
  {
    name: "runs comment",
    group: "runs",
    summary: "Add, list, delete or clear run comments",
    load: async () => (await import("./runs-comment.js")).runsComment,
  },
  {
    name: "runs delete",
    aliases: ["runs rm"],
    group: "runs",
    summary: "Delete runs (to the trash; -p: for good)",
    load: async () => (await import("./runs-delete.js")).runsDelete,
  },
  {
    name: "runs restore",
    group: "runs",
    summary: "Restore deleted runs from the trash",
    load: async () => (await import("./runs-restore.js")).runsRestore,
  },
  {
    name: "runs purge",
    group: "runs",
    summary: "Permanently delete deleted runs",
    load: async () => (await import("./runs-purge.js")).runsPurge,
  },
  { name: "runs stop", group: "runs", summary: "Stop running runs", load: async () => (await import("./runs-stop.js")).runsStop },
  {
    name: "runs export",
    group: "runs",
    summary: "Export runs to a directory or a .zip",
    load: async () => (await import("./runs-export.js")).runsExport,
  },
  {
    name: "runs import",
    group: "runs",
    summary: "Import runs from a directory or a .zip",
    load: async () => (await import("./runs-import.js")).runsImport,
  },
  {
    name: "label",
    group: "main",
    summary: "Label runs (same as `guild runs label`)",
    load: async () => (await import("./label.js")).label,
  },
  { name: "tag", group: "main", summary: "Tag runs (same as `guild runs tag`)", load: async () => (await import("./tag.js")).tag },
  { name: "mark", group: "main", summary: "Mark runs (same as `guild runs mark`)", load: async () => (await import("./mark.js")).mark },
  {
    name: "comment",
    group: "main",
    summary: "Comment runs (same as `guild runs comment`)",
    load: async () => (await import("./comment.js")).comment,
  },
  {
    name: "stop",
    group: "main",
    summary: "Stop running runs (same as `guild runs stop`)",
    load: async () => (await import("./stop.js")).stop,
  },
  { name: "watch", group: "main", summary: "Watch a run's output until it ends", load: async () => (await import("./watch.js")).watch },
  {
    name: "view",
    group: "main",
    summary: "A web view of the runs: table, charts, compare, actions",
    load: async () => (await import("./view.js")).view,
  },
  {
    name: "export",
    group: "main",
    summary: "Export runs (same as `guild runs export`)",
    load: async () => (await import("./export.js")).exportRunsTop,
  },
  {
    name: "import",
    group: "main",
    summary: "Import runs (same as `guild runs import`)",
    load: async () => (await import("./import.js")).importRunsTop,
  },
  {
    name: "compare",
    group: "main",
    summary: "Compare runs: --table, --csv, --json",
    load: async () => (await import("./compare.js")).compare,
  },
  {
    name: "select",
    group: "main",
    summary: "Print the id of a run: the latest, or the best by a column (--min/--max)",
    load: async () => (await import("./select.js")).select,
  },
  {
    name: "cat",
    group: "main",
    summary: "Show a run file (-p PATH) or the run's output (--output)",
    load: async () => (await import("./cat.js")).cat,
  },
  { name: "ls", group: "main", summary: "List a run's files", load: async () => (await import("./ls.js")).ls },
  {
    name: "diff",
    aliases: ["runs diff"],
    group: "main",
    summary: "Diff two runs (flags, attrs, output, source code, files)",
    load: async () => (await import("./diff.js")).diff,
  },
  {
    name: "check",
    group: "main",
    summary: "Show the version and home, and check the store for problems (--repair)",
    load: async () => (await import("./check.js")).check,
  },
  {
    name: "completion",
    group: "main",
    summary: "Print a shell completion script (bash, zsh, fish)",
    load: async () => (await import("./completion.js")).completion,
  },
  { name: "help", group: "main", summary: "Show help for a command", load: async () => (await import("./help.js")).help },
  {
    name: "ls-runs",
    group: "plumbing",
    summary: PLUMBING_SUMMARIES["guild-ls-runs"],
    load: async () => (await import("./ls-runs.js")).lsRuns,
  },
  {
    name: "rev-parse-run",
    group: "plumbing",
    summary: PLUMBING_SUMMARIES["guild-rev-parse-run"],
    load: async () => (await import("./rev-parse-run.js")).revParseRun,
  },
  {
    name: "mark-deleted",
    group: "plumbing",
    summary: PLUMBING_SUMMARIES["guild-mark-deleted"],
    load: async () => (await import("./mark-deleted.js")).markDeleted,
  },
  {
    name: "restore-deleted",
    group: "plumbing",
    summary: PLUMBING_SUMMARIES["guild-restore-deleted"],
    load: async () => (await import("./restore-deleted.js")).restoreDeleted,
  },
  {
    name: "purge-deleted",
    group: "plumbing",
    summary: PLUMBING_SUMMARIES["guild-purge-deleted"],
    load: async () => (await import("./purge-deleted.js")).purgeDeleted,
  },
  {
    name: "stop-runs",
    group: "plumbing",
    summary: PLUMBING_SUMMARIES["guild-stop-runs"],
    load: async () => (await import("./stop-runs.js")).stopRuns,
  },
  {
    name: "update-attrs",
    group: "plumbing",
    summary: PLUMBING_SUMMARIES["guild-update-attrs"],
    load: async () => (await import("./update-attrs.js")).updateAttrs,
  },
  {
    name: "fsck-runs",
    group: "plumbing",
    summary: PLUMBING_SUMMARIES["guild-fsck-runs"],
    load: async () => (await import("./fsck-runs.js")).fsckRuns,
  },
  {
    name: "__complete",
    group: "main",
    hidden: true,
    summary: "Completion candidates for the word at CWORD",
    load: async () => (await import("./complete.js")).complete,
  },
];
