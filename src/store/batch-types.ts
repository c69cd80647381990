/**
 * What the Batch API persists (docs/design.md §1 "Batch API", §2 "Store"): uploaded and generated files
 * (their bytes live on disk, batch/file-store.ts), jobs, one row per input line, and the provider batches
 * the aggregator sends lines in. The line rows are the queue: a restart finds every line where it was.
 *
 * Exactly-once upstream: a provider batch row is written, with its lines claimed, in one transaction
 * before anything is sent; its upstream id is recorded once the provider answers, and a row without
 * one is looked up upstream (batch/upstream.ts `find`) before it is ever sent again.
 */

export interface BatchFileRecord {
  /** `file-…`. */
  id: string;
  tenant: string;
  /** `batch` (uploads), `batch_output` (generated output and error files). */
  purpose: string;
  filename: string;
  bytes: number;
  /** Lines in the file (non-empty ones). */
  lines: number;
  /** Epoch ms. */
  createdAt: number;
}

export interface FileQuery {
  afterId?: string;
  limit: number;
  order: 'asc' | 'desc';
  purpose?: string;
}

export type BatchJobStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

export interface BatchJobRecord {
  /** `batch_…`. */
  id: string;
  tenant: string;
  /**
   * The store key (`key_…`) that created the job, null for a key written in the config (or no key):
   * its lines are budgeted and checked by that key's policy, resolved again after a restart.
   */
  keyId: string | null;
  inputFileId: string;
  endpoint: string;
  completionWindow: string;
  status: BatchJobStatus;
  metadata: Record<string, string> | null;
  outputFileId: string | null;
  errorFileId: string | null;
  /** `errors.data` of a job that failed validation: `{code, message, param, line}`. */
  errors: Array<{ code: string; message: string; param: string | null; line: number | null }> | null;
  /** Epoch ms; null until the status was reached. */
  createdAt: number;
  inProgressAt: number | null;
  finalizingAt: number | null;
  completedAt: number | null;
  failedAt: number | null;
  cancellingAt: number | null;
  cancelledAt: number | null;
  expiredAt: number | null;
  expiresAt: number;
}

/** What a job is given when it is created; everything else starts empty. */
export type NewBatchJob = Pick<
  BatchJobRecord,
  | 'id'
  | 'tenant'
  | 'keyId'
  | 'inputFileId'
  | 'endpoint'
  | 'completionWindow'
  | 'metadata'
  | 'createdAt'
  | 'expiresAt'
>;

/** A job as it is recorded when created: `validating`, no files, no errors, no later timestamps. */
export function newBatchJob(fields: NewBatchJob): BatchJobRecord {
  return {
    ...fields,
    status: 'validating',
    outputFileId: null,
    errorFileId: null,
    errors: null,
    inProgressAt: null,
    finalizingAt: null,
    completedAt: null,
    failedAt: null,
    cancellingAt: null,
    cancelledAt: null,
    expiredAt: null,
  };
}

export type BatchLineStatus = 'queued' | 'submitted' | 'succeeded' | 'failed' | 'cancelled';

/** A line ready for the queue (intake) or already finished (a malformed line goes straight to `failed`). */
export interface NewBatchLine {
  jobId: string;
  tenant: string;
  /** 1-based line number in the input file. */
  lineNo: number;
  customId: string;
  /** `provider/model` of the target; null for a line that failed intake. */
  target: string | null;
  /** The chat request as the client wrote it (`body`), JSON; null for a line that failed intake. */
  request: string | null;
  status: 'queued' | 'failed';
  /** The output line (OpenAI's BatchRequestOutput JSON) of a line that failed intake. */
  result: string | null;
  queuedAt: number;
}

export interface BatchLineRecord {
  /** Store-wide unique: the custom id upstream is derived from it, so tenants' ids never collide. */
  id: number;
  jobId: string;
  tenant: string;
  /** Its job's `keyId` (read from the job, not stored per line). */
  keyId: string | null;
  lineNo: number;
  customId: string;
  target: string | null;
  request: string | null;
  status: BatchLineStatus;
  /** Provider batches this line was sent in so far. */
  attempts: number;
  providerBatchId: string | null;
  result: string | null;
  costUsd: number | null;
}

/** A finished line: its output line and what it cost. */
export interface BatchLineOutcome {
  lineId: number;
  status: 'succeeded' | 'failed';
  result: string;
  costUsd: number | null;
}

export interface ProviderBatchRecord {
  /** `pb_…`, also sent upstream as metadata where the provider keeps it. */
  id: string;
  /** `provider/model`. */
  target: string;
  /** `preparing` (recorded, maybe sent), `submitted` (upstream id known), `ended` (results applied). */
  status: 'preparing' | 'submitted' | 'ended';
  upstreamId: string | null;
  /**
   * The lines claimed for it; once a send has left out the lines it refused or deferred, the number of
   * requests it sends (set before the provider is called), which recovery matches upstream by.
   */
  lineCount: number;
  createdAt: number;
  /** Epoch ms of the next status poll. */
  nextPollAt: number;
  polls: number;
}

export interface QueuedTarget {
  target: string;
  lines: number;
  /** Epoch ms the oldest waiting line was queued. */
  oldestQueuedAt: number;
}

export interface JobLineCounts {
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Queued or submitted. */
  pending: number;
}

export interface BatchStore {
  insertFile(record: BatchFileRecord): Promise<void>;
  /** Inserts or replaces (generated files are written again when a finalization is redone). */
  upsertFile(record: BatchFileRecord): Promise<void>;
  getFile(id: string): Promise<BatchFileRecord | undefined>;
  /** A tenant's files in `order` of creation, after the cursor file (exclusive), of one purpose if given. */
  listFiles(tenant: string, query: FileQuery): Promise<BatchFileRecord[]>;
  /** Removes a file's record; false when there was none. */
  deleteFile(id: string): Promise<boolean>;
  /** True while a job still reads the file as its input (intake not finished: a restart reads it again). */
  fileInUse(id: string): Promise<boolean>;

  insertJob(record: BatchJobRecord): Promise<void>;
  getJob(id: string): Promise<BatchJobRecord | undefined>;
  /** A tenant's jobs, newest first, after the cursor job (exclusive). */
  listJobs(tenant: string, afterId: string | undefined, limit: number): Promise<BatchJobRecord[]>;
  /** Jobs not in a final status, oldest first (a restart resumes them). */
  activeJobs(): Promise<BatchJobRecord[]>;
  /** Sets the given fields; `expectStatus` makes it a compare-and-set (false when it did not match). */
  updateJob(id: string, patch: Partial<BatchJobRecord>, expectStatus?: BatchJobStatus): Promise<boolean>;

  /** One transaction; a line already there (same job and line number) is left as it is. */
  insertLines(lines: readonly NewBatchLine[]): Promise<void>;
  queuedTargets(): Promise<QueuedTarget[]>;
  /**
   * Records a provider batch and claims up to `limit` queued lines of its target for it, oldest first;
   * returns the claimed lines (none: no row left). The row is written before its lines are claimed
   * (in slices), and nothing is sent before this returns.
   */
  claimLines(batch: ProviderBatchRecord, limit: number): Promise<BatchLineRecord[]>;
  linesOfProviderBatch(providerBatchId: string): Promise<BatchLineRecord[]>;
  getLines(ids: readonly number[]): Promise<BatchLineRecord[]>;
  /** A job's lines by line number, `limit` after `afterLineNo` (paging: a job is never read whole). */
  jobLines(jobId: string, afterLineNo: number, limit: number): Promise<BatchLineRecord[]>;
  jobLineCounts(jobId: string): Promise<JobLineCounts>;
  /** Queued lines of a job become `cancelled` with `result`; returns how many. */
  cancelQueuedLines(jobId: string, result: (line: BatchLineRecord) => string): Promise<number>;

  openProviderBatches(): Promise<ProviderBatchRecord[]>;
  updateProviderBatch(id: string, patch: Partial<ProviderBatchRecord>): Promise<void>;
  /** Upstream ids of every provider batch of a target (recovery must not adopt a known one). */
  knownUpstreamIds(target: string): Promise<string[]>;
  /**
   * Takes a due provider batch for work: moves `nextPollAt` from the value seen to `nextPollAt` only if
   * nobody moved it meanwhile. Of several instances (or ticks) seeing the same due row, one wins.
   */
  takeProviderBatch(id: string, seenNextPollAt: number, nextPollAt: number): Promise<boolean>;
  /**
   * Finishes some lines of a provider batch that is still open; returns the ids it changed (a line
   * already finished, by an earlier pass or another instance, is left alone and not returned).
   */
  finishLines(providerBatchId: string, outcomes: readonly BatchLineOutcome[]): Promise<number[]>;
  /**
   * Lines of a provider batch that were never sent go back to the queue (queued at `nowMs`) with their
   * claim not counted as an attempt; returns the ids it changed (only lines still `submitted` in it).
   */
  releaseLines(providerBatchId: string, lineIds: readonly number[], nowMs: number): Promise<number[]>;
  /**
   * Applies a provider batch's results in one transaction: finished lines get their outcome, `retry`
   * lines go back to the queue (attempts + 1 at their next claim), and the provider batch is marked
   * ended. Returns the ids of the lines it changed, as finishLines does.
   */
  settleProviderBatch(
    providerBatchId: string,
    outcomes: readonly BatchLineOutcome[],
    retry: readonly number[],
    nowMs: number,
  ): Promise<number[]>;
}
