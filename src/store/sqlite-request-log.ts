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
  type RequestRow,
  requestRollupValues,
  rollupsOf,
} from './request-log.ts';

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

function requestValues(row: RequestRow): SQLInputValue[] {
  return [
    row.requestId,
    row.timeMs,
    row.tenant,
    row.keyId,
    row.model,
    row.provider,
    row.upstreamModel,
    row.status,
    row.attempts,
    row.stream ? 1 : 0,
    row.cache,
    row.finishReason,
    row.promptTokens,
    row.completionTokens,
    row.cachedTokens,
    row.reasoningTokens,
    row.usageEstimated ? 1 : 0,
    row.costUsd,
    row.costEstimateUsd,
    row.latencyTotalMs,
    row.latencyGatewayMs,
    row.latencyNetworkMs,
    row.latencyInferenceMs,
    row.errorCode,
    JSON.stringify(row.detail),
  ];
}
