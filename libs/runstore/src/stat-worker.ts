// Worker thread: stats paths of runs (see stamp.ts) straight into a shared buffer, taking
// chunks of runs from a shared counter, as the main thread does once it has loaded the run
// index. Stats are most of a warm listing's time: sharing them over the cores halves it.
import { workerData } from "node:worker_threads";
import { statChunks, type StatJob } from "./stamp.js";

const job = workerData as Omit<StatJob, "names"> & { joinedNames: string };
statChunks({ ...job, names: job.joinedNames.split("/") });
