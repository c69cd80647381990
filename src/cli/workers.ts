/**
 * `--workers N`: one primary that only supervises, N workers that each run the whole gateway on the
 * shared port (node:cluster hands connections out round-robin). Signals go to the primary, which
 * passes SIGTERM/SIGINT (drain) and SIGHUP (reload) on to every worker. A worker that dies
 * unexpectedly is replaced, with a pause so a crash loop cannot spin the CPU.
 */
import cluster, { type Worker } from 'node:cluster';
import type { CliIo } from './io.ts';

const RESPAWN_DELAY_MS = 1000;

export function runPrimary(count: number, io: CliIo): Promise<number> {
  let stopping = false;
  const workers = new Set<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    workers.add(worker);
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) {
        if (workers.size === 0) finish(0);
        return;
      }
      io.stderr.write(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one\n`);
      setTimeout(fork, RESPAWN_DELAY_MS).unref();
    });
  };

  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const forward = (signal: NodeJS.Signals) => {
    if (signal !== 'SIGHUP') stopping = true;
    for (const worker of workers) worker.process.kill(signal);
    if (stopping && workers.size === 0) finish(0);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  process.on('SIGHUP', forward);
  for (let i = 0; i < count; i++) fork();
  io.stdout.write(`Switchyard primary ${process.pid} started ${count} workers\n`);
  return done;
}
