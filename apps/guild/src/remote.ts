import { CliError, EXIT, formatBytes, LineWriter, runsTable, styleFor, terminalWidth, textFor } from "@guildts/format";
import { remoteCliError, remoteOption, say as sayFormat, selectRemoteRuns, type RunOptions } from "@guildts/plumbing";
import {
  listRemoteRuns,
  pullRuns,
  pushRuns,
  remoteGuild,
  remoteLifecycle,
  type RemoteLifecycle,
  type RunOutcome,
  type SshRemote,
} from "@guildts/remote";
import { formatOpRef, type RunRecord } from "@guildts/runstore";
import { confirmRuns } from "./preview.js";
import { userConfig } from "./user-config.js";

/**
 * The porcelain's side of remotes (`-r/--remote`, push, pull): it resolves the remote, lists and
 * selects there, asks here, and hands the work to libs/remote. Errors are one line naming the
 * remote (and the run).
 */

export function remoteOf(opts: Record<string, unknown>, o: RunOptions): SshRemote {
  return remoteOption(opts.remote, o.home.path);
}

/** The remote's runs for the options' filter (deleted ones with `deleted`). */
export function remoteList(remote: SshRemote, o: RunOptions, deleted = o.deleted): RunRecord[] {
  try {
    return listRemoteRuns(remote, o.filter, { deleted }).runs;
  } catch (e) {
    throw remoteCliError(e);
  }
}

export async function guarded<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw remoteCliError(e);
  }
}

/** `guild runs list -r R`: the remote's runs in the same table. */
export function printRemoteTable(runs: readonly RunRecord[], o: RunOptions, simplified = false): void {
  const out = new LineWriter();
  for (const line of runsTable(runs, {
    cwd: process.cwd(),
    style: styleFor(process.stdout, process.env, userConfig(o.home.path).color),
    text: textFor(process.stdout),
    simplified,
    width: terminalWidth(process.stdout),
  }))
    out.line(line);
  out.flush();
}

const VERBS: Record<RemoteLifecycle, { intro: string; question: string; done: string; nothing: string; refusal: string }> = {
  delete: {
    intro: "You are about to delete the following runs on REMOTE:",
    question: "Delete these runs?",
    done: "Deleted",
    nothing: "Nothing to delete.",
    refusal: "not deleting",
  },
  "purge-live": {
    intro: "WARNING: You are about to permanently delete the following runs on REMOTE:",
    question: "Permanently delete these runs?",
    done: "Permanently deleted",
    nothing: "Nothing to delete.",
    refusal: "not deleting",
  },
  restore: {
    intro: "You are about to restore the following runs on REMOTE:",
    question: "Restore these runs?",
    done: "Restored",
    nothing: "Nothing to restore.",
    refusal: "not restoring",
  },
  purge: {
    intro: "WARNING: You are about to permanently delete the following runs on REMOTE:",
    question: "Permanently delete these runs?",
    done: "Purged",
    nothing: "Nothing to purge.",
    refusal: "not purging",
  },
};

/** `guild runs delete|restore|purge -r R [RUN...]`: selected from the remote's listing, confirmed here, done there. */
export async function remoteLifecycleCmd(
  action: RemoteLifecycle,
  args: string[],
  opts: Record<string, unknown>,
  o: RunOptions,
): Promise<number> {
  const remote = remoteOf(opts, o);
  const list = remoteList(remote, o, action === "restore" || action === "purge");
  const runs = selectRemoteRuns(list, args, ":");
  const verb = VERBS[action];
  if (runs.length === 0) {
    process.stderr.write(`${verb.nothing}\n`);
    return EXIT.OK;
  }
  confirmRuns(runs, {
    intro: verb.intro.replace("REMOTE", remote.name),
    question: verb.question,
    yes: opts.yes === true,
    refusal: `${verb.refusal} ${runs.length} run(s) on ${remote.name}`,
  });
  const status = await guarded(() =>
    remoteLifecycle(
      remote,
      action,
      runs.map((r) => r.id),
    ),
  );
  if (status !== 0 && status !== 1) throw new CliError(`remote ${remote.name}: ${action} failed (exit ${status})`, EXIT.FAULT);
  return status === 0 ? EXIT.OK : EXIT.NO_MATCH;
}

/** `guild runs label -r R ...`: the remote's own `guild runs label -y` on the runs selected here. */
export async function remoteLabelCmd(labelArgs: string[], args: string[], opts: Record<string, unknown>, o: RunOptions): Promise<number> {
  const remote = remoteOf(opts, o);
  const runs = selectRemoteRuns(remoteList(remote, o), args, "1");
  if (runs.length === 0) {
    process.stderr.write("No runs to modify.\n");
    return EXIT.OK;
  }
  confirmRuns(runs, {
    intro: `You are about to label the following runs on ${remote.name}:`,
    question: `Label ${runs.length} run(s)?`,
    yes: opts.yes === true,
    refusal: `not labeling ${runs.length} run(s) on ${remote.name}`,
  });
  const status = await guarded(() => remoteGuild(remote, ["runs", "label", "-y", ...labelArgs, "--", ...runs.map((r) => r.id)]));
  return status === 0 ? EXIT.OK : status === 1 ? EXIT.NO_MATCH : EXIT.FAULT;
}

/** `guild runs info -r R [RUN]`: the run selected from the remote's listing, shown by the remote's guild. */
export async function remoteInfoCmd(
  spec: string | undefined,
  json: boolean,
  opts: Record<string, unknown>,
  o: RunOptions,
): Promise<number> {
  const remote = remoteOf(opts, o);
  const runs = selectRemoteRuns(remoteList(remote, o), spec === undefined ? [] : [spec], "1");
  if (runs.length !== 1)
    throw new CliError(`'${spec ?? "1"}' selects ${runs.length} runs on ${remote.name}: this command takes one run`, EXIT.NO_MATCH);
  const status = await guarded(() => remoteGuild(remote, ["runs", "info", ...(json ? ["--json"] : []), "--", runs[0]!.id]));
  if (status !== 0) throw new CliError(`remote ${remote.name}: runs info of ${runs[0]!.id} failed (exit ${status})`, EXIT.FAULT);
  return EXIT.OK;
}

/** `guild push|pull R [RUN...]`. */
export async function transferCmd(
  dir: "push" | "pull",
  remoteName: string,
  specs: string[],
  opts: Record<string, unknown>,
  o: RunOptions,
  local: RunRecord[] | null,
): Promise<number> {
  const remote = remoteOption(remoteName, o.home.path);
  const runs = dir === "push" ? selectRemoteRuns(local ?? [], specs, ":") : selectRemoteRuns(remoteList(remote, o, false), specs, ":");
  const withDelete = opts.delete === true;
  if (runs.length === 0) {
    process.stderr.write("No runs to copy.\n");
    return EXIT.OK;
  }
  confirmRuns(runs, {
    intro: `You are about to copy (${dir}${withDelete ? " with delete" : ""}) the following runs ${dir === "push" ? "to" : "from"} ${remote.name}:`,
    question: "Continue?",
    yes: opts.yes === true,
    refusal: `not copying ${runs.length} run(s)`,
  });
  const tty = process.stderr.isTTY === true;
  const results: RunOutcome[] = [];
  const total = runs.length;
  const run = dir === "push" ? pushRuns : pullRuns;
  const verb = dir === "push" ? "Pushing" : "Pulling";
  // On a terminal, one line redrawn in place: runs done of all, bytes so far, the current run.
  let line = "";
  let moved = 0;
  let current = "";
  const draw = (text: string) => {
    line = text;
    process.stderr.write(`\r\x1b[K${text}`);
  };
  const clear = () => {
    if (line) process.stderr.write("\r\x1b[K");
    line = "";
  };
  const status = (extra: string) => `[${results.length}/${total} runs, ${formatBytes(moved)}] ${verb} ${current}${extra}`;
  await guarded(() =>
    run(
      remote,
      o.home.path,
      runs.map((r) => ({ id: r.id, status: r.status })),
      {
        delete: withDelete,
        force: opts.force === true,
        progress: tty,
        onStart: (id) => {
          current = id;
          if (tty) draw(status(""));
        },
        onProgress: (_id, bytes, percent) => {
          if (tty) draw(status(` ${formatBytes(bytes)} ${percent}%`));
        },
        onRun: (r) => {
          results.push(r);
          moved += r.bytes;
          if (tty) clear();
          if (r.outcome !== "copied" && r.outcome !== "up-to-date")
            sayFormat("guild", `${dir} ${remote.name}: run ${r.id}: ${r.message ?? r.outcome}`);
        },
      },
    ),
  );
  if (tty) clear();
  const n = (k: RunOutcome["outcome"]) => results.filter((r) => r.outcome === k).length;
  const bytes = results.reduce((s, r) => s + r.bytes, 0);
  const notCopied = total - n("copied") - n("up-to-date");
  process.stderr.write(
    `${dir === "push" ? "Pushed" : "Pulled"} ${n("copied")} run(s) ${dir === "push" ? "to" : "from"} ${remote.name} (${formatBytes(bytes)})` +
      (n("up-to-date") ? `, ${n("up-to-date")} up to date` : "") +
      (notCopied ? `, ${notCopied} not copied (see above)` : "") +
      "\n",
  );
  return n("failed") ? EXIT.FAULT : notCopied ? EXIT.NO_MATCH : EXIT.OK;
}

/** One element of `guild runs list -r R --json`: Guild's keys, from what the remote's listing gives. */
export function remoteRunJson(r: RunRecord): Record<string, unknown> {
  return {
    id: r.id,
    run_dir: r.dir,
    opref: r.opref ? formatOpRef(r.opref) : "",
    exit_status: r.exit_status,
    label: r.label,
    marked: r.marked,
    started: r.started,
    status: r.status,
    stopped: r.stopped,
    tags: r.tags,
  };
}
