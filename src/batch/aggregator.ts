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
import { type BatchAdmission, BatchBudgets } from './budget.ts';
import { BatchGuards } from './guard.ts';
import { applyResults } from './results.ts';
import { type ResolvedTarget, resolveTarget, upstreamCustomId, upstreamRequest } from './target.ts';
import { batchUpstreamFor, type SubmitItem, type UpstreamResult } from './upstream.ts';
import { SendLease } from './send-lease.ts';
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
/**
 * Sends of one provider batch row that may fail before its lines give up on it: back to the queue once
 * (a new row, sent afresh), then failed (results.ts MAX_LINE_ATTEMPTS). With the default poll settings
 * the tries are spread over about 45 minutes (backoff 45 s, ×1.5, at most max_poll_interval_s), so an
 * outage that long is waited out, and a refusal that never ends (a revoked key) ends the lines within
 * about 1.5 h instead of never.
 */
const MAX_SEND_ATTEMPTS = 10;
const EXPIRED_MESSAGE = 'This request could not be executed before the completion window expired.';
const CANCELLED_MESSAGE = 'The batch was cancelled before this request was sent.';
/**
 * The live path records its answers as they come, at least this often or every so many lines, so a
 * takeover after a crash sends only the lines no answer was recorded for (#sendLive).
 */
const LIVE_RECORD_MS = 1000;
const LIVE_RECORD_LINES = 100;

export interface AggregatorOptions {
  store: BatchStore;
  files: FileStore;
  snapshot: () => Snapshot;
  controlPlane: ControlPlane | undefined;
  logger: Logger;
  now?: () => number;
  /** The send grace (SEND_GRACE_MS); tests shorten it. */
  sendGraceMs?: number;
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
  readonly #sendGraceMs: number;
  readonly #guards: BatchGuards;
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
    this.#sendGraceMs = options.sendGraceMs ?? SEND_GRACE_MS;
    this.#budgets = new BatchBudgets(options.snapshot, options.controlPlane, options.logger, this.#now);
    this.#guards = new BatchGuards(options.snapshot, options.controlPlane);
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
      const until = nowMs + (preparing ? this.#sendGraceMs : this.#backoffMs(batch.polls));
      if (!(await this.#store.takeProviderBatch(batch.id, batch.nextPollAt, until))) continue;
      // A row still `preparing` here failed to send (provider down, a crash): look it up, else send again.
      if (preparing) this.#track(batch.id, () => this.#recover(batch, until));
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
        errorLine(line.customId, 'batch_expired', EXPIRED_MESSAGE),
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
      // Nobody else touches the row while this instance sends it (the send grace, renewed meanwhile).
      nextPollAt: nowMs + this.#sendGraceMs,
      polls: 0,
    };
    const lines = await this.#store.claimLines(batch, limit);
    if (lines.length === 0) return 0;
    const claimed = { ...batch, lineCount: lines.length };
    this.#track(batch.id, async () => {
      try {
        await this.#holding(batch.id, claimed.nextPollAt, (lease) => this.#send(claimed, lines, lease));
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

  async #reserve(line: BatchLineRecord, target: ResolvedTarget): Promise<BatchAdmission> {
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
  async #recover(batch: ProviderBatchRecord, heldUntil: number): Promise<void> {
    try {
      await this.#holding(batch.id, heldUntil, (lease) => this.#adoptOrSend(batch, lease));
    } catch (error) {
      // Not sent this time either. Lines whose job was cancelled or is past its window end now, so such
      // a job ends even while the provider refuses every send; the rest waits with backoff, a bounded
      // number of times.
      const open = await this.#closeUnsent(batch.id);
      if (open.length === 0) {
        this.#logger.warn({ err: error, provider_batch: batch.id }, 'provider batch could not be sent');
        return;
      }
      if (batch.polls + 1 >= MAX_SEND_ATTEMPTS) {
        await this.#giveUpSending(batch, open, error);
        return;
      }
      await this.#store.updateProviderBatch(batch.id, {
        polls: batch.polls + 1,
        nextPollAt: this.#now() + this.#backoffMs(batch.polls),
      });
      throw error;
    }
  }

  /**
   * The submitted lines of a row not (known to be) sent whose job was cancelled or is past its window:
   * finished as OpenAI reports them (`batch_cancelled`, `batch_expired`), never sent, their budget
   * reservations released, their jobs finalized. Returns the lines still to send; a row left with none
   * is ended. Only for a row this instance holds, once the provider was asked whether it has it (and
   * said no, or could not answer: then a job past its window or cancelled ends regardless, since the
   * provider may refuse for good, and an answer it might still hold is given up).
   */
  async #closeUnsent(
    providerBatchId: string,
    known?: readonly BatchLineRecord[],
  ): Promise<BatchLineRecord[]> {
    const lines = known ?? (await this.#store.linesOfProviderBatch(providerBatchId));
    const nowMs = this.#now();
    const closedJobs = new Map<string, string | undefined>();
    const open: BatchLineRecord[] = [];
    const closed: BatchLineRecord[] = [];
    const outcomes: BatchLineOutcome[] = [];
    for (const line of lines) {
      if (!closedJobs.has(line.jobId)) {
        const job = await this.#store.getJob(line.jobId);
        closedJobs.set(
          line.jobId,
          job === undefined || job.status === 'cancelling'
            ? 'batch_cancelled'
            : nowMs >= job.expiresAt
              ? 'batch_expired'
              : undefined,
        );
      }
      const code = closedJobs.get(line.jobId);
      if (code === undefined) {
        open.push(line);
        continue;
      }
      closed.push(line);
      const message = code === 'batch_expired' ? EXPIRED_MESSAGE : CANCELLED_MESSAGE;
      outcomes.push({
        lineId: line.id,
        status: 'failed',
        result: errorLine(line.customId, code, message),
        costUsd: null,
      });
    }
    if (closed.length === 0) return open;
    const changed = new Set(
      open.length === 0
        ? await this.#store.settleProviderBatch(providerBatchId, outcomes, [], nowMs)
        : await this.#store.finishLines(providerBatchId, outcomes),
    );
    for (const line of closed) if (changed.has(line.id)) this.#budgets.settle(line, null);
    this.#logger.info(
      { provider_batch: providerBatchId, lines: changed.size },
      'unsent batch lines of cancelled or expired jobs ended',
    );
    await this.#finalizeJobs(closed.map((line) => line.jobId));
    return open;
  }

  /**
   * A row whose sends failed MAX_SEND_ATTEMPTS times: its lines leave it with no answer, so each goes
   * back to the queue once (a new row, sent afresh) and is then failed (results.ts), and the row ends.
   */
  async #giveUpSending(
    batch: ProviderBatchRecord,
    lines: readonly BatchLineRecord[],
    error: unknown,
  ): Promise<void> {
    this.#logger.warn(
      {
        err: error,
        provider_batch: batch.id,
        target: batch.target,
        attempts: MAX_SEND_ATTEMPTS,
        lines: lines.length,
      },
      'provider batch could not be sent; its lines leave it',
    );
    const message = `The provider did not accept the batch this request was in (${MAX_SEND_ATTEMPTS} attempts to send it failed).`;
    await this.#settle(
      batch.id,
      lines.map((line) => ({
        customId: upstreamCustomId(line.id),
        kind: 'no_response' as const,
        code: 'upstream_error',
        message,
      })),
    );
  }

  #backoffMs(polls: number): number {
    const config = this.#config;
    return Math.min(
      config.max_poll_interval_s * 1000,
      config.poll_interval_s * 1000 * BACKOFF_FACTOR ** (polls + 1),
    );
  }

  /** Runs a send of a row held until `heldUntil`, the hold renewed while it runs (send-lease.ts). */
  async #holding(id: string, heldUntil: number, send: (lease: SendLease) => Promise<void>): Promise<void> {
    const lease = new SendLease({
      store: this.#store,
      id,
      heldUntil,
      graceMs: this.#sendGraceMs,
      now: this.#now,
      logger: this.#logger,
    }).start();
    try {
      await send(lease);
    } finally {
      await lease.stop();
    }
  }

  async #adoptOrSend(batch: ProviderBatchRecord, lease: SendLease): Promise<void> {
    // Only the lines with no answer recorded (a live send cut short records what it got).
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
    // Not sent before: lines whose job was cancelled or ran past its window since are not sent now.
    const open = await this.#closeUnsent(batch.id, lines);
    if (open.length === 0 && lines.length > 0) return;
    await this.#send(batch, open, lease);
  }

  async #send(
    batch: ProviderBatchRecord,
    claimed: readonly BatchLineRecord[],
    lease: SendLease,
  ): Promise<void> {
    let lines = claimed;
    const target = resolveTarget(this.#snapshot(), batch.target);
    if (target === undefined) {
      await this.#settle(batch.id, []);
      return;
    }
    // Budgets by the price the line is billed at: a line a hard budget cannot fit is refused, never
    // sent; one the shared state could not check (limits fail closed) waits for a later flush.
    const admitted: BatchLineRecord[] = [];
    const overBudget: BatchLineOutcome[] = [];
    const deferred: number[] = [];
    /** Jobs with lines finished here, before any answer: finalized at the end of the send. */
    const answeredHere = new Set<string>();
    for (const line of lines) {
      const admission = await this.#reserve(line, target);
      if (admission === undefined) admitted.push(line);
      else if (admission === 'deferred') deferred.push(line.id);
      else {
        overBudget.push(refusedOutcome(line, admission));
        answeredHere.add(line.jobId);
      }
    }
    if (overBudget.length > 0) await this.#store.finishLines(batch.id, overBudget);
    // Nothing of them was sent: back to the queue, the claim not counted as an attempt.
    if (deferred.length > 0) {
      await this.#store.releaseLines(batch.id, deferred, this.#now());
      this.#logger.warn(
        { provider_batch: batch.id, target: batch.target, lines: deferred.length },
        'batch lines wait for the next flush: the shared state did not answer their budget check',
      );
    }
    lines = admitted;
    const upstream = batchUpstreamFor(target.provider, target.call);
    if (upstream === undefined) {
      await this.#sendLive(batch, target, lines, lease);
      await this.#finalizeJobs(answeredHere);
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
        answeredHere.add(line.jobId);
        this.#budgets.settle(line, null);
      }
    }
    if (items.length === 0) {
      await this.#store.settleProviderBatch(batch.id, refused, [], this.#now());
      await this.#finalizeJobs(claimed.map((line) => line.jobId));
      return;
    }
    if (refused.length > 0) await this.#store.finishLines(batch.id, refused);
    if (lease.lost) {
      this.#logger.warn(
        { provider_batch: batch.id },
        'provider batch taken over by another instance; not sent',
      );
      return;
    }
    // Recovery recognises an Anthropic batch by its size (it keeps no metadata): the requests sent,
    // which the refused and deferred lines make fewer than the lines claimed.
    if (items.length !== batch.lineCount)
      await this.#store.updateProviderBatch(batch.id, { lineCount: items.length });
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
    await this.#finalizeJobs(answeredHere);
  }

  /**
   * Lines for a provider without a batch API, sent live (live.ts). Answers are recorded as they come
   * (LIVE_RECORD_MS), not once at the end, so an instance that takes the row over (this one died, or
   * lost its hold) sends only the lines no answer was recorded for. Failures that may be retried wait
   * for the end, where the provider batch is settled and they go back to the queue.
   */
  async #sendLive(
    batch: ProviderBatchRecord,
    target: ResolvedTarget,
    lines: readonly BatchLineRecord[],
    lease: SendLease,
  ): Promise<void> {
    const stopped = () => this.#stopped || lease.lost;
    let answered: UpstreamResult[] = [];
    const retryable: UpstreamResult[] = [];
    let recordedAt = performance.now();
    let recording = Promise.resolve();
    const record = (): void => {
      const chunk = answered;
      answered = [];
      recordedAt = performance.now();
      recording = recording.then(() =>
        this.#settle(batch.id, chunk, target, true).catch((error: unknown) => {
          // Recorded with the rest at the end instead (a line already finished is left as it is).
          this.#logger.warn({ err: error, provider_batch: batch.id }, 'recording live batch answers failed');
          answered.push(...chunk);
        }),
      );
    };
    await runLive(target, lines, this.#config.live_concurrency, stopped, (result) => {
      if (result.kind === 'ok' || (result.kind === 'http_error' && !result.retryable)) answered.push(result);
      else retryable.push(result);
      if (answered.length >= LIVE_RECORD_LINES || performance.now() - recordedAt >= LIVE_RECORD_MS) record();
    });
    await recording;
    if (lease.lost)
      this.#logger.warn(
        { provider_batch: batch.id },
        'provider batch taken over by another instance; this one stopped sending it',
      );
    // Stopped midway (shutdown, taken over): keep what was answered; the rest stays with the open row.
    await this.#settle(batch.id, [...answered, ...retryable], target, stopped());
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
      guards: this.#guards,
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
