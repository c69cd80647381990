/**
 * The Batch API's tables on the embedded store (batch-types.ts). Same rules as sqlite.ts: statements
 * prepared once, every write one short `BEGIN IMMEDIATE` transaction, nothing called from the request
 * path of a chat completion (the batch routes and the aggregator run beside it).
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
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

/** Lines per transaction or page in the bulk calls, so none holds the event loop long. */
const SLICE_LINES = 1000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function prepare(db: DatabaseSync) {
  return {
    insertFile: db.prepare(`INSERT INTO batch_files (${FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    upsertFile: db.prepare(
      `INSERT INTO batch_files (${FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, lines = excluded.lines`,
    ),
    getFile: db.prepare(`SELECT ${FILE_COLUMNS} FROM batch_files WHERE id = ?`),
    deleteFile: db.prepare('DELETE FROM batch_files WHERE id = ?'),
    fileInUse: db.prepare(
      "SELECT 1 FROM batch_jobs WHERE input_file_id = ? AND status = 'validating' LIMIT 1",
    ),
    insertJob: db.prepare(
      `INSERT INTO batch_jobs (${JOB_COLUMNS}, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM batch_jobs))`,
    ),
    getJob: db.prepare(`SELECT ${JOB_COLUMNS} FROM batch_jobs WHERE id = ?`),
    listJobs: db.prepare(`SELECT ${JOB_COLUMNS} FROM batch_jobs WHERE tenant = ? ORDER BY seq DESC LIMIT ?`),
    listJobsAfter: db.prepare(
      `SELECT ${JOB_COLUMNS} FROM batch_jobs WHERE tenant = ?
       AND seq < (SELECT seq FROM batch_jobs WHERE id = ? AND tenant = ?) ORDER BY seq DESC LIMIT ?`,
    ),
    activeJobs: db.prepare(
      `SELECT ${JOB_COLUMNS} FROM batch_jobs
       WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling') ORDER BY seq`,
    ),
    insertLine: db.prepare(
      `INSERT INTO batch_lines (job_id, tenant, line_no, custom_id, target, request, status, queued_at, result)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, line_no) DO NOTHING`,
    ),
    queuedTargets: db.prepare(
      `SELECT target, COUNT(*) AS lines, MIN(queued_at) AS oldest FROM batch_lines
       WHERE status = 'queued' GROUP BY target`,
    ),
    insertProviderBatch: db.prepare(
      `INSERT INTO provider_batches (${PB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    claim: db.prepare(
      `UPDATE batch_lines SET status = 'submitted', provider_batch_id = ?, attempts = attempts + 1
       WHERE id IN (SELECT id FROM batch_lines WHERE status = 'queued' AND target = ?
                    ORDER BY queued_at, id LIMIT ?)`,
    ),
    setLineCount: db.prepare('UPDATE provider_batches SET line_count = ? WHERE id = ?'),
    linesOfProviderBatch: db.prepare(
      `SELECT ${LINE_COLUMNS} FROM batch_lines WHERE provider_batch_id = ? AND status = 'submitted' AND id > ?
       ORDER BY id LIMIT ?`,
    ),
    deleteProviderBatch: db.prepare('DELETE FROM provider_batches WHERE id = ?'),
    getLine: db.prepare(`SELECT ${LINE_COLUMNS} FROM batch_lines WHERE id = ?`),
    jobLines: db.prepare(
      `SELECT ${LINE_COLUMNS} FROM batch_lines WHERE job_id = ? AND line_no > ? ORDER BY line_no LIMIT ?`,
    ),
    jobCounts: db.prepare('SELECT status, COUNT(*) AS n FROM batch_lines WHERE job_id = ? GROUP BY status'),
    queuedOfJob: db.prepare(`SELECT ${LINE_COLUMNS} FROM batch_lines WHERE job_id = ? AND status = 'queued'`),
    cancelLine: db.prepare(
      "UPDATE batch_lines SET status = 'cancelled', result = ? WHERE id = ? AND status = 'queued'",
    ),
    openProviderBatches: db.prepare(
      `SELECT ${PB_COLUMNS} FROM provider_batches WHERE status != 'ended' ORDER BY created_at`,
    ),
    knownUpstreamIds: db.prepare(
      'SELECT upstream_id FROM provider_batches WHERE target = ? AND upstream_id IS NOT NULL',
    ),
    finishLine: db.prepare(
      `UPDATE batch_lines SET status = ?, result = ?, cost_usd = ?
       WHERE id = ? AND provider_batch_id = ? AND status = 'submitted'`,
    ),
    requeueLine: db.prepare(
      `UPDATE batch_lines SET status = 'queued', provider_batch_id = NULL, queued_at = ?
       WHERE id = ? AND provider_batch_id = ? AND status = 'submitted'`,
    ),
    releaseLine: db.prepare(
      `UPDATE batch_lines SET status = 'queued', provider_batch_id = NULL, queued_at = ?, attempts = attempts - 1
       WHERE id = ? AND provider_batch_id = ? AND status = 'submitted'`,
    ),
    endProviderBatch: db.prepare("UPDATE provider_batches SET status = 'ended' WHERE id = ?"),
    takeProviderBatch: db.prepare(
      "UPDATE provider_batches SET next_poll_at = ? WHERE id = ? AND next_poll_at = ? AND status != 'ended'",
    ),
  } satisfies Record<string, StatementSync>;
}

export class SqliteBatchStore implements BatchStore {
  readonly #db: DatabaseSync;
  readonly #sql: ReturnType<typeof prepare>;
  readonly #transaction: <T>(fn: () => T) => T;

  constructor(db: DatabaseSync, transaction: <T>(fn: () => T) => T) {
    this.#db = db;
    this.#transaction = transaction;
    this.#sql = prepare(db);
  }

  async insertFile(file: BatchFileRecord): Promise<void> {
    this.#sql.insertFile.run(
      file.id,
      file.tenant,
      file.purpose,
      file.filename,
      file.bytes,
      file.lines,
      file.createdAt,
    );
  }

  async upsertFile(file: BatchFileRecord): Promise<void> {
    this.#sql.upsertFile.run(
      file.id,
      file.tenant,
      file.purpose,
      file.filename,
      file.bytes,
      file.lines,
      file.createdAt,
    );
  }

  async getFile(id: string): Promise<BatchFileRecord | undefined> {
    const row = this.#sql.getFile.get(id);
    return row === undefined ? undefined : toFile(row);
  }

  async listFiles(tenant: string, query: FileQuery): Promise<BatchFileRecord[]> {
    const { sql, args } = listFilesSql(tenant, query, () => '?');
    // Built per call (an API call, not the request path) from fixed clauses; values are bound.
    return this.#db
      .prepare(sql)
      .all(...(args as SQLInputValue[]))
      .map(toFile);
  }

  async deleteFile(id: string): Promise<boolean> {
    return Number(this.#sql.deleteFile.run(id).changes) === 1;
  }

  async fileInUse(id: string): Promise<boolean> {
    return this.#sql.fileInUse.get(id) !== undefined;
  }

  async insertJob(job: BatchJobRecord): Promise<void> {
    this.#transaction(() =>
      this.#sql.insertJob.run(
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
      ),
    );
  }

  async getJob(id: string): Promise<BatchJobRecord | undefined> {
    const row = this.#sql.getJob.get(id);
    return row === undefined ? undefined : toJob(row);
  }

  async listJobs(tenant: string, afterId: string | undefined, limit: number): Promise<BatchJobRecord[]> {
    const rows =
      afterId === undefined
        ? this.#sql.listJobs.all(tenant, limit)
        : this.#sql.listJobsAfter.all(tenant, afterId, tenant, limit);
    return rows.map(toJob);
  }

  async activeJobs(): Promise<BatchJobRecord[]> {
    return this.#sql.activeJobs.all().map(toJob);
  }

  async updateJob(
    id: string,
    patch: Partial<BatchJobRecord>,
    expectStatus?: BatchJobStatus,
  ): Promise<boolean> {
    const columns = jobPatchColumns(patch);
    if (columns.length === 0) return true;
    const set = columns.map(([column]) => `${column} = ?`).join(', ');
    const values = columns.map(([, value]) => value as SQLInputValue);
    // Patches are a handful of known columns, so the statement text is one of few; not on a hot path.
    const sql =
      expectStatus === undefined
        ? `UPDATE batch_jobs SET ${set} WHERE id = ?`
        : `UPDATE batch_jobs SET ${set} WHERE id = ? AND status = ?`;
    const args = expectStatus === undefined ? [...values, id] : [...values, id, expectStatus];
    return this.#transaction(() => Number(this.#db.prepare(sql).run(...args).changes) === 1);
  }

  async insertLines(lines: readonly NewBatchLine[]): Promise<void> {
    if (lines.length === 0) return;
    this.#transaction(() => {
      for (const line of lines)
        this.#sql.insertLine.run(
          line.jobId,
          line.tenant,
          line.lineNo,
          line.customId,
          line.target,
          line.request,
          line.status,
          line.queuedAt,
          line.result,
        );
    });
  }

  async queuedTargets(): Promise<QueuedTarget[]> {
    return this.#sql.queuedTargets.all().map((row) => ({
      target: row.target as string,
      lines: Number(row.lines),
      oldestQueuedAt: Number(row.oldest),
    }));
  }

  async claimLines(batch: ProviderBatchRecord, limit: number): Promise<BatchLineRecord[]> {
    // The row first, then the lines in slices (short transactions, live requests in between). Nothing is
    // sent before this returns, so a crash between slices leaves a `preparing` row whose lines are
    // simply sent on recovery, once.
    this.#transaction(() =>
      this.#sql.insertProviderBatch.run(
        batch.id,
        batch.target,
        batch.status,
        batch.upstreamId,
        0,
        batch.createdAt,
        batch.nextPollAt,
        batch.polls,
      ),
    );
    let claimed = 0;
    while (claimed < limit) {
      const slice = Math.min(SLICE_LINES, limit - claimed);
      const changed = this.#transaction(() =>
        Number(this.#sql.claim.run(batch.id, batch.target, slice).changes),
      );
      claimed += changed;
      if (changed < slice) break;
      await yieldToEventLoop();
    }
    if (claimed === 0) {
      this.#transaction(() => this.#sql.deleteProviderBatch.run(batch.id));
      return [];
    }
    this.#transaction(() => this.#sql.setLineCount.run(claimed, batch.id));
    return this.linesOfProviderBatch(batch.id);
  }

  async linesOfProviderBatch(providerBatchId: string): Promise<BatchLineRecord[]> {
    const out: BatchLineRecord[] = [];
    let after = 0;
    for (;;) {
      const page = this.#sql.linesOfProviderBatch.all(providerBatchId, after, SLICE_LINES).map(toLine);
      for (const line of page) out.push(line);
      if (page.length < SLICE_LINES) return out;
      after = page.at(-1)?.id ?? after;
      await yieldToEventLoop();
    }
  }

  async getLines(ids: readonly number[]): Promise<BatchLineRecord[]> {
    const out: BatchLineRecord[] = [];
    for (const id of ids) {
      const row = this.#sql.getLine.get(id);
      if (row !== undefined) out.push(toLine(row));
    }
    return out;
  }

  async jobLines(jobId: string, afterLineNo: number, limit: number): Promise<BatchLineRecord[]> {
    return this.#sql.jobLines.all(jobId, afterLineNo, limit).map(toLine);
  }

  async jobLineCounts(jobId: string): Promise<JobLineCounts> {
    const counts: JobLineCounts = { total: 0, succeeded: 0, failed: 0, cancelled: 0, pending: 0 };
    for (const row of this.#sql.jobCounts.all(jobId)) {
      const n = Number(row.n);
      counts.total += n;
      const status = row.status as string;
      if (status === 'succeeded') counts.succeeded += n;
      else if (status === 'failed') counts.failed += n;
      else if (status === 'cancelled') counts.cancelled += n;
      else counts.pending += n;
    }
    return counts;
  }

  async cancelQueuedLines(jobId: string, result: (line: BatchLineRecord) => string): Promise<number> {
    return this.#transaction(() => {
      let cancelled = 0;
      for (const row of this.#sql.queuedOfJob.all(jobId)) {
        const line = toLine(row);
        cancelled += Number(this.#sql.cancelLine.run(result(line), line.id).changes);
      }
      return cancelled;
    });
  }

  async openProviderBatches(): Promise<ProviderBatchRecord[]> {
    return this.#sql.openProviderBatches.all().map(toProviderBatch);
  }

  async updateProviderBatch(id: string, patch: Partial<ProviderBatchRecord>): Promise<void> {
    const columns = providerBatchPatchColumns(patch);
    if (columns.length === 0) return;
    const set = columns.map(([column]) => `${column} = ?`).join(', ');
    this.#transaction(() =>
      this.#db
        .prepare(`UPDATE provider_batches SET ${set} WHERE id = ?`)
        .run(...columns.map(([, v]) => v as SQLInputValue), id),
    );
  }

  async knownUpstreamIds(target: string): Promise<string[]> {
    return this.#sql.knownUpstreamIds.all(target).map((row) => row.upstream_id as string);
  }

  async takeProviderBatch(id: string, seenNextPollAt: number, nextPollAt: number): Promise<boolean> {
    return this.#transaction(
      () => Number(this.#sql.takeProviderBatch.run(nextPollAt, id, seenNextPollAt).changes) === 1,
    );
  }

  async finishLines(providerBatchId: string, outcomes: readonly BatchLineOutcome[]): Promise<number[]> {
    return this.#transaction(() => this.#finish(providerBatchId, outcomes));
  }

  #finish(providerBatchId: string, outcomes: readonly BatchLineOutcome[]): number[] {
    const changed: number[] = [];
    for (const outcome of outcomes) {
      const result = this.#sql.finishLine.run(
        outcome.status,
        outcome.result,
        outcome.costUsd,
        outcome.lineId,
        providerBatchId,
      );
      if (Number(result.changes) === 1) changed.push(outcome.lineId);
    }
    return changed;
  }

  async releaseLines(providerBatchId: string, lineIds: readonly number[], nowMs: number): Promise<number[]> {
    if (lineIds.length === 0) return [];
    return this.#transaction(() => {
      const changed: number[] = [];
      for (const lineId of lineIds)
        if (Number(this.#sql.releaseLine.run(nowMs, lineId, providerBatchId).changes) === 1)
          changed.push(lineId);
      return changed;
    });
  }

  async settleProviderBatch(
    providerBatchId: string,
    outcomes: readonly BatchLineOutcome[],
    retry: readonly number[],
    nowMs: number,
  ): Promise<number[]> {
    return this.#transaction(() => {
      const changed = this.#finish(providerBatchId, outcomes);
      for (const lineId of retry)
        if (Number(this.#sql.requeueLine.run(nowMs, lineId, providerBatchId).changes) === 1)
          changed.push(lineId);
      this.#sql.endProviderBatch.run(providerBatchId);
      return changed;
    });
  }
}
