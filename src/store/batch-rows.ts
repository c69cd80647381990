/**
 * The batch tables' rows to records and back, shared by both dialects (sqlite-batches.ts,
 * postgres-batches.ts): column lists, row mappers, and the columns a patch may set.
 */
import type {
  BatchFileRecord,
  BatchJobRecord,
  BatchJobStatus,
  BatchLineRecord,
  FileQuery,
  ProviderBatchRecord,
} from './batch-types.ts';

type Row = Record<string, unknown>;

export const FILE_COLUMNS = 'id, tenant, purpose, filename, bytes, lines, created_at';
export const JOB_COLUMNS = `id, tenant, key_id, input_file_id, endpoint, completion_window, status, metadata,
  output_file_id, error_file_id, errors, created_at, in_progress_at, finalizing_at, completed_at, failed_at,
  cancelling_at, cancelled_at, expired_at, expires_at`;
/**
 * A line's columns, and its job's key (`key_id`), which the budgets and the request log need with every
 * line; read from the job by its primary key rather than copied into each line. Only for a select
 * from `batch_lines` itself, unaliased (the subquery names that table).
 */
export const LINE_COLUMNS = `id, job_id, tenant, line_no, custom_id, target, request, status, attempts,
  provider_batch_id, result, cost_usd,
  (SELECT key_id FROM batch_jobs WHERE batch_jobs.id = batch_lines.job_id) AS key_id`;
export const PB_COLUMNS = 'id, target, status, upstream_id, line_count, created_at, next_poll_at, polls';

/** A JSON column: text on SQLite, already parsed (jsonb) on PostgreSQL. */
function fromJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** Job fields → columns, for updateJob; JSON fields are serialized. */
const JOB_FIELDS: Record<string, string> = {
  status: 'status',
  outputFileId: 'output_file_id',
  errorFileId: 'error_file_id',
  errors: 'errors',
  inProgressAt: 'in_progress_at',
  finalizingAt: 'finalizing_at',
  completedAt: 'completed_at',
  failedAt: 'failed_at',
  cancellingAt: 'cancelling_at',
  cancelledAt: 'cancelled_at',
  expiredAt: 'expired_at',
};
const PB_FIELDS: Record<string, string> = {
  status: 'status',
  upstreamId: 'upstream_id',
  lineCount: 'line_count',
  nextPollAt: 'next_poll_at',
  polls: 'polls',
};

/**
 * The files query both stores run: a tenant's files by creation time (id breaking ties), after the cursor
 * file if any (a cursor that is not the tenant's file matches nothing), of one purpose if given.
 * `placeholder(n)` spells the n-th bound value (`?` for SQLite, `$n` for PostgreSQL).
 */
export function listFilesSql(
  tenant: string,
  query: FileQuery,
  placeholder: (n: number) => string,
): { sql: string; args: unknown[] } {
  const args: unknown[] = [tenant];
  const next = (value: unknown) => {
    args.push(value);
    return placeholder(args.length);
  };
  let where = `tenant = ${placeholder(1)}`;
  if (query.purpose !== undefined) where += ` AND purpose = ${next(query.purpose)}`;
  const direction = query.order === 'asc' ? 'ASC' : 'DESC';
  if (query.afterId !== undefined) {
    const after = next(query.afterId);
    const owner = next(tenant);
    const cursor = `(SELECT created_at, id FROM batch_files WHERE id = ${after} AND tenant = ${owner})`;
    where += ` AND (created_at, id) ${query.order === 'asc' ? '>' : '<'} ${cursor}`;
  }
  const limit = next(query.limit);
  return {
    sql:
      `SELECT ${FILE_COLUMNS} FROM batch_files WHERE ${where} ` +
      `ORDER BY created_at ${direction}, id ${direction} LIMIT ${limit}`,
    args,
  };
}

export function toFile(row: Row): BatchFileRecord {
  return {
    id: row.id as string,
    tenant: row.tenant as string,
    purpose: row.purpose as string,
    filename: row.filename as string,
    bytes: Number(row.bytes),
    lines: Number(row.lines),
    createdAt: Number(row.created_at),
  };
}

const numberOrNull = (value: unknown): number | null => (value === null ? null : Number(value));

export function toJob(row: Row): BatchJobRecord {
  return {
    id: row.id as string,
    tenant: row.tenant as string,
    keyId: (row.key_id ?? null) as string | null,
    inputFileId: row.input_file_id as string,
    endpoint: row.endpoint as string,
    completionWindow: row.completion_window as string,
    status: row.status as BatchJobStatus,
    metadata: fromJson(row.metadata) as Record<string, string> | null,
    outputFileId: row.output_file_id as string | null,
    errorFileId: row.error_file_id as string | null,
    errors: fromJson(row.errors) as BatchJobRecord['errors'],
    createdAt: Number(row.created_at),
    inProgressAt: numberOrNull(row.in_progress_at),
    finalizingAt: numberOrNull(row.finalizing_at),
    completedAt: numberOrNull(row.completed_at),
    failedAt: numberOrNull(row.failed_at),
    cancellingAt: numberOrNull(row.cancelling_at),
    cancelledAt: numberOrNull(row.cancelled_at),
    expiredAt: numberOrNull(row.expired_at),
    expiresAt: Number(row.expires_at),
  };
}

export function toLine(row: Row): BatchLineRecord {
  return {
    id: Number(row.id),
    jobId: row.job_id as string,
    tenant: row.tenant as string,
    keyId: (row.key_id ?? null) as string | null,
    lineNo: Number(row.line_no),
    customId: row.custom_id as string,
    target: row.target as string | null,
    request: row.request as string | null,
    status: row.status as BatchLineRecord['status'],
    attempts: Number(row.attempts),
    providerBatchId: row.provider_batch_id as string | null,
    result: row.result as string | null,
    costUsd: numberOrNull(row.cost_usd),
  };
}

export function toProviderBatch(row: Row): ProviderBatchRecord {
  return {
    id: row.id as string,
    target: row.target as string,
    status: row.status as ProviderBatchRecord['status'],
    upstreamId: row.upstream_id as string | null,
    lineCount: Number(row.line_count),
    createdAt: Number(row.created_at),
    nextPollAt: Number(row.next_poll_at),
    polls: Number(row.polls),
  };
}

/** A job patch as column values (JSON columns serialized). */
export function jobPatchColumns(patch: Partial<BatchJobRecord>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [field, value] of Object.entries(patch)) {
    const column = JOB_FIELDS[field];
    if (column === undefined) throw new Error(`updateJob cannot set '${field}'`);
    out.push([column, field === 'errors' && value !== null ? JSON.stringify(value) : value]);
  }
  return out;
}

export function providerBatchPatchColumns(patch: Partial<ProviderBatchRecord>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [field, value] of Object.entries(patch)) {
    const column = PB_FIELDS[field];
    if (column === undefined) throw new Error(`updateProviderBatch cannot set '${field}'`);
    out.push([column, value]);
  }
  return out;
}
