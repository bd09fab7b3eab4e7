/** The porcelain's command tree: names, aliases and options, for dispatch, help and completion. */
export interface CommandSpec {
  name: string;
  aliases?: string[];
  summary: string;
  /** Whether the command's positional arguments are runs (for completion). */
  takesRuns?: boolean;
}

export const RUN_OPTIONS = [
  "-H",
  "--home",
  "-a",
  "--all",
  "-o",
  "--op",
  "-l",
  "--label",
  "-u",
  "--unlabeled",
  "-t",
  "--tag",
  "-M",
  "--marked",
  "-N",
  "--unmarked",
  "-R",
  "--running",
  "-C",
  "--completed",
  "-E",
  "--error",
  "-T",
  "--terminated",
  "-P",
  "--pending",
  "-G",
  "--staged",
  "--deleted",
  "--help",
];

export const RUNS_SUBCOMMANDS: (CommandSpec & { options: string[] })[] = [
  {
    name: "list",
    summary: "List runs (the default of `guild runs`)",
    options: ["-m", "--more", "-n", "--limit", "-L", "--unlimited", "--json"],
  },
  { name: "info", summary: "Show a run's fields, flags and scalars", takesRuns: true, options: ["--json"] },
  {
    name: "label",
    summary: "Set, change or clear run labels",
    takesRuns: true,
    options: ["--set", "--append", "--prepend", "--remove", "-c", "--clear", "-y", "--yes"],
  },
  {
    name: "delete",
    aliases: ["rm"],
    summary: "Delete runs (to the trash; -p: for good)",
    takesRuns: true,
    options: ["-p", "--permanent", "-y", "--yes", "--dry-run"],
  },
  { name: "rm", summary: "Same as delete", takesRuns: true, options: ["-p", "--permanent", "-y", "--yes", "--dry-run"] },
  { name: "restore", summary: "Restore deleted runs from the trash", takesRuns: true, options: ["-y", "--yes", "--dry-run"] },
  { name: "purge", summary: "Permanently delete deleted runs", takesRuns: true, options: ["-y", "--yes", "--dry-run"] },
];

export const TOP_COMMANDS: CommandSpec[] = [
  { name: "run", summary: "Start a run: guild run [MODEL:]OPERATION [FLAG=VALUE...]" },
  { name: "train", summary: "Run a model's train operation (alias of the runs guide)" },
  { name: "operations", aliases: ["ops"], summary: "List the operations of the guild file in the cwd" },
  { name: "runs", summary: "List and manage runs (list, info, label, delete, restore, purge)" },
  { name: "label", summary: "Label runs (same as `guild runs label`)", takesRuns: true },
  { name: "compare", summary: "Compare runs: --table, --csv, --json", takesRuns: true },
  { name: "check", summary: "Show the version and home, and check the store for problems (--repair)" },
  { name: "completion", summary: "Print a shell completion script (bash, zsh, fish)" },
  { name: "help", summary: "Show help for a command" },
  { name: "ls-runs", summary: "Plumbing: list runs as lines or JSON records" },
  { name: "rev-parse-run", summary: "Plumbing: resolve selectors to full run ids" },
  { name: "mark-deleted", summary: "Plumbing: move runs to the trash by id" },
  { name: "restore-deleted", summary: "Plumbing: move runs back from the trash by id" },
  { name: "purge-deleted", summary: "Plumbing: remove deleted (or, --live, live) runs for good" },
  { name: "fsck-runs", summary: "Plumbing: check the store, one line or JSON object per problem" },
];

/** Edit distance with adjacent transpositions (optimal string alignment), for "did you mean". */
export function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest name, if it is close enough to be a plausible typo (or a prefix). */
export function closest(word: string, names: string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const n of names) {
    const dist = n.startsWith(word) ? 0.5 : distance(word, n);
    if (dist < bestD) {
      bestD = dist;
      best = n;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}
