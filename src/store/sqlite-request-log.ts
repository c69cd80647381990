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

/**
 * Rows per INSERT: a statement's fixed cost (node:sqlite's call and the result object it returns, SQLite's
 * prologue and halt) is paid once for this many rows. The rest of a batch goes in one row at a time.
 */
const ROWS_PER_INSERT = 10;

export interface RequestLogStatements {
  /** ROWS_PER_INSERT rows at once. */
  insertRequests: StatementSync;
  insertRequest: StatementSync;
  addRequestRollup: StatementSync;
  addAttemptRollup: StatementSync;
}

export function prepareRequestLogStatements(db: DatabaseSync): RequestLogStatements {
  const rowParameters = `(${REQUEST_COLUMNS.map(() => '?').join(', ')})`;
  const insert = `INSERT INTO request_log (${REQUEST_COLUMNS.join(', ')}) VALUES `;
  return {
    insertRequests: db.prepare(
      insert + Array.from({ length: ROWS_PER_INSERT }, () => rowParameters).join(', '),
    ),
    insertRequest: db.prepare(insert + rowParameters),
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
  const width = REQUEST_COLUMNS.length;
  let next = 0;
  if (rows.length >= ROWS_PER_INSERT) {
    const values = new Array<SQLInputValue>(width * ROWS_PER_INSERT);
    for (; next + ROWS_PER_INSERT <= rows.length; next += ROWS_PER_INSERT) {
      for (let i = 0; i < ROWS_PER_INSERT; i++)
        putRequestValues(values, i * width, rows[next + i] as RequestRow);
      statements.insertRequests.run(...values);
    }
  }
  const one = new Array<SQLInputValue>(width);
  for (; next < rows.length; next++) {
    putRequestValues(one, 0, rows[next] as RequestRow);
    statements.insertRequest.run(...one);
  }
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

/** Writes a row's column values into `into` from `at`. SQLite has no booleans and stores `detail` as JSON text. */
function putRequestValues(into: SQLInputValue[], at: number, row: RequestRow): void {
  const values = requestColumnValues(row);
  values[STREAM] = row.stream ? 1 : 0;
  values[USAGE_ESTIMATED] = row.usageEstimated ? 1 : 0;
  values[DETAIL] = JSON.stringify(row.detail);
  for (let i = 0; i < values.length; i++) into[at + i] = values[i] as SQLInputValue;
}
