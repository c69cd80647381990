/**
 * The Batch API's tables on PostgreSQL (batch-types.ts), on the store's pool. Bulk calls work in
 * slices of SLICE_LINES rows so no statement runs long; claims take the queue rows with
 * `FOR UPDATE SKIP LOCKED`, so two instances flushing the same target never claim the same line.
 */
import type { Pool, PoolClient } from 'pg';
import {
  FILE_COLUMNS,
  JOB_COLUMNS,
  jobPatchColumns,
  LINE_COLUMNS,
  listFilesSql,
  PB_COLUMNS,
  providerBatchPatchColumns,
  toFile,
  toJob,
  toLine,
  toProviderBatch,
} from './batch-rows.ts';
import type {
  BatchFileRecord,
  BatchJobRecord,
  BatchJobStatus,
  BatchLineOutcome,
  BatchLineRecord,
  BatchStore,
  FileQuery,
  JobLineCounts,
  NewBatchLine,
  ProviderBatchRecord,
  QueuedTarget,
} from './batch-types.ts';

const SLICE_LINES = 1000;
const JOB_VALUES = Array.from({ length: 20 }, (_, i) => `$${i + 1}`).join(', ');

export class PostgresBatchStore implements BatchStore {
  readonly #pool: Pool;
  readonly #transaction: <T>(fn: (client: PoolClient) => Promise<T>) => Promise<T>;

  constructor(pool: Pool, transaction: <T>(fn: (client: PoolClient) => Promise<T>) => Promise<T>) {
    this.#pool = pool;
    this.#transaction = transaction;
  }

  async insertFile(file: BatchFileRecord): Promise<void> {
    await this.#pool.query(
      `INSERT INTO batch_files (${FILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      fileValues(file),
    );
  }

  async upsertFile(file: BatchFileRecord): Promise<void> {
    await this.#pool.query(
      `INSERT INTO batch_files (${FILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, lines = excluded.lines`,
      fileValues(file),
    );
  }

  async getFile(id: string): Promise<BatchFileRecord | undefined> {
    const { rows } = await this.#pool.query(`SELECT ${FILE_COLUMNS} FROM batch_files WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : toFile(rows[0]);
  }

  async listFiles(tenant: string, query: FileQuery): Promise<BatchFileRecord[]> {
    const { sql, args } = listFilesSql(tenant, query, (n) => `$${n}`);
    const { rows } = await this.#pool.query(sql, args);
    return rows.map(toFile);
  }

  async deleteFile(id: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query('DELETE FROM batch_files WHERE id = $1', [id]);
    return rowCount === 1;
  }

  async fileInUse(id: string): Promise<boolean> {
    const { rows } = await this.#pool.query(
      "SELECT 1 FROM batch_jobs WHERE input_file_id = $1 AND status = 'validating' LIMIT 1",
      [id],
    );
    return rows.length > 0;
  }

  async insertJob(job: BatchJobRecord): Promise<void> {
    await this.#pool.query(`INSERT INTO batch_jobs (${JOB_COLUMNS}) VALUES (${JOB_VALUES})`, [
      job.id,
      job.tenant,
      job.keyId,
      job.inputFileId,
      job.endpoint,
      job.completionWindow,
      job.status,
      job.metadata === null ? null : JSON.stringify(job.metadata),
      job.outputFileId,
      job.errorFileId,
      job.errors === null ? null : JSON.stringify(job.errors),
      job.createdAt,
      job.inProgressAt,
      job.finalizingAt,
      job.completedAt,
      job.failedAt,
      job.cancellingAt,
      job.cancelledAt,
      job.expiredAt,
      job.expiresAt,
    ]);
  }

  async getJob(id: string): Promise<BatchJobRecord | undefined> {
    const { rows } = await this.#pool.query(`SELECT ${JOB_COLUMNS} FROM batch_jobs WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : toJob(rows[0]);
  }

  async listJobs(tenant: string, afterId: string | undefined, limit: number): Promise<BatchJobRecord[]> {
    const { rows } =
      afterId === undefined
        ? await this.#pool.query(
            `SELECT ${JOB_COLUMNS} FROM batch_jobs WHERE tenant = $1 ORDER BY seq DESC LIMIT $2`,
            [tenant, limit],
          )
        : await this.#pool.query(
            `SELECT ${JOB_COLUMNS} FROM batch_jobs WHERE tenant = $1
             AND seq < (SELECT seq FROM batch_jobs WHERE id = $2 AND tenant = $1) ORDER BY seq DESC LIMIT $3`,
            [tenant, afterId, limit],
          );
    return rows.map(toJob);
  }

  async activeJobs(): Promise<BatchJobRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${JOB_COLUMNS} FROM batch_jobs
       WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling') ORDER BY seq`,
    );
    return rows.map(toJob);
  }

  async updateJob(
    id: string,
    patch: Partial<BatchJobRecord>,
    expectStatus?: BatchJobStatus,
  ): Promise<boolean> {
    const columns = jobPatchColumns(patch);
    if (columns.length === 0) return true;
    const set = columns.map(([column], i) => `${column} = $${i + 1}`).join(', ');
    const values = columns.map(([, value]) => value);
    const n = values.length;
    const result =
      expectStatus === undefined
        ? await this.#pool.query(`UPDATE batch_jobs SET ${set} WHERE id = $${n + 1}`, [...values, id])
        : await this.#pool.query(`UPDATE batch_jobs SET ${set} WHERE id = $${n + 1} AND status = $${n + 2}`, [
            ...values,
            id,
            expectStatus,
          ]);
    return result.rowCount === 1;
  }

  async insertLines(lines: readonly NewBatchLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.#transaction(async (client) => {
      for (let at = 0; at < lines.length; at += SLICE_LINES) {
        const slice = lines.slice(at, at + SLICE_LINES);
        await client.query(
          `INSERT INTO batch_lines (job_id, tenant, line_no, custom_id, target, request, status, queued_at, result)
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[],
                                $8::bigint[], $9::text[])
           ON CONFLICT (job_id, line_no) DO NOTHING`,
          [
            slice.map((l) => l.jobId),
            slice.map((l) => l.tenant),
            slice.map((l) => l.lineNo),
            slice.map((l) => l.customId),
            slice.map((l) => l.target),
            slice.map((l) => l.request),
            slice.map((l) => l.status),
            slice.map((l) => l.queuedAt),
            slice.map((l) => l.result),
          ],
        );
      }
    });
  }

  async queuedTargets(): Promise<QueuedTarget[]> {
    const { rows } = await this.#pool.query(
      `SELECT target, COUNT(*) AS lines, MIN(queued_at) AS oldest FROM batch_lines
       WHERE status = 'queued' GROUP BY target`,
    );
    return rows.map((row) => ({
      target: row.target as string,
      lines: Number(row.lines),
      oldestQueuedAt: Number(row.oldest),
    }));
  }

  async claimLines(batch: ProviderBatchRecord, limit: number): Promise<BatchLineRecord[]> {
    await this.#pool.query(
      `INSERT INTO provider_batches (${PB_COLUMNS}) VALUES ($1, $2, $3, $4, 0, $5, $6, $7)`,
      [
        batch.id,
        batch.target,
        batch.status,
        batch.upstreamId,
        batch.createdAt,
        batch.nextPollAt,
        batch.polls,
      ],
    );
    let claimed = 0;
    while (claimed < limit) {
      const slice = Math.min(SLICE_LINES, limit - claimed);
      const result = await this.#pool.query(
        `UPDATE batch_lines SET status = 'submitted', provider_batch_id = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM batch_lines WHERE status = 'queued' AND target = $2
                      ORDER BY queued_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)`,
        [batch.id, batch.target, slice],
      );
      const changed = result.rowCount ?? 0;
      claimed += changed;
      if (changed < slice) break;
    }
    if (claimed === 0) {
      await this.#pool.query('DELETE FROM provider_batches WHERE id = $1', [batch.id]);
      return [];
    }
    await this.#pool.query('UPDATE provider_batches SET line_count = $1 WHERE id = $2', [claimed, batch.id]);
    return this.linesOfProviderBatch(batch.id);
  }

  async linesOfProviderBatch(providerBatchId: string): Promise<BatchLineRecord[]> {
    const out: BatchLineRecord[] = [];
    let after = 0;
    for (;;) {
      const { rows } = await this.#pool.query(
        `SELECT ${LINE_COLUMNS} FROM batch_lines WHERE provider_batch_id = $1 AND status = 'submitted' AND id > $2
         ORDER BY id LIMIT $3`,
        [providerBatchId, after, SLICE_LINES],
      );
      for (const row of rows) out.push(toLine(row));
      if (rows.length < SLICE_LINES) return out;
      after = out.at(-1)?.id ?? after;
    }
  }

  async getLines(ids: readonly number[]): Promise<BatchLineRecord[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.#pool.query(
      `SELECT ${LINE_COLUMNS} FROM batch_lines WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [[...ids]],
    );
    return rows.map(toLine);
  }

  async jobLines(jobId: string, afterLineNo: number, limit: number): Promise<BatchLineRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${LINE_COLUMNS} FROM batch_lines WHERE job_id = $1 AND line_no > $2 ORDER BY line_no LIMIT $3`,
      [jobId, afterLineNo, limit],
    );
    return rows.map(toLine);
  }

  async jobLineCounts(jobId: string): Promise<JobLineCounts> {
    const { rows } = await this.#pool.query(
      'SELECT status, COUNT(*) AS n FROM batch_lines WHERE job_id = $1 GROUP BY status',
      [jobId],
    );
    const counts: JobLineCounts = { total: 0, succeeded: 0, failed: 0, cancelled: 0, pending: 0 };
    for (const row of rows) {
      const n = Number(row.n);
      counts.total += n;
      if (row.status === 'succeeded') counts.succeeded += n;
      else if (row.status === 'failed') counts.failed += n;
      else if (row.status === 'cancelled') counts.cancelled += n;
      else counts.pending += n;
    }
    return counts;
  }

  async cancelQueuedLines(jobId: string, result: (line: BatchLineRecord) => string): Promise<number> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query(
        `SELECT ${LINE_COLUMNS} FROM batch_lines WHERE job_id = $1 AND status = 'queued' FOR UPDATE SKIP LOCKED`,
        [jobId],
      );
      const lines = rows.map(toLine);
      if (lines.length === 0) return 0;
      const updated = await client.query(
        `UPDATE batch_lines AS l SET status = 'cancelled', result = v.result
         FROM unnest($1::bigint[], $2::text[]) AS v(id, result)
         WHERE l.id = v.id AND l.status = 'queued'`,
        [lines.map((line) => line.id), lines.map((line) => result(line))],
      );
      return updated.rowCount ?? 0;
    });
  }

  async openProviderBatches(): Promise<ProviderBatchRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${PB_COLUMNS} FROM provider_batches WHERE status != 'ended' ORDER BY created_at, id`,
    );
    return rows.map(toProviderBatch);
  }

  async updateProviderBatch(id: string, patch: Partial<ProviderBatchRecord>): Promise<void> {
    const columns = providerBatchPatchColumns(patch);
    if (columns.length === 0) return;
    const set = columns.map(([column], i) => `${column} = $${i + 1}`).join(', ');
    await this.#pool.query(`UPDATE provider_batches SET ${set} WHERE id = $${columns.length + 1}`, [
      ...columns.map(([, value]) => value),
      id,
    ]);
  }

  async knownUpstreamIds(target: string): Promise<string[]> {
    const { rows } = await this.#pool.query(
      'SELECT upstream_id FROM provider_batches WHERE target = $1 AND upstream_id IS NOT NULL',
      [target],
    );
    return rows.map((row) => row.upstream_id as string);
  }

  async takeProviderBatch(id: string, seenNextPollAt: number, nextPollAt: number): Promise<boolean> {
    const result = await this.#pool.query(
      "UPDATE provider_batches SET next_poll_at = $1 WHERE id = $2 AND next_poll_at = $3 AND status != 'ended'",
      [nextPollAt, id, seenNextPollAt],
    );
    return result.rowCount === 1;
  }

  async finishLines(providerBatchId: string, outcomes: readonly BatchLineOutcome[]): Promise<number[]> {
    return this.#transaction((client) => finish(client, providerBatchId, outcomes));
  }

  async releaseLines(providerBatchId: string, lineIds: readonly number[], nowMs: number): Promise<number[]> {
    if (lineIds.length === 0) return [];
    const { rows } = await this.#pool.query(
      `UPDATE batch_lines SET status = 'queued', provider_batch_id = NULL, queued_at = $1, attempts = attempts - 1
       WHERE id = ANY($2::bigint[]) AND provider_batch_id = $3 AND status = 'submitted' RETURNING id`,
      [nowMs, [...lineIds], providerBatchId],
    );
    return rows.map((row) => Number(row.id));
  }

  async settleProviderBatch(
    providerBatchId: string,
    outcomes: readonly BatchLineOutcome[],
    retry: readonly number[],
    nowMs: number,
  ): Promise<number[]> {
    return this.#transaction(async (client) => {
      const changed = await finish(client, providerBatchId, outcomes);
      if (retry.length > 0) {
        const { rows } = await client.query(
          `UPDATE batch_lines SET status = 'queued', provider_batch_id = NULL, queued_at = $1
           WHERE id = ANY($2::bigint[]) AND provider_batch_id = $3 AND status = 'submitted' RETURNING id`,
          [nowMs, [...retry], providerBatchId],
        );
        for (const row of rows) changed.push(Number(row.id));
      }
      await client.query("UPDATE provider_batches SET status = 'ended' WHERE id = $1", [providerBatchId]);
      return changed;
    });
  }
}

async function finish(
  client: PoolClient,
  providerBatchId: string,
  outcomes: readonly BatchLineOutcome[],
): Promise<number[]> {
  const changed: number[] = [];
  for (let at = 0; at < outcomes.length; at += SLICE_LINES) {
    const slice = outcomes.slice(at, at + SLICE_LINES);
    const { rows } = await client.query(
      `UPDATE batch_lines AS l SET status = v.status, result = v.result, cost_usd = v.cost
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[]) AS v(id, status, result, cost)
       WHERE l.id = v.id AND l.provider_batch_id = $5 AND l.status = 'submitted' RETURNING l.id`,
      [
        slice.map((o) => o.lineId),
        slice.map((o) => o.status),
        slice.map((o) => o.result),
        slice.map((o) => o.costUsd),
        providerBatchId,
      ],
    );
    for (const row of rows) changed.push(Number(row.id));
  }
  return changed;
}

function fileValues(file: BatchFileRecord): unknown[] {
  return [file.id, file.tenant, file.purpose, file.filename, file.bytes, file.lines, file.createdAt];
}
