import fs from "node:fs";
import { planOfJob, type BackgroundJob } from "./background.js";
import { startRun } from "./run.js";

/**
 * The detached process behind `guild run --background`: reads its job (JSON) from stdin, starts
 * the run as a foreground `guild run -q` would, and removes its pidfile when the run ends.
 */
async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString("utf8")) as BackgroundJob;
  let status = 1;
  try {
    status = await startRun(planOfJob(job), job.run, { quiet: true });
  } finally {
    if (job.pidfile) {
      try {
        if (fs.readFileSync(job.pidfile, "utf8").trim() === String(process.pid)) fs.rmSync(job.pidfile, { force: true });
      } catch {
        // already gone
      }
    }
  }
  process.exitCode = status < 0 ? 256 + status : status;
}

main().catch((e: unknown) => {
  process.stderr.write(`guild: background run failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
