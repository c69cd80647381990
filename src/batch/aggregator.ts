/**
 * The aggregator: lines of every job and tenant bound for the same `provider/model` wait together and
 * leave as one provider batch when `max_batch_size` of them wait or the oldest has waited
 * `flush_interval_s` (both overridable per target under `batch.models`). Provider batches are then
 * polled with backoff until they end, and their results applied (results.ts) and the jobs they touched
 * finalized (finalize.ts).
 *
 * Exactly once: the provider batch row and its claimed lines are written in one transaction before
 * the provider is called, and the upstream id is recorded as soon as it answers. A row left
 * `preparing` by a crash is looked up upstream (`find`) before it is ever sent again.
 *
 * One tick at a time, on a timer; everything here runs beside the request path and only the store's
 * short transactions touch the event loop.
 */
import { randomBytes } from 'node:crypto';
import type { Snapshot } from '../config/compile.ts';
import type { BatchConfig } from '../config/sections/batch.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../observability/logger.ts';
import type {
  BatchLineOutcome,
  BatchLineRecord,
  BatchStore,
  ProviderBatchRecord,
} from '../store/batch-types.ts';
import type { FileStore } from './file-store.ts';
import { finalizeIfDone } from './finalize.ts';
import { runLive } from './live.ts';
import { errorBody, errorLine, responseLine } from './objects.ts';
import { BatchBudgets } from './budget.ts';
import { applyResults } from './results.ts';
import { type ResolvedTarget, resolveTarget, upstreamCustomId, upstreamRequest } from './target.ts';
import { batchUpstreamFor, type SubmitItem } from './upstream.ts';
import { backgroundTurn, sliceEnd } from '../server/background-turn.ts';

const BACKOFF_FACTOR = 1.5;
const MAX_TICK_MS = 1000;
/** How often jobs are checked against their 24 h completion window. */
const EXPIRY_CHECK_MS = 60_000;
/**
 * How long a row being sent is left to its sender: longer than an upload and a create can take
 * (upstream-http.ts times calls out at 120 s). A row a crash left mid-send is recovered after it.
 */
const SEND_GRACE_MS = 150_000;

export interface AggregatorOptions {
  store: BatchStore;
  files: FileStore;
  snapshot: () => Snapshot;
  controlPlane: ControlPlane | undefined;
  logger: Logger;
  now?: () => number;
}

export class Aggregator {
  readonly #store: BatchStore;
  readonly #files: FileStore;
  readonly #snapshot: () => Snapshot;
  readonly #controlPlane: ControlPlane | undefined;
  /** Jobs being finalized → the finalization in flight (finalize). */
  readonly #finalizing = new Map<string, Promise<unknown>>();
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #budgets: BatchBudgets;
  /** Provider batches this process is working on (sending, polling, running live). */
  readonly #busy = new Set<string>();
  readonly #work = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #expiryCheckedAt = 0;
  #stopped = true;
  #ticking: Promise<void> | undefined;

  constructor(options: AggregatorOptions) {
    this.#store = options.store;
    this.#files = options.files;
    this.#snapshot = options.snapshot;
    this.#controlPlane = options.controlPlane;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#budgets = new BatchBudgets(options.snapshot, options.controlPlane, options.logger, this.#now);
  }

  get #config(): BatchConfig {
    return this.#snapshot().config.batch;
  }

  /**
   * Starts ticking. What a previous process left is resumed by the ticks like any due row: rows
   * `preparing` are looked up upstream first, once their send grace has passed.
   */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#ticking;
    await Promise.allSettled([...this.#work]);
  }

  /** One pass now; the timer calls it, and a pass already running is joined rather than doubled. */
  async tick(): Promise<void> {
    if (this.#ticking !== undefined) return this.#ticking;
    this.#ticking = this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  /**
   * Finalizes the job now if every line is done. One finalization of a job at a time in this process:
   * the end of its intake, its last results and a cancel can each ask at once, and a second call waits
   * for the first, then finds the job final and does nothing.
   */
  async finalize(jobId: string): Promise<void> {
    const previous = this.#finalizing.get(jobId);
    const next = (previous ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => finalizeIfDone(jobId, this.#store, this.#files, this.#now));
    this.#finalizing.set(jobId, next);
    try {
      await next;
    } finally {
      if (this.#finalizing.get(jobId) === next) this.#finalizing.delete(jobId);
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    const config = this.#config;
    const everyMs = Math.min(MAX_TICK_MS, config.flush_interval_s * 250, config.poll_interval_s * 1000);
    this.#timer = setTimeout(
      () => {
        this.tick()
          .catch((error: unknown) => this.#logger.error({ err: error }, 'batch aggregator tick failed'))
          .finally(() => this.#schedule());
      },
      Math.max(10, everyMs),
    );
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const config = this.#config;
    const nowMs = this.#now();
    if (nowMs - this.#expiryCheckedAt >= EXPIRY_CHECK_MS) {
      this.#expiryCheckedAt = nowMs;
      await this.#expireJobs(nowMs);
    }
    for (const queued of await this.#store.queuedTargets()) {
      if (this.#stopped) return;
      const override = config.models[queued.target];
      const maxSize = override?.max_batch_size ?? config.max_batch_size;
      const flushMs = (override?.flush_interval_s ?? config.flush_interval_s) * 1000;
      let waiting = queued.lines;
      if (waiting < maxSize && nowMs - queued.oldestQueuedAt < flushMs) continue;
      // Full batches first; the remainder only once its oldest line has waited the interval.
      while (waiting > 0 && (waiting >= maxSize || nowMs - queued.oldestQueuedAt >= flushMs)) {
        const sent = await this.#flush(queued.target, maxSize);
        if (sent === 0) break;
        waiting -= sent;
      }
    }
    for (const batch of await this.#store.openProviderBatches()) {
      if (this.#stopped) return;
      if (batch.nextPollAt > nowMs || this.#busy.has(batch.id)) continue;
      // Taken before the work, so of several instances (or a tick racing a slow one) one does it.
      const preparing = batch.status === 'preparing';
      const until = nowMs + (preparing ? SEND_GRACE_MS : this.#backoffMs(batch.polls));
      if (!(await this.#store.takeProviderBatch(batch.id, batch.nextPollAt, until))) continue;
      // A row still `preparing` here failed to send (provider down, a crash): look it up, else send again.
      if (preparing) this.#track(batch.id, () => this.#recover(batch));
      else this.#track(batch.id, () => this.#poll(batch));
    }
  }

  /**
   * Jobs past their completion window: lines still waiting are reported `batch_expired` and the job
   * ends `expired` once what is in flight has come back (finalize.ts).
   */
  async #expireJobs(nowMs: number): Promise<void> {
    for (const job of await this.#store.activeJobs()) {
      if (job.status !== 'in_progress' || job.expiresAt > nowMs) continue;
      await this.#store.cancelQueuedLines(job.id, (line) =>
        errorLine(
          line.customId,
          'batch_expired',
          'This request could not be executed before the completion window expired.',
        ),
      );
      await this.finalize(job.id);
    }
  }

  /** Claims up to `limit` lines of the target into a new provider batch and sends it; returns how many. */
  async #flush(target: string, limit: number): Promise<number> {
    const nowMs = this.#now();
    const batch: ProviderBatchRecord = {
      id: `pb_${randomBytes(12).toString('hex')}`,
      target,
      status: 'preparing',
      upstreamId: null,
      lineCount: 0,
      createdAt: nowMs,
      // Nobody else touches the row while this instance sends it (the send grace).
      nextPollAt: nowMs + SEND_GRACE_MS,
      polls: 0,
    };
    const lines = await this.#store.claimLines(batch, limit);
    if (lines.length === 0) return 0;
    const claimed = { ...batch, lineCount: lines.length };
    this.#track(batch.id, async () => {
      try {
        await this.#send(claimed, lines);
      } catch (error) {
        // Nothing is known to have reached the provider: the row is looked up, then sent, after a backoff.
        await this.#store.updateProviderBatch(batch.id, {
          polls: 1,
          nextPollAt: this.#now() + this.#backoffMs(0),
        });
        throw error;
      }
    });
    return lines.length;
  }

  async #reserve(line: BatchLineRecord, target: ResolvedTarget): Promise<GatewayError | undefined> {
    try {
      return await this.#budgets.reserve(line, upstreamRequest(target, line.request ?? '{}').request, target);
    } catch (error) {
      // An untranslatable line is refused when its batch is built, below.
      if (error instanceof GatewayError) return undefined;
      throw error;
    }
  }

  #track(id: string, work: () => Promise<void>): void {
    this.#busy.add(id);
    const running = work()
      .catch((error: unknown) =>
        this.#logger.warn(
          { err: error, provider_batch: id },
          'provider batch work failed; retried on a later tick',
        ),
      )
      .finally(() => {
        this.#busy.delete(id);
        this.#work.delete(running);
      });
    this.#work.add(running);
  }

  /**
   * A row left `preparing` (by a crash, or a send that failed): adopt the upstream batch it was sent
   * as, or send it now. A failure waits with the same backoff as polling before the next try.
   */
  async #recover(batch: ProviderBatchRecord): Promise<void> {
    try {
      await this.#adoptOrSend(batch);
    } catch (error) {
      await this.#store.updateProviderBatch(batch.id, {
        polls: batch.polls + 1,
        nextPollAt: this.#now() + this.#backoffMs(batch.polls),
      });
      throw error;
    }
  }

  #backoffMs(polls: number): number {
    const config = this.#config;
    return Math.min(
      config.max_poll_interval_s * 1000,
      config.poll_interval_s * 1000 * BACKOFF_FACTOR ** (polls + 1),
    );
  }

  async #adoptOrSend(batch: ProviderBatchRecord): Promise<void> {
    const lines = await this.#store.linesOfProviderBatch(batch.id);
    const target = resolveTarget(this.#snapshot(), batch.target);
    const upstream = target === undefined ? undefined : batchUpstreamFor(target.provider, target.call);
    if (target !== undefined && upstream !== undefined) {
      const known = new Set(await this.#store.knownUpstreamIds(batch.target));
      const found = await upstream.find(batch, known);
      if (found !== undefined) {
        this.#logger.info(
          { provider_batch: batch.id, upstream_id: found },
          'provider batch found again after a restart',
        );
        await this.#store.updateProviderBatch(batch.id, {
          status: 'submitted',
          upstreamId: found,
          nextPollAt: this.#now(),
        });
        return;
      }
    }
    await this.#send(batch, lines);
  }

  async #send(batch: ProviderBatchRecord, claimed: readonly BatchLineRecord[]): Promise<void> {
    let lines = claimed;
    const target = resolveTarget(this.#snapshot(), batch.target);
    if (target === undefined) {
      await this.#settle(batch.id, []);
      return;
    }
    // Budgets by the batch price: a line a hard budget cannot fit is refused, never sent.
    const admitted: BatchLineRecord[] = [];
    const overBudget: BatchLineOutcome[] = [];
    for (const line of lines) {
      const refusal = await this.#reserve(line, target);
      if (refusal === undefined) admitted.push(line);
      else overBudget.push(refusedOutcome(line, refusal));
    }
    if (overBudget.length > 0) await this.#store.finishLines(batch.id, overBudget);
    lines = admitted;
    const upstream = batchUpstreamFor(target.provider, target.call);
    if (upstream === undefined) {
      const results = await runLive(target, lines, this.#config.live_concurrency, () => this.#stopped);
      // Stopped midway: keep what was answered; the rest is sent after a restart (the row stays open).
      await this.#settle(batch.id, results, target, this.#stopped);
      return;
    }
    // Lines the adapter cannot translate for this provider are answered at once, like a live 400.
    const items: SubmitItem[] = [];
    const refused: BatchLineOutcome[] = [];
    let sliceDeadline = sliceEnd();
    for (const line of lines) {
      // Translating thousands of lines is CPU work: live requests go first (server/background-turn.ts).
      if (performance.now() >= sliceDeadline) {
        await backgroundTurn();
        sliceDeadline = sliceEnd();
      }
      try {
        items.push({
          customId: upstreamCustomId(line.id),
          body: upstreamRequest(target, line.request ?? '{}').upstream.body ?? '{}',
        });
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        refused.push(refusedOutcome(line, error));
        this.#budgets.settle(line, null);
      }
    }
    if (items.length === 0) {
      await this.#store.settleProviderBatch(batch.id, refused, [], this.#now());
      await this.#finalizeJobs(claimed.map((line) => line.jobId));
      return;
    }
    if (refused.length > 0) await this.#store.finishLines(batch.id, refused);
    const upstreamId = await upstream.submit(batch.id, items);
    const first = this.#config.poll_interval_s * 1000;
    await this.#store.updateProviderBatch(batch.id, {
      status: 'submitted',
      upstreamId,
      nextPollAt: this.#now() + first,
    });
    this.#logger.info(
      { provider_batch: batch.id, upstream_id: upstreamId, target: batch.target, lines: items.length },
      'provider batch submitted',
    );
  }

  async #poll(batch: ProviderBatchRecord): Promise<void> {
    const target = resolveTarget(this.#snapshot(), batch.target);
    const upstream = target === undefined ? undefined : batchUpstreamFor(target.provider, target.call);
    if (target === undefined || upstream === undefined || batch.upstreamId === null) {
      await this.#settle(batch.id, []);
      return;
    }
    const outcome = await upstream.poll(batch.upstreamId).catch((error: unknown) => {
      this.#logger.warn({ err: error, provider_batch: batch.id }, 'polling a provider batch failed');
      return { ended: false as const };
    });
    if (!outcome.ended) {
      await this.#store.updateProviderBatch(batch.id, {
        polls: batch.polls + 1,
        nextPollAt: this.#now() + this.#backoffMs(batch.polls),
      });
      return;
    }
    await this.#settle(batch.id, outcome.results(), target);
  }

  async #settle(
    providerBatchId: string,
    results: Parameters<typeof applyResults>[1],
    target?: ResolvedTarget,
    partial = false,
  ): Promise<void> {
    const jobs = await applyResults(providerBatchId, results, {
      store: this.#store,
      target,
      controlPlane: this.#controlPlane,
      logger: this.#logger,
      now: this.#now,
      cancelling: async (jobId) => {
        const job = await this.#store.getJob(jobId);
        return job === undefined || job.status === 'cancelling' || this.#now() >= job.expiresAt;
      },
      budgets: this.#budgets,
      partial,
      logRow: this.#snapshot().config.logging.store_requests
        ? (row) => this.#controlPlane?.spend?.enqueueRequest(row)
        : undefined,
    });
    await this.#finalizeJobs(jobs);
  }

  async #finalizeJobs(jobIds: Iterable<string>): Promise<void> {
    for (const jobId of new Set(jobIds)) await this.finalize(jobId);
  }
}

/** A line answered without being sent (untranslatable, over budget): the error as its response. */
function refusedOutcome(line: BatchLineRecord, error: GatewayError): BatchLineOutcome {
  return {
    lineId: line.id,
    status: 'failed',
    result: responseLine(
      line.customId,
      error.status,
      '',
      errorBody(error.message, error.type, error.code, error.param),
    ),
    costUsd: null,
  };
}
