/**
 * `--workers N`: one primary that only supervises, N workers that each run the whole gateway on the
 * shared port (node:cluster hands connections out round-robin). Signals go to the primary, which
 * passes SIGTERM/SIGINT (drain) and SIGHUP (reload) on to every worker. A worker that dies
 * unexpectedly is replaced, with a pause so a crash loop cannot spin the CPU; a worker that exits before
 * it ever listened (the port is taken, say) would fail the same way again, so that stops them all.
 * The primary also answers workers' /metrics scrapes with the sum over all workers (cluster-metrics.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import { answerClusterScrapes } from './cluster-metrics.ts';
import type { CliIo } from './io.ts';

const RESPAWN_DELAY_MS = 1000;
const START_FAILED = 'switchyard:start-failed';

/**
 * In a worker that could not start: give the primary the one line to print (every worker fails alike,
 * so the primary prints it once), then close the channel so the worker can exit.
 */
export function reportStartFailure(line: string): void {
  process.send?.({ type: START_FAILED, line }, undefined, {}, () => cluster.worker?.disconnect());
}

export function runPrimary(count: number, io: CliIo): Promise<number> {
  let stopping = false;
  let exitCode = 0;
  const workers = new Set<Worker>();
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of workers) worker.process.kill(signal);
    if (workers.size === 0) finish(exitCode);
  };
  const fork = () => {
    const worker = cluster.fork();
    let listened = false;
    workers.add(worker);
    worker.once('listening', () => {
      listened = true;
    });
    worker.on('message', (message: { type?: string; line?: string } | null) => {
      if (message?.type !== START_FAILED || stopping) return;
      io.stderr.write(`${message.line}\n`);
      exitCode = 1;
      stopAll('SIGTERM');
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) {
        if (workers.size === 0) finish(exitCode);
        return;
      }
      if (!listened) {
        io.stderr.write(
          `worker ${worker.process.pid} exited (${signal ?? code}) before it could serve; stopping\n`,
        );
        exitCode = 1;
        stopAll('SIGTERM');
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
    if (signal !== 'SIGHUP') {
      stopAll(signal);
      return;
    }
    for (const worker of workers) worker.process.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  process.on('SIGHUP', forward);
  answerClusterScrapes();
  for (let i = 0; i < count; i++) fork();
  io.stdout.write(`Switchyard primary ${process.pid} started ${count} workers\n`);
  return done;
}
