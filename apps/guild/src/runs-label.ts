import { applyAttrChanges, ATTR_OK } from "@guildts/plumbing";
import { removeLabelPart, type RunRecord } from "@guildts/runstore";

/** Label arithmetic and the locked label write: `guild runs label` and the compare view's `L`. */

export type Action = { kind: "set"; value: string } | { kind: "append" | "prepend" | "remove"; value: string } | { kind: "clear" };

/** The label a run gets from an action (null: no label attr). */
export function newLabel(old: string | null, a: Action): string | null {
  const cur = (old ?? "").trim();
  switch (a.kind) {
    case "set":
      return a.value;
    case "clear":
      return null;
    case "append":
      return cur ? `${cur} ${a.value}` : a.value;
    case "prepend":
      return cur ? `${a.value} ${cur}` : a.value;
    case "remove": {
      // Guild: split at the whole space-delimited occurrences of VAL, rejoin the rest. (Guild
      // does not escape VAL in its regex; here it is literal.)
      const v = a.value.trim();
      return v ? removeLabelPart(cur, v) : cur;
    }
  }
}

/** Guild's preview line for each action. */
export function labelIntro(a: Action): string {
  switch (a.kind) {
    case "set":
      return `You are about to label the following runs with '${a.value}':`;
    case "prepend":
    case "append":
      return `You are about to ${a.kind} '${a.value}' to the label of the following runs:`;
    case "remove":
      return `You are about to remove '${a.value}' from the label of the following runs:`;
    case "clear":
      return "You are about to clear the label of the following runs:";
  }
}

/**
 * Changes the label attr of a run through guild-update-attrs' function: `change` gets the label
 * on disk NOW (not the one listed), under the run's lock, so concurrent label changes never lose
 * one. Written atomically as Guild encodes it; null removes it. Throws with the reason when the
 * run could not be changed.
 */
export function applyLabel(home: string, r: RunRecord, change: (old: string | null) => string | null, readOld = false): void {
  const [result] = applyAttrChanges(
    home,
    [{ id: r.id, deleted: r.deleted, change: readOld ? { editLabel: change } : { label: change(null) } }],
    () => {},
  );
  if (result && !ATTR_OK.has(result.outcome)) throw new Error(result.reason ?? result.outcome);
}
