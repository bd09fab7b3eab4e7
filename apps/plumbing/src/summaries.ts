/**
 * Each plumbing program's one-line summary: its CommandDef's, and the porcelain's command table
 * (`guild --help` lists the programs) reads it from here without loading the programs' code.
 */
export const PLUMBING_SUMMARIES = {
  "guild-ls-runs": "Plumbing: list runs as lines or JSON records",
  "guild-rev-parse-run": "Plumbing: resolve selectors to full run ids",
  "guild-mark-deleted": "Plumbing: move runs to the trash by id",
  "guild-restore-deleted": "Plumbing: move runs back from the trash by id",
  "guild-purge-deleted": "Plumbing: remove deleted (or, --live, live) runs for good",
  "guild-stop-runs": "Plumbing: stop running runs by id (SIGTERM, then with --force SIGKILL)",
  "guild-update-attrs": "Plumbing: change labels, tags, marks and comments of runs from JSON records",
  "guild-fsck-runs": "Plumbing: check the store, one line or JSON object per problem",
} as const;
