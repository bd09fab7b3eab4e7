// tinybench suites of the selector/scope core on synthetic in-memory records (no file system):
// scope + status filter + sort, and resolving `1`, `1:20`, `:`, an 8-char prefix and a full id.
// Targets at 1M records: a whole selection (scope + filter + sort + resolve 1:20) <= 500 ms;
// an 8-char prefix <= 1 ms once the sorted list exists.
import { Bench } from "tinybench";
import { resolveSelectors, runView, RunList } from "@guildts/select";
import { log, saveResults } from "./lib.mjs";

const sizes = (process.env.GUILDTS_BENCH_SELECT_SIZES ?? "1000,10000,100000,1000000").split(",").map(Number);

let seed = 42;
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const hex32 = () =>
  Array.from({ length: 4 }, () =>
    Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, "0"),
  ).join("");
const PROJECTS = ["/p/mnist/guild.yml", "/p/iris/guild.yml", "/q/other/guild.yml"];
const STATUSES = ["completed", "completed", "completed", "error", "terminated", "staged", "pending", "running"];

function records(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const pkg = PROJECTS[i % 3];
    out[i] = {
      id: hex32(),
      dir: "",
      deleted: false,
      opref: { type: "guildfile", pkg, version: "v", model: "m", op: "train" },
      operation: "m:train",
      status: STATUSES[Math.floor(rand() * STATUSES.length)],
      remote: null,
      pid: null,
      initialized: 1767225600000000 + Math.floor(rand() * 1e13),
      started: 1767225600000000 + Math.floor(rand() * 1e13),
      stopped: null,
      exit_status: 0,
      label: null,
      tags: [],
      marked: false,
      flags: {},
    };
  }
  return out;
}

const spec = { scope: { kind: "local", dir: "/p/mnist" }, filter: { statuses: ["completed", "error"] } };
const results = [];
for (const n of sizes) {
  const recs = records(n);
  const view = runView(recs, spec);
  const list = new RunList(view);
  const target = view[Math.floor(view.length / 2)];
  const prefix = target.id.slice(0, 8);
  list.withPrefix(prefix); // the prefix table exists from here on
  const bench = new Bench({ time: n >= 1e6 ? 2000 : 500, iterations: n >= 1e6 ? 5 : 20, warmupIterations: 2 });
  bench
    .add("scope + status filter + sort", () => runView(recs, spec))
    .add("whole selection: scope + filter + sort + resolve 1:20", () => resolveSelectors(runView(recs, spec), ["1:20"]))
    .add("resolve 1", () => resolveSelectors(list, ["1"]))
    .add("resolve 1:20", () => resolveSelectors(list, ["1:20"]))
    .add("resolve :", () => resolveSelectors(list, [":"]))
    .add("resolve 8-char prefix (first lookup: builds the prefix table)", () => new RunList(view).withPrefix(prefix))
    .add("resolve 8-char prefix", () => resolveSelectors(list, [prefix]))
    .add("resolve full id", () => resolveSelectors(list, [target.id]));
  await bench.run();
  for (const t of bench.tasks) {
    const r = t.result;
    const latency = r.latency ?? r;
    const mean = latency.mean;
    const p50 = latency.p50 ?? mean;
    results.push({ runs: n, task: t.name, meanMs: mean, medianMs: p50, samples: latency.samples?.length ?? latency.samplesCount ?? null });
    log(`${n.toLocaleString("en")} records: ${t.name}: median ${p50.toFixed(4)} ms`);
  }
}
saveResults("select", { rows: results });
