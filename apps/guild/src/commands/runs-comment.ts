import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  alignColumns,
  CliError,
  EXIT,
  eachLine,
  formatTimestamp,
  LineWriter,
  opCell,
  statusCell,
  styleFor,
  textFor,
} from "@guildts/format";
import { addRunOptions, readRawAttr, runOptions } from "@guildts/plumbing";
import { commentAuthor, shlexSplit, type AttrValue, type RunRecord } from "@guildts/runstore";
import type { CommandBody } from "../command.js";
import { changeRuns, checkIncompatible, selectForChange } from "../annotate.js";
import { confirmRuns } from "../preview.js";
import { selectForCommand } from "../select-one.js";

/** click's wrap_text(preserve_paragraphs) as Guild's formatter writes a comment: width 78. */
function wrapParagraphs(text: string, indent: string, width = 78): string[] {
  const out: string[] = [];
  const paragraphs = text.split(/\n[ \t]*\n/);
  paragraphs.forEach((p, i) => {
    if (i > 0) out.push("");
    const words = p.split(/\s+/).filter(Boolean);
    let line = "";
    for (const w of words) {
      if (line && indent.length + line.length + 1 + w.length > width) {
        out.push(indent + line);
        line = w;
      } else line = line ? `${line} ${w}` : w;
    }
    if (line) out.push(indent + line);
  });
  return out;
}

function text(v: AttrValue | undefined): string {
  return v === undefined || v === null ? "" : String(v);
}

/** `comment -l` (Guild's `_list_runs_comments`): each run's row, then its comments. */
function listComments(runs: readonly RunRecord[]): void {
  const safe = textFor(process.stdout);
  const yellow = styleFor(process.stdout).yellow;
  const rows = runs.map((r) => [
    safe(r.id.slice(0, 8)),
    opCell(r, { cwd: process.cwd(), text: safe }),
    formatTimestamp(r.started),
    statusCell(r, safe),
    safe(r.label ?? ""),
  ]);
  const lines = alignColumns(rows);
  const out = new LineWriter();
  runs.forEach((r, i) => {
    out.line(yellow(lines[i]!));
    const comments = readRawAttr(r, "comments");
    if (!Array.isArray(comments) || comments.length === 0) {
      out.line("  <no comments>");
      return;
    }
    comments.forEach((c, n) => {
      const m = (c !== null && typeof c === "object" && !Array.isArray(c) ? c : {}) as Record<string, AttrValue>;
      const user = text(m.user);
      const host = text(m.host);
      const time = typeof m.time === "number" ? formatTimestamp(m.time) : text(m.time);
      out.line(eachLine(`[${n + 1}] ${host ? `${user}@${host}` : user} ${time}`, safe));
      out.line("");
      for (const l of wrapParagraphs(text(m.body), "  ")) out.line(eachLine(l, safe));
      out.line("");
    });
  });
  out.flush();
}

/** The editor Guild uses: $VISUAL, $EDITOR, else /usr/bin/editor (an argv, never a shell). */
function editorArgv(): string[] {
  for (const name of ["VISUAL", "EDITOR"]) {
    const v = process.env[name];
    if (v) {
      try {
        const argv = shlexSplit(v);
        if (argv.length) return argv;
      } catch {
        throw new CliError(`cannot read $${name} '${v}' as a command`, EXIT.USAGE);
      }
    }
  }
  if (fs.existsSync("/usr/bin/editor")) return ["/usr/bin/editor"];
  throw new CliError("no editor: set $VISUAL or $EDITOR, or give the comment with -a", EXIT.USAGE);
}

/** Guild's `_get_comment_with_editor`: a template (lines starting `#` dropped), edited in place. */
function commentWithEditor(initial: string, runs: readonly RunRecord[]): string {
  const rows = runs.map((r, i) => [
    `[${i + 1}]`,
    opCell(r, { cwd: process.cwd() }),
    formatTimestamp(r.started),
    statusCell(r),
    r.label ?? "",
  ]);
  const table = alignColumns(rows, { indent: "  " }).map((l) => l.trim());
  const template = [
    initial,
    "# Type a comment for the runs below. Lines starting with '#' are ",
    "# ignored. An empty comment aborts the command.",
    "#",
    "# Runs:",
    ...table.map((l) => `#  ${l}`),
  ].join("\n");
  const argv = editorArgv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guild-comment-"));
  const file = path.join(dir, "comment.GUILD_COMMENT");
  try {
    fs.writeFileSync(file, template, { mode: 0o600 });
    const r = spawnSync(argv[0]!, [...argv.slice(1), file], { stdio: "inherit" });
    if (r.error) throw new CliError(`cannot run the editor '${argv[0]}': ${r.error.message}`, EXIT.FAULT);
    if (r.status !== 0)
      throw new CliError(`the editor '${argv[0]}' exited with status ${r.status ?? r.signal}: no comment added`, EXIT.NO_MATCH);
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `guild runs comment` (Guild 0.9's, spec §4.6): add, list, delete or clear run comments. */
export const runsComment: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN...] [options]\n\nAdd a comment to runs (default: the latest run, 1): -a TEXT, or typed in $VISUAL/$EDITOR\n" +
    "(without -a, or with -e). -l lists the comments, -d N deletes the N-th, -c deletes all.\n" +
    "Comments are stored as Guild stores them ({body, host, time, user}). Asks for confirmation\n" +
    "(default: no) except after an edit; -y skips it. -a, -l and -u are Guild's (--add, --list,\n" +
    "--user): the scope and label filters are --all, --label and --unlabeled here.",
  examples: [
    "guild runs comment 1 -a 'Best so far.' -y  # comment the latest run",
    "guild runs comment -l fcc97919             # list a run's comments",
    "guild runs comment 2 -d 1 -y               # delete the first comment of run 2",
  ],
  options: (cli) =>
    addRunOptions(cli, ["a", "l", "u"])
      .option("-l, --list", "List the comments of the runs")
      .option("-a, --add <comment>", "Add COMMENT")
      .option("-e, --edit", "Type the comment in an editor ($VISUAL, $EDITOR; the default without --add)")
      .option("-d, --delete <index>", "Delete the comment at INDEX (see --list)")
      .option("-c, --clear", "Delete every comment of the runs")
      .option("-u, --user <user>", "The comment's author, USER[@HOST] (default: the current user and host)")
      .option("-y, --yes", "Do not ask for confirmation"),
  run({ args, opts }) {
    checkIncompatible(opts, [
      ["list", "add"],
      ["list", "delete"],
      ["list", "clear"],
      ["add", "delete"],
      ["add", "clear"],
      ["edit", "delete"],
      ["edit", "clear"],
      ["delete", "clear"],
    ]);
    if (Array.isArray(opts.add)) throw new CliError("--add may be given once", EXIT.USAGE);
    if (opts.add === true) throw new CliError("--add needs a value", EXIT.USAGE);
    const o = runOptions(opts);
    if (opts.list) {
      listComments(selectForCommand(o, args, "1"));
      return EXIT.OK;
    }
    let index: number | undefined;
    if (opts.delete !== undefined) {
      const s = String(opts.delete);
      if (!/^\d+$/.test(s)) throw new CliError(`invalid value for '-d' / '--delete': '${s}' is not a valid integer`, EXIT.USAGE);
      index = Number(s);
    }
    const runs = selectForChange(o, args, "1");
    if (runs.length === 0) {
      process.stderr.write("No runs to modify.\n");
      return EXIT.OK;
    }
    const yes = opts.yes === true;
    if (index !== undefined) {
      confirmRuns(runs, {
        intro: `You are about to delete comment ${index} from the following runs:`,
        question: "Continue?",
        yes,
        refusal: "not deleting comments",
      });
      const { done, failed } = changeRuns(o, runs, { deleteComment: index }, "change the comments of");
      process.stderr.write(`Deleted comment for ${done} run(s)\n`);
      return failed ? EXIT.NO_MATCH : EXIT.OK;
    }
    if (opts.clear) {
      confirmRuns(runs, {
        intro: "WARNING: You are about to delete ALL comments from the following runs:",
        warn: true,
        question: "Continue?",
        yes,
        refusal: "not deleting comments",
      });
      const { done, failed } = changeRuns(o, runs, { clearComments: true }, "change the comments of");
      process.stderr.write(`Deleted all comments for ${done} run(s)\n`);
      return failed ? EXIT.NO_MATCH : EXIT.OK;
    }
    const given = opts.add === undefined ? undefined : String(opts.add);
    const edited = given === undefined || opts.edit === true;
    const body = (edited ? commentWithEditor(given ?? "", runs) : given!).trim();
    if (!body) {
      process.stderr.write("Aborting due to an empty comment.\n");
      return EXIT.NO_MATCH;
    }
    // After an edit no prompt: the editor was the prompt (Guild).
    if (!edited)
      confirmRuns(runs, {
        intro: "You are about to add a comment to the following runs:",
        question: "Continue?",
        yes,
        refusal: "not adding a comment",
      });
    const who = commentAuthor(opts.user === undefined ? undefined : String(opts.user));
    const { done, failed } = changeRuns(o, runs, { comment: { body, user: who.user, host: who.host } }, "comment");
    process.stderr.write(`Added comment to ${done} run(s)\n`);
    return failed ? EXIT.NO_MATCH : EXIT.OK;
  },
};
