// The naive baseline of the listing benchmark: synchronously read opref, started, exit_status
// and label of every run and print one JSON line each. No YAML parser, no status rules: the
// least any listing must do.
import fs from "node:fs";
import path from "node:path";

const root = path.join(process.argv[2], "runs");
const read = (p) => {
  try {
    return fs.readFileSync(p, "utf8").trim();
  } catch {
    return null;
  }
};
const out = [];
for (const id of fs.readdirSync(root)) {
  const g = path.join(root, id, ".guild");
  const opref = read(path.join(g, "opref"));
  if (opref === null) continue;
  const a = path.join(g, "attrs");
  out.push(
    JSON.stringify({
      id,
      opref,
      started: read(path.join(a, "started")),
      exit_status: read(path.join(a, "exit_status")),
      label: read(path.join(a, "label")),
    }),
  );
}
process.stdout.write(out.join("\n") + "\n");
