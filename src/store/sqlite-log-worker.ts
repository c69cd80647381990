/**
 * The worker side of sqlite-log-thread.ts: its own connection to the store's file, writing request-log
 * batches so the B-tree and WAL work happens off the event loop. It may wait for another process's
 * write lock (busy_timeout) without stalling anything: no request runs on this thread.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { rowFromWire, type WireRow } from './request-row-wire.ts';
import { prepareRequestLogStatements, writeRequests } from './sqlite-request-log.ts';

const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };

/**
 * This thread's nice value: when it shares a CPU with the event loop (one core, or a gateway pinned to
 * one), a batch must not delay the requests that arrive while it is written. At +5 the scheduler lets a
 * waking event loop run first, while under full load the thread still gets about a quarter of a shared
 * CPU, several times what the log needs. Linux only: a thread is niced through its thread id.
 */
const WRITER_NICE = 5;

function lowerThisThreadsPriority(): void {
  try {
    // `/proc/thread-self` → `<pid>/task/<tid>`; read once at start-up, before any request is written.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, WRITER_NICE);
  } catch {
    // Not Linux, or not permitted: the thread keeps the process's priority, which is only less kind.
  }
}

lowerThisThreadsPriority();
const db = new DatabaseSync(path);
db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
db.exec('PRAGMA synchronous = NORMAL');
const statements = prepareRequestLogStatements(db);

parentPort?.on('message', (message: { id: number; rows: WireRow[] }) => {
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      writeRequests(statements, message.rows.map(rowFromWire));
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
    parentPort?.postMessage({ id: message.id });
  } catch (error) {
    parentPort?.postMessage({
      id: message.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
