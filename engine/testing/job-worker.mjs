// A long-lived job runner process for the distributed sweep (job-pool.ts): it loads the built CLI
// (dist/pcq.mjs) once, then runs one job at a time, `main(args, io)` with the job's own working
// folder and environment, exactly the call a fresh `node dist/pcq.mjs …` makes after start-up. Only
// the loaded code is reused between jobs; every job still reads only its folder and the job files
// handed to it, and jobs of one order run in separate processes at the same time.
import { pathToFileURL } from 'node:url';

const cli = process.env.PCQ_JOB_WORKER_CLI;
if (cli === undefined || process.send === undefined) throw new Error('job-worker.mjs runs forked, with PCQ_JOB_WORKER_CLI naming dist/pcq.mjs');
const { main } = await import(pathToFileURL(cli).href);

let busy = false;
process.on('message', (message) => {
  const { id, cwd, args, env } = message;
  if (busy) {
    process.send({ id, code: 70, stdout: '', stderr: 'job-worker: a job arrived while another was running' });
    return;
  }
  busy = true;
  let stdout = '';
  let stderr = '';
  const io = { env, cwd, isTTY: false, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  main(args, io)
    .catch((err) => {
      stderr += err instanceof Error ? (err.stack ?? err.message) : String(err);
      return 70;
    })
    .then((code) => {
      busy = false;
      process.send({ id, code, stdout, stderr });
    });
});
process.send({ ready: true });
