import type { RunRecord, RunStatus } from "@guildts/runstore";
import { showInput } from "@guildts/runstore";

/** The run filters shared by every command (`guild-ls-runs`, `guild runs`, selection...). */
export interface RunFilter {
  /** Operation substrings (OR). A value starting with `^` or ending with `$` is a regex, as in Guild. */
  ops?: string[];
  /** Statuses to keep (OR); empty or absent keeps all. */
  statuses?: RunStatus[];
  /** Label substrings (OR, case-sensitive); `-` means "no label", as in Guild. */
  labels?: string[];
  /** Only runs without a label. */
  unlabeled?: boolean;
  /** Exact tags (OR). */
  tags?: string[];
  /** Only marked runs. */
  marked?: boolean;
  /** Only unmarked runs. */
  unmarked?: boolean;
  /** Only the trials of this batch run (an id or unique id prefix; resolved by runView). */
  batch?: string;
}

export class FilterError extends Error {
  override name = "FilterError";
}

function opMatcher(value: string): (operation: string) => boolean {
  if (value.startsWith("^") || value.endsWith("$")) {
    const invalid = (e: unknown) =>
      new FilterError(`invalid operation pattern '${showInput(value)}': ${showInput((e as Error).message, 400)}`);
    let re: RegExp;
    try {
      re = new RegExp(value);
      // V8 compiles a pattern on first use, once for one-byte and once for two-byte subjects, and
      // only then finds some errors ("Regular expression too large"): compile both now.
      re.test("");
      re.test("\u0100");
    } catch (e) {
      throw invalid(e);
    }
    return (op) => {
      try {
        return re.test(op);
      } catch (e) {
        throw invalid(e);
      }
    };
  }
  return (op) => op.includes(value);
}

function strippedLabel(r: RunRecord): string {
  return (r.label ?? "").trim();
}

/**
 * Compiles a filter into one predicate (checked once, applied to many runs). Throws FilterError
 * for a filter that cannot work (a bad regex, `--label` with `--unlabeled`).
 */
export function compileFilter(f: RunFilter): (r: RunRecord) => boolean {
  const tests: ((r: RunRecord) => boolean)[] = [];
  if (f.labels?.length && f.unlabeled) throw new FilterError("--label and --unlabeled cannot both be used");
  if (f.marked && f.unmarked) throw new FilterError("--marked and --unmarked cannot both be used");
  if (f.statuses?.length) {
    const set = new Set<string>(f.statuses);
    tests.push((r) => set.has(r.status));
  }
  if (f.ops?.length) {
    const ms = f.ops.map(opMatcher);
    tests.push((r) => r.operation !== null && ms.some((m) => m(r.operation!)));
  }
  if (f.labels?.length) {
    const labels = f.labels;
    tests.push((r) => {
      const label = strippedLabel(r);
      return labels.some((l) => (l === "-" ? label === "" : label.includes(l)));
    });
  }
  if (f.unlabeled) tests.push((r) => strippedLabel(r) === "");
  if (f.tags?.length) {
    const tags = f.tags;
    tests.push((r) => tags.some((t) => r.tags.includes(t)));
  }
  if (f.marked) tests.push((r) => r.marked);
  if (f.unmarked) tests.push((r) => !r.marked);
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (r) => tests.every((t) => t(r));
}

export function isEmptyFilter(f: RunFilter): boolean {
  return !(f.ops?.length || f.statuses?.length || f.labels?.length || f.unlabeled || f.tags?.length || f.marked || f.unmarked || f.batch);
}
