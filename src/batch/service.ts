/**
 * The Batch API's long-lived part, one per process: the file store, the aggregator, job intake and
 * cancellation, and what a restart resumes (intakes cut short, provider batches in flight, jobs whose
 * lines all finished but were not finalized). The routes (routes.ts) stay thin and call this.
 */
import { randomBytes } from 'node:crypto';
import type { CompiledTenant, Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { fileContentUnavailable } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../observability/logger.ts';
import { type BatchJobRecord, type BatchStore, newBatchJob } from '../store/batch-types.ts';
import { Aggregator } from './aggregator.ts';
import { FileStore, isMissingBytes } from './file-store.ts';
import { runIntake } from './intake.ts';
import { batchPolicyOf } from './policy.ts';
import { errorLine } from './objects.ts';

const COMPLETION_WINDOW_MS = 24 * 3_600_000;

export interface BatchServiceOptions {
  store: BatchStore;
  snapshot: () => Snapshot;
  controlPlane: ControlPlane | undefined;
  logger: Logger;
  now?: () => number;
  /** How long a provider batch row being sent stays its sender's between renewals (tests shorten it). */
  sendGraceMs?: number;
}

export class BatchService {
  readonly store: BatchStore;
  readonly files: FileStore;
  readonly aggregator: Aggregator;
  readonly #snapshot: () => Snapshot;
  readonly #controlPlane: ControlPlane | undefined;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #intakes = new Set<Promise<void>>();
  #stopped = false;

  constructor(options: BatchServiceOptions) {
    this.store = options.store;
    this.#snapshot = options.snapshot;
    this.#controlPlane = options.controlPlane;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.files = new FileStore(options.snapshot().config.batch.files_dir);
    this.aggregator = new Aggregator({
      store: options.store,
      files: this.files,
      snapshot: options.snapshot,
      controlPlane: options.controlPlane,
      logger: options.logger,
      now: this.#now,
      sendGraceMs: options.sendGraceMs,
    });
  }

  get now(): number {
    return this.#now();
  }

  async start(): Promise<void> {
    const snapshot = this.#snapshot();
    for (const job of await this.store.activeJobs()) {
      // Resumed intake checks lines against the policy of the key that created the job, as it began.
      if (job.status === 'validating') this.#startIntake(job, this.#policyOf(job, snapshot));
      else await this.aggregator.finalize(job.id);
    }
    await this.aggregator.start();
  }

  /** A job's policy now (policy.ts). */
  #policyOf(job: BatchJobRecord, snapshot: Snapshot): CompiledTenant | undefined {
    return batchPolicyOf(this.#controlPlane, snapshot, job.tenant, job.keyId);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#intakes]);
    await this.aggregator.stop();
  }

  /** Records the job (`validating`) and starts its intake in the background. */
  async createJob(input: {
    tenant: string;
    compiledTenant: CompiledTenant | undefined;
    /** The store key the request came with (RequestContext.keyId); else the policy's own key, if any. */
    keyId?: string | null;
    inputFileId: string;
    endpoint: string;
    completionWindow: string;
    metadata: Record<string, string> | null;
  }): Promise<BatchJobRecord> {
    const nowMs = this.#now();
    const job = newBatchJob({
      id: `batch_${randomBytes(12).toString('hex')}`,
      tenant: input.tenant,
      // The key whose own tier or allow-list applies, so a restart holds the lines to the same policy.
      keyId: input.keyId ?? input.compiledTenant?.keyId ?? null,
      inputFileId: input.inputFileId,
      endpoint: input.endpoint,
      completionWindow: input.completionWindow,
      metadata: input.metadata,
      createdAt: nowMs,
      expiresAt: nowMs + COMPLETION_WINDOW_MS,
    });
    await this.store.insertJob(job);
    this.#startIntake(job, input.compiledTenant);
    return job;
  }

  /** `cancelling`, queued lines cancelled, and `cancelled` once nothing is in flight. False: not cancellable. */
  async cancelJob(job: BatchJobRecord): Promise<boolean> {
    if (job.status !== 'validating' && job.status !== 'in_progress') return job.status === 'cancelling';
    if (
      !(await this.store.updateJob(job.id, { status: 'cancelling', cancellingAt: this.#now() }, job.status))
    ) {
      const current = await this.store.getJob(job.id);
      return current?.status === 'cancelling';
    }
    await this.#cancelQueued(job.id);
    await this.aggregator.finalize(job.id);
    return true;
  }

  /**
   * A file whose record is here but whose bytes are not in `files_dir`: the operator is told why (the
   * directory must be shared by every instance on one store), the client gets a clear 404.
   */
  missingBytes(fileId: string, param?: string): GatewayError {
    this.#logger.error(
      { file_id: fileId, files_dir: this.files.dir },
      'batch file content missing from batch.files_dir; with several instances on one store it must be storage they all share',
    );
    return fileContentUnavailable(fileId, param);
  }

  async #cancelQueued(jobId: string): Promise<void> {
    await this.store.cancelQueuedLines(jobId, (line) =>
      errorLine(line.customId, 'batch_cancelled', 'The batch was cancelled before this request was sent.'),
    );
  }

  #startIntake(job: BatchJobRecord, tenant: CompiledTenant | undefined): void {
    const running = this.#intake(job, tenant)
      .catch((error: unknown) => this.#logger.error({ err: error, batch_id: job.id }, 'batch intake failed'))
      .finally(() => this.#intakes.delete(running));
    this.#intakes.add(running);
  }

  async #intake(job: BatchJobRecord, tenant: CompiledTenant | undefined): Promise<void> {
    const still = async () => !this.#stopped && (await this.store.getJob(job.id))?.status === 'validating';
    let complete: boolean;
    try {
      complete = await runIntake({
        job,
        tenant,
        snapshot: this.#snapshot,
        store: this.store,
        files: this.files,
        now: this.#now,
        proceed: still,
        logger: this.#logger,
      });
    } catch (error) {
      // Bytes missing from files_dir get their own error (an instance that does not share the directory).
      const missing = isMissingBytes(error) ? this.missingBytes(job.inputFileId, 'input_file_id') : undefined;
      if (missing === undefined)
        this.#logger.error({ err: error, batch_id: job.id }, 'reading a batch input file failed');
      await this.store.updateJob(
        job.id,
        {
          status: 'failed',
          failedAt: this.#now(),
          errors: [
            {
              code: missing?.code ?? 'input_unreadable',
              message: missing?.message ?? 'The input file could not be read.',
              param: 'input_file_id',
              line: null,
            },
          ],
        },
        'validating',
      );
      return;
    }
    if (this.#stopped) return;
    if (
      !complete ||
      !(await this.store.updateJob(
        job.id,
        { status: 'in_progress', inProgressAt: this.#now() },
        'validating',
      ))
    ) {
      // Cancelled during intake: what was queued is cancelled too, the rest of the file never read.
      if ((await this.store.getJob(job.id))?.status === 'cancelling') await this.#cancelQueued(job.id);
    }
    await this.aggregator.finalize(job.id);
  }
}
