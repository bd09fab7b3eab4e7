import type { Command } from "../command.js";
import { cat } from "./cat.js";
import { check } from "./check.js";
import { comment } from "./comment.js";
import { compare } from "./compare.js";
import { exportRunsTop } from "./export.js";
import { complete } from "./complete.js";
import { completion } from "./completion.js";
import { diff } from "./diff.js";
import { fsckRuns } from "./fsck-runs.js";
import { help } from "./help.js";
import { importRunsTop } from "./import.js";
import { label } from "./label.js";
import { ls } from "./ls.js";
import { lsRuns } from "./ls-runs.js";
import { markDeleted } from "./mark-deleted.js";
import { mark } from "./mark.js";
import { operations } from "./operations.js";
import { purgeDeleted } from "./purge-deleted.js";
import { restoreDeleted } from "./restore-deleted.js";
import { revParseRun } from "./rev-parse-run.js";
import { run } from "./run.js";
import { runsComment } from "./runs-comment.js";
import { runsDelete } from "./runs-delete.js";
import { runsExport } from "./runs-export.js";
import { runsImport } from "./runs-import.js";
import { runsInfo } from "./runs-info.js";
import { runsLabel } from "./runs-label.js";
import { runsList } from "./runs-list.js";
import { runsMark } from "./runs-mark.js";
import { runsPurge } from "./runs-purge.js";
import { runsRestore } from "./runs-restore.js";
import { runsStop } from "./runs-stop.js";
import { runsTag } from "./runs-tag.js";
import { select } from "./select.js";
import { stopRuns } from "./stop-runs.js";
import { stop } from "./stop.js";
import { tag } from "./tag.js";
import { train } from "./train.js";
import { updateAttrs } from "./update-attrs.js";
import { watch } from "./watch.js";

/**
 * Every porcelain command, one line each, in the order `guild --help` lists them (and the
 * unknown-command suggestion prefers). To add a command: one module in this folder exporting a
 * Command, and one line here.
 */
export const COMMANDS: readonly Command[] = [
  run,
  train,
  operations,
  runsList,
  runsInfo,
  runsLabel,
  runsTag,
  runsMark,
  runsComment,
  runsDelete,
  runsRestore,
  runsPurge,
  runsStop,
  runsExport,
  runsImport,
  label,
  tag,
  mark,
  comment,
  stop,
  watch,
  exportRunsTop,
  importRunsTop,
  compare,
  select,
  cat,
  ls,
  diff,
  check,
  completion,
  help,
  lsRuns,
  revParseRun,
  markDeleted,
  restoreDeleted,
  purgeDeleted,
  stopRuns,
  updateAttrs,
  fsckRuns,
  complete,
];
