/**
 * The worker side of sqlite-log-thread.ts: its own connection to the store's file, writing request-log
 * batches so the B-tree and WAL work happens off the event loop. It may wait for another process's
 * write lock (busy_timeout) without stalling anything: no request runs on this thread.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { RequestRow } from './request-log.ts';
import { prepareRequestLogStatements, writeRequests } from './sqlite-request-log.ts';

const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };
const db = new DatabaseSync(path);
db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
db.exec('PRAGMA synchronous = NORMAL');
const statements = prepareRequestLogStatements(db);

parentPort?.on('message', (message: { id: number; rows: RequestRow[] }) => {
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      writeRequests(statements, message.rows);
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
