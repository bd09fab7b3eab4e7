import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { bundlePathDir, generateHome, hasTool, repoRoot, runCommand, tempDir, Tmux } from "@guildts/testkit";

/**
 * Completion as a user meets it: each shell in a real terminal (tmux), the script that
 * `guild completion SHELL` prints loaded the way the README says, Tab pressed, the screen read.
 * The home is gen-runs' seed 3 (the demo's): in projects/iris the scope holds three runs, whose
 * list order (newest first) is not their hex order.
 */
const SHELLS = {
  bash: {
    start: "bash --norc --noprofile",
    init: `PS1='$ '; bind 'set show-all-if-ambiguous on'; eval "$(guild completion bash)"`,
  },
  zsh: {
    start: "zsh -f",
    init: `PROMPT='$ '; autoload -Uz compinit && compinit -u; eval "$(guild completion zsh)"`,
  },
  fish: {
    start: "fish --no-config",
    init: "function fish_prompt; echo '$ '; end; set -g fish_autosuggestion_enabled 0; guild completion fish | source",
  },
} as const;

let home = "";
let project = "";
before(() => {
  home = generateHome({ runs: 12, deleted: 2, seed: 3 });
  // The quickstart example's guild file: a model, two operations, a flag with choices.
  project = path.join(tempDir("guildts-complete-"), "quickstart");
  fs.mkdirSync(project);
  fs.copyFileSync(path.join(repoRoot(), "examples", "quickstart", "guild.yml"), path.join(project, "guild.yml"));
});

for (const [shell, how] of Object.entries(SHELLS)) {
  const enabled = hasTool("tmux") && hasTool(shell);
  describe(`completion in ${shell} (tmux)`, { skip: !enabled && `needs tmux and ${shell}` }, () => {
    const term = new Tmux(`complete-${shell}`);
    before(async () => {
      const env = `PATH='${bundlePathDir()}:${process.env.PATH}' HOME='${path.dirname(project)}' TERM=xterm-256color GUILD_HOME='${home}' TZ=UTC`;
      // 70 columns: fish's pager shows one column (it fills columns top to bottom), bash one row.
      term.start(70, 40, project, `env -i ${env} ${how.start}`);
      term.keys(how.init, "Enter");
      term.keys("clear", "Enter");
      await term.waitFor(/^\$\s*$/, 30_000);
      term.keys("echo READY", "Enter");
      await term.waitFor(/^READY$/m, 30_000); // zsh's compinit is slow on a loaded machine
    });
    after(() => term.kill());

    /** Clears the screen, types `text` and Tab (and `more`), and waits for `pattern`. */
    const tab = async (text: string, pattern: RegExp, more: string[] = []): Promise<string> => {
      term.keys("C-u");
      term.keys("clear", "Enter");
      await term.waitFor(/^\$\s*$/, 20_000);
      term.keys(text, "Tab", ...more);
      return term.waitFor(pattern, 20_000);
    };

    test("guild run: the guild file's operations in its order, bare and as model:op; no file names", async () => {
      const screen = await tab("guild run ", /logreg:train/);
      assert.match(screen, /evaluate[\s\S]*train[\s\S]*logreg:evaluate[\s\S]*logreg:train/);
      assert.doesNotMatch(screen, /guild\.yml/, "operations, not the files of the cwd");
      await tab("guild run logreg:ev", /^\$ guild run logreg:evaluate$/m);
    });

    test("FLAG= names (no space after the =) and a flag's choices", async () => {
      await tab("guild run tr", /^\$ guild run train epochs=3$/m, ["ep", "Tab", "3"]);
      const choices = await tab("guild run train optimizer=", /adam/);
      assert.match(choices, /sgd[\s\S]*adam/, "the choices in the guild file's order");
      await tab("guild run train optimizer=a", /^\$ guild run train optimizer=adam$/m);
    });

    test("an option's closed set of values", async () => {
      await tab("guild run train --optimizer r", /^\$ guild run train --optimizer random$/m);
      // The operations of the runs in the listing: `-o` is a filter on them.
      await tab("guild runs -a -o sw", /^\$ guild runs -a -o sweep\.py$/m);
    });

    test("run ids of the scope, in list order; -a widens the scope", async () => {
      term.keys("C-u", `cd '${path.join(path.dirname(home), "projects", "iris")}'`, "Enter");
      const screen = await tab("guild runs info ", /b071c772/);
      assert.match(screen, /f4929d0f[\s\S]*99158d67[\s\S]*b071c772/, "newest first, not hex order");
      assert.doesNotMatch(screen, /4c84f4e1/, "a run of another project is not offered here");
      await tab("guild runs info -a 4c", /^\$ guild runs info -a 4c84f4e1$/m);
      term.keys("C-u", `cd '${project}'`, "Enter");
    });
  });
}

describe("guild __complete (what the scripts ask)", () => {
  const ask = (args: string[], cwd = project) => runCommand("guild", ["__complete", ...args], { cwd, env: { GUILD_HOME: home } }).stdout;

  const breaks = "\"'><=;|&(:";
  test("bash gets the part after its word breaks; zsh and fish the whole word, with descriptions", () => {
    assert.equal(ask(["bash", "guild run train optimizer=", breaks]), "nofiles\nsgd\nadam\n");
    assert.equal(ask(["bash", "guild run logreg:", breaks]), "files\nevaluate\ntrain\n");
    assert.equal(
      ask(["fish", "3", "guild", "run", "train", "optimizer="]),
      "nofiles\noptimizer=sgd\noptimizer=adam\n",
      "choices without descriptions",
    );
    assert.match(ask(["fish", "2", "guild", "run", "tr"]), /^files\ntrain\tTrain the classifier\n$/);
    assert.match(ask(["zsh", "3", "guild", "run", "train", "l"]), /^nofiles\nlr=\tlr=  -- Learning rate \(default 0\.1\)\n$/);
  });

  test("indexes and ids in list order within the scope; restore offers deleted runs", () => {
    const iris = path.join(path.dirname(home), "projects", "iris");
    assert.equal(ask(["bash", "guild runs info ", ""], iris), "nofiles\nf4929d0f\n99158d67\nb071c772\n");
    assert.equal(ask(["bash", "guild runs info 1", ""], iris), "nofiles\n1\n", "index 1 (no id starts with 1 here)");
    assert.equal(ask(["bash", "guild runs restore -a ", ""], iris), "nofiles\n1364d01f\n7660f45c\n");
    assert.equal(ask(["bash", "guild runs info -E ", ""], iris), "nofiles\n", "the typed filters apply: no failed run here");
    assert.equal(ask(["bash", "guild export ", ""], iris), "files\n", "export's LOCATION is a file name");
    assert.equal(
      ask(["bash", "guild run --start ", ""], iris),
      "nofiles\nf4929d0f\n99158d67\nb071c772\n",
      "an option whose value is a run",
    );
    assert.equal(ask(["bash", "guild run train --restart=9", breaks], iris), "nofiles\n99158d67\n", "--OPTION=VALUE");
  });

  test("closed sets of option values: -o the listing's operations, --min/--max the compare columns, -r the remotes", () => {
    const iris = path.join(path.dirname(home), "projects", "iris");
    assert.equal(ask(["bash", "guild runs -o ", ""], iris), "nofiles\nfinetune\ntrain\n", "the scope's operations, in list order");
    assert.equal(ask(["bash", "guild runs -a --op mnist:t", breaks], iris), "nofiles\ntrain\ntest\n", "-a widens the scope");
    assert.equal(
      ask(["bash", "guild compare --max ", ""], iris),
      "nofiles\nrun\noperation\nstarted\ntime\nstatus\nlabel\nc\nkernel\n",
      "the columns compare would show",
    );
    assert.equal(ask(["bash", "guild compare -a --min=l", breaks], iris), "nofiles\nlabel\nlr\n");
    const config = path.join(tempDir("guildts-complete-config-"), "config.yml");
    fs.writeFileSync(
      config,
      "remotes:\n  gpu:\n    type: ssh\n    host: gpu.example.com\n    description: The big box\n  lab:\n    type: ssh\n    host: lab\n",
    );
    const remotes = (args: string[]) =>
      runCommand("guild", ["__complete", ...args], { cwd: iris, env: { GUILD_HOME: home, GUILD_CONFIG: config } }).stdout;
    assert.equal(remotes(["bash", "guild runs -r ", ""]), "nofiles\ngpu\nlab\n");
    assert.equal(remotes(["fish", "3", "guild", "runs", "--remote", "g"]), "nofiles\ngpu\tThe big box\n");
  });

  test("guild train: the models with a train operation, then its flags", () => {
    assert.equal(ask(["bash", "guild train ", ""]), "nofiles\nlogreg\nepochs=\nlr=\noptimizer=\n");
    assert.equal(ask(["bash", "guild train logreg optimizer=", breaks]), "nofiles\nsgd\nadam\n");
  });
});
