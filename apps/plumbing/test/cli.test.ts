import assert from "node:assert/strict";
import { test } from "node:test";
import { newCli, optionNames, parseArgs } from "../src/cli.js";

/** A command with the shapes of option the commands use: boolean, valued, repeatable. */
function cli() {
  return newCli("t").option("-y, --yes", "").option("--set <label>", "").option("-l, --label <text>", "").option("-q", "");
}
const parse = (...argv: string[]) => parseArgs(cli(), argv)!;

test("option values and arguments are kept exactly as typed (mri would make numbers of them)", () => {
  assert.deepEqual(parse("--set", "007").opts.set, "007");
  assert.deepEqual(parse("--set", "").opts.set, "");
  assert.deepEqual(parse("--set=1e3").opts.set, "1e3");
  assert.deepEqual(parse("-l", "1", "-l", "02").opts.label, ["1", "02"]);
  assert.deepEqual(parse("-ql", "0x10").opts.label, "0x10");
  assert.deepEqual(parse("-y", "007", "").args, ["007", ""]);
  assert.deepEqual(parse("01234567", "-y").args, ["01234567"]);
  assert.equal(parse("-y", "007").opts.yes, true);
});

test("arguments after -- are arguments, even when they look like options", () => {
  const p = parse("-y", "--", "1", "- x", "--set");
  assert.deepEqual(p.args, ["1", "- x", "--set"]);
  assert.equal(p.opts.set, undefined);
  assert.equal("--" in p.opts, false);
});

test("unknown options are usage errors naming the option", () => {
  assert.throws(() => parse("--bogus"), /unknown option '--bogus'/);
});

test("an unknown long option names the closest declared one, spelled as declared", () => {
  const c = () => newCli("t").option("--dry-run", "").option("--json", "").option("-l, --label <text>", "");
  assert.deepEqual(optionNames(c()), ["--dry-run", "--json", "-l", "--label", "--help"]);
  assert.throws(() => parseArgs(c(), ["--jsno"]), /^CliError: unknown option '--jsno' \(did you mean '--json'\?\)$/);
  assert.throws(() => parseArgs(c(), ["--dry"]), /did you mean '--dry-run'/);
  assert.throws(() => parseArgs(c(), ["--flags"]), /^CliError: unknown option '--flags'$/, "too far from every option: no guess");
  assert.throws(() => parseArgs(c(), ["-x"]), /^CliError: unknown option '-x'$/);
});
