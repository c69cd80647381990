/**
 * Writing request-log rows and their rollups into a SQLite connection: shared by the store's own
 * connection (sqlite.ts, for `:memory:` databases) and the log-writer thread (sqlite-log-thread.ts,
 * for files). The caller holds the write transaction.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import {
  ATTEMPT_ROLLUP_SUMS,
  attemptRollupValues,
  REQUEST_COLUMNS,
  REQUEST_ROLLUP_SUMS,
  requestColumnValues,
  type RequestRow,
  requestRollupValues,
  rollupsOf,
} from './request-log.ts';

const STREAM = REQUEST_COLUMNS.indexOf('stream');
const USAGE_ESTIMATED = REQUEST_COLUMNS.indexOf('usage_estimated');
const DETAIL = REQUEST_COLUMNS.indexOf('detail');

export interface RequestLogStatements {
  insertRequest: StatementSync;
  addRequestRollup: StatementSync;
  addAttemptRollup: StatementSync;
}

export function prepareRequestLogStatements(db: DatabaseSync): RequestLogStatements {
  return {
    insertRequest: db.prepare(
      `INSERT INTO request_log (${REQUEST_COLUMNS.join(', ')}) VALUES (${REQUEST_COLUMNS.map(() => '?').join(', ')})`,
    ),
    addRequestRollup: db.prepare(
      `INSERT INTO request_rollup (bucket_ms, bucket_start, provider, model, status_class, ${REQUEST_ROLLUP_SUMS.join(', ')})
       VALUES (?, ?, ?, ?, ?, ${REQUEST_ROLLUP_SUMS.map(() => '?').join(', ')})
       ON CONFLICT (bucket_ms, bucket_start, provider, model, status_class) DO UPDATE SET
       ${REQUEST_ROLLUP_SUMS.map((name) => `${name} = ${name} + excluded.${name}`).join(', ')}`,
    ),
    addAttemptRollup: db.prepare(
      `INSERT INTO attempt_rollup (bucket_ms, bucket_start, provider, outcome, ${ATTEMPT_ROLLUP_SUMS.join(', ')})
       VALUES (?, ?, ?, ?, ${ATTEMPT_ROLLUP_SUMS.map(() => '?').join(', ')})
       ON CONFLICT (bucket_ms, bucket_start, provider, outcome) DO UPDATE SET
       ${ATTEMPT_ROLLUP_SUMS.map((name) => `${name} = ${name} + excluded.${name}`).join(', ')}`,
    ),
  };
}

/** Inserts the rows and adds them into the rollups; call inside a write transaction. */
export function writeRequests(statements: RequestLogStatements, rows: readonly RequestRow[]): void {
  const rollups = rollupsOf(rows);
  for (const row of rows) statements.insertRequest.run(...requestValues(row));
  for (const r of rollups.requests)
    statements.addRequestRollup.run(
      r.bucketMs,
      r.bucketStart,
      r.provider,
      r.model,
      r.statusClass,
      ...requestRollupValues(r),
    );
  for (const r of rollups.attempts)
    statements.addAttemptRollup.run(
      r.bucketMs,
      r.bucketStart,
      r.provider,
      r.outcome,
      ...attemptRollupValues(r),
    );
}

/** SQLite has no booleans and stores `detail` as JSON text. */
function requestValues(row: RequestRow): SQLInputValue[] {
  const values = requestColumnValues(row);
  values[STREAM] = row.stream ? 1 : 0;
  values[USAGE_ESTIMATED] = row.usageEstimated ? 1 : 0;
  values[DETAIL] = JSON.stringify(row.detail);
  return values as SQLInputValue[];
}
