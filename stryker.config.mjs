// StrykerJS 9 (the `command` runner), run by `npm run mutation` (scripts/mutation.mjs), which picks
// a group with GUILDTS_MUTATION_GROUP and runs it in a copy of the repository: Stryker mutates that
// copy in place (a sandbox would resolve the workspace packages back to the unmutated originals).
// Each group mutates a few files and runs only the tests that exercise them; scores go to
// bench/MUTATION.md.

/** group -> the package it rebuilds, the files it mutates, the tests that must kill the mutants. */
export const GROUPS = {
  select: {
    pkg: "libs/select",
    mutate: ["libs/select/src/selectors.ts", "libs/select/src/filters.ts", "libs/select/src/sort.ts"],
    tests: ["libs/select/dist/test/"],
  },
  store: {
    pkg: "libs/runstore",
    mutate: ["libs/runstore/src/status.ts", "libs/runstore/src/opref.ts"],
    tests: ["libs/runstore/dist/test/status.test.js", "libs/runstore/dist/test/opref.test.js"],
  },
  lifecycle: {
    pkg: "libs/runstore",
    mutate: ["libs/runstore/src/lifecycle.ts"],
    // The in-process tests: the commands' end-to-end ones (apps/plumbing/test/lifecycle.test.ts)
    // take 6 s a mutant.
    tests: ["libs/runstore/dist/test/lifecycle.test.js"],
  },
  table: {
    pkg: "libs/format",
    mutate: ["libs/format/src/runs-table.ts"],
    tests: ["libs/format/dist/test/"],
  },
};

const name = process.env.GUILDTS_MUTATION_GROUP ?? "select";
const group = GROUPS[name];
if (!group) throw new Error(`unknown mutation group '${name}' (one of ${Object.keys(GROUPS).join(", ")})`);

export default {
  testRunner: "command",
  // An incremental build could keep unmutated output: the build starts from no .tsbuildinfo.
  buildCommand: `node scripts/mutation-build.mjs ${group.pkg}`,
  commandRunner: { command: `node --test --test-concurrency=1 ${group.tests.join(" ")}` },
  mutate: group.mutate,
  inPlace: true,
  coverageAnalysis: "off",
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ["clear-text", "json"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { reportTests: false, reportMutants: true, logTests: false },
  ignorePatterns: ["bench/homes", "reports", ".turbo"],
  tempDirName: ".stryker-tmp",
};
