/**
 * A provider batch's results applied to its lines: each answer translated by the adapter like a live
 * one (so `body` is the OpenAI completion a live call would have returned) and moderated like a live
 * JSON answer (guard.ts), priced (at the batch discount only when the provider's batch API ran it),
 * ledgered as spend, logged, and stored as a row of the request log (request-rows.ts);
 * failures relayed as OpenAI writes them, or retried once when no answer came (expiry, a failed or
 * cancelled provider batch) or the answer was a 429/5xx.
 */
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import type { Logger } from '../observability/logger.ts';
import { costOfUsage } from '../pricing/cost.ts';
import type { BatchLineOutcome, BatchLineRecord, BatchStore } from '../store/batch-types.ts';
import type { RequestRow } from '../store/request-log.ts';
import { batchLineRow } from './request-rows.ts';
import type { BatchBudgets } from './budget.ts';
import type { BatchGuards } from './guard.ts';
import { errorLine, responseLine } from './objects.ts';
import { lineIdOf, type ResolvedTarget, translationContext } from './target.ts';
import { hasBatchApi, type UpstreamResult } from './upstream.ts';
import { parseChatRequest } from '../pipeline/validate.ts';
import { backgroundTurn } from '../server/background-turn.ts';

const NO_RESULT = 'The provider returned no result for this request.';
/** The status a line's log row gets when no answer came at all (expired, failed provider batch). */
const GATEWAY_TIMEOUT = 504;
/** A line is sent at most this many times (the first try and one retry). */
export const MAX_LINE_ATTEMPTS = 2;
const HOUR_MS = 3_600_000;
/** Lines finished per transaction; live requests go first between two (server/background-turn.ts). */
const SLICE_LINES = 200;
/** Answers whose moderation may be in flight at once (a remote backend is a network call per answer). */
const MODERATION_CONCURRENCY = 8;

export interface ApplyOptions {
  store: BatchStore;
  target: ResolvedTarget | undefined;
  controlPlane: ControlPlane | undefined;
  logger: Logger;
  now: () => number;
  /** Jobs being cancelled or past their window: their lines are not retried. */
  cancelling: (jobId: string) => Promise<boolean>;
  /** Replaces each line's budget reservation by its real cost. */
  budgets: BatchBudgets;
  /** Output moderation of each answer, as the live JSON path's (batch/guard.ts). */
  guards: BatchGuards;
  /**
   * Only some lines were answered (the live path stopped at shutdown): those are finished, every other
   * line stays with the still-open provider batch, to be sent after a restart.
   */
  partial?: boolean;
  /** Queues a finished line's row in the stored request log; absent when the log is not stored. */
  logRow?: (row: RequestRow) => void;
}

/** Settles every line of the provider batch; returns the ids of the jobs it touched. */
export async function applyResults(
  providerBatchId: string,
  results: AsyncIterable<UpstreamResult> | Iterable<UpstreamResult>,
  options: ApplyOptions,
): Promise<Set<string>> {
  const lines = new Map<number, BatchLineRecord>();
  for (const line of await options.store.linesOfProviderBatch(providerBatchId)) lines.set(line.id, line);
  const all = new Map(lines);
  const outcomes: BatchLineOutcome[] = [];
  const retry: number[] = [];
  const cancelled = new Map<string, boolean>();
  const isCancelling = async (jobId: string): Promise<boolean> => {
    let value = cancelled.get(jobId);
    if (value === undefined) {
      value = await options.cancelling(jobId);
      cancelled.set(jobId, value);
    }
    return value;
  };
  /** The request-log row of each finished line, stored once the line is known to be this pass's. */
  const rows = new Map<number, RequestRow>();
  const fail = (
    line: BatchLineRecord,
    failure: BatchLineOutcome,
    status: number,
    code: string,
    message: string,
  ) => {
    outcomes.push(failure);
    failedRow(rows, line, options, status, code, message);
  };
  const retryOrFail = async (
    line: BatchLineRecord,
    failure: BatchLineOutcome,
    status: number,
    code: string,
    message: string,
  ): Promise<void> => {
    if (options.partial === true) return;
    if (line.attempts < MAX_LINE_ATTEMPTS && !(await isCancelling(line.jobId))) retry.push(line.id);
    else fail(line, failure, status, code, message);
  };

  let finishedSoFar = 0;
  /** Lines this pass changed: only those are ledgered and settled (another pass may have done the rest). */
  const changed = new Set<number>();
  /** The log line of each answered line, written once the line is known to be this pass's. */
  const logLines = new Map<number, Record<string, unknown>>();
  /** Answers still being moderated. */
  const moderating = new Set<Promise<void>>();
  for await (const result of results) {
    // Large provider batches are written in slices: short transactions, live requests in between.
    // A crash between slices is harmless: the row stays open, and a line already finished is skipped.
    if (outcomes.length - finishedSoFar >= SLICE_LINES) {
      for (const id of await options.store.finishLines(providerBatchId, outcomes.slice(finishedSoFar)))
        changed.add(id);
      finishedSoFar = outcomes.length;
      await backgroundTurn();
    }
    const lineId = lineIdOf(result.customId);
    const line = lineId === undefined ? undefined : lines.get(lineId);
    if (line === undefined) continue;
    lines.delete(line.id);
    if (result.kind === 'ok') {
      const answered = succeeded(logLines, rows, line, result.bodyText, result.requestId, options).then(
        (outcome) => {
          outcomes.push(outcome);
          moderating.delete(answered);
        },
      );
      moderating.add(answered);
      if (moderating.size >= MODERATION_CONCURRENCY) await Promise.race(moderating);
    } else if (result.kind === 'http_error') {
      const failure: BatchLineOutcome = {
        lineId: line.id,
        status: 'failed',
        result: responseLine(line.customId, result.statusCode, result.requestId || requestId(), result.body),
        costUsd: null,
      };
      const message = `The provider answered ${result.statusCode}.`;
      if (result.retryable) await retryOrFail(line, failure, result.statusCode, 'upstream_error', message);
      else fail(line, failure, result.statusCode, 'upstream_error', message);
    } else
      await retryOrFail(
        line,
        {
          lineId: line.id,
          status: 'failed',
          result: errorLine(line.customId, result.code, result.message),
          costUsd: null,
        },
        GATEWAY_TIMEOUT,
        result.code,
        result.message,
      );
  }
  await Promise.all(moderating);
  // Lines the provider said nothing about (an expired or failed provider batch): retried once.
  if (options.partial !== true)
    for (const line of lines.values())
      await retryOrFail(
        line,
        {
          lineId: line.id,
          status: 'failed',
          result: errorLine(line.customId, 'batch_expired', NO_RESULT),
          costUsd: null,
        },
        GATEWAY_TIMEOUT,
        'batch_expired',
        NO_RESULT,
      );
  const rest = outcomes.slice(finishedSoFar);
  const settled =
    options.partial === true
      ? await options.store.finishLines(providerBatchId, rest)
      : await options.store.settleProviderBatch(providerBatchId, rest, retry, options.now());
  for (const id of settled) changed.add(id);
  ledger(
    outcomes.filter((outcome) => changed.has(outcome.lineId)),
    all,
    options,
  );
  for (const [id, fields] of logLines) if (changed.has(id)) options.logger.info(fields, 'batch line');
  const logRow = options.logRow;
  if (logRow !== undefined) for (const [id, row] of rows) if (changed.has(id)) logRow(row);
  const costs = new Map(outcomes.map((outcome) => [outcome.lineId, outcome.costUsd]));
  for (const line of all.values())
    if (changed.has(line.id)) options.budgets.settle(line, costs.get(line.id) ?? null);
  const jobs = new Set<string>();
  for (const line of all.values()) jobs.add(line.jobId);
  return jobs;
}

/** The request-log row of a line that ends failed. */
function failedRow(
  rows: Map<number, RequestRow>,
  line: BatchLineRecord,
  options: ApplyOptions,
  status: number,
  code: string,
  message: string,
): void {
  const failure = { provider: options.target?.provider.name ?? null, status, code, message };
  rows.set(line.id, batchLineRow(line, { failure }, options.now()));
}

async function succeeded(
  logLines: Map<number, Record<string, unknown>>,
  rows: Map<number, RequestRow>,
  line: BatchLineRecord,
  bodyText: string,
  upstreamRequestId: string,
  options: ApplyOptions,
): Promise<BatchLineOutcome> {
  const target = options.target;
  const failed = (status: number, code: string, message: string): BatchLineOutcome => {
    failedRow(rows, line, options, status, code, message);
    return {
      lineId: line.id,
      status: 'failed',
      result: errorLine(line.customId, code, message),
      costUsd: null,
    };
  };
  if (target === undefined || line.request === null)
    return failed(502, 'target_unavailable', `The target '${line.target}' is no longer configured.`);
  try {
    const request = parseChatRequest(Buffer.from(line.request));
    const translated = target.provider.adapter.fromResponse(
      bodyText,
      translationContext(request, options.now()),
    );
    const upstreamModel = translated.completion.model ?? target.upstreamModel;
    const price = options.controlPlane?.prices.priceFor(
      target.provider.name,
      target.provider.type,
      upstreamModel,
    );
    // The batch discount only for what the provider ran as a batch; a line the live path sent paid in full.
    const cost = costOfUsage(translated.usage, price, hasBatchApi(target.provider.type));
    // Output moderation as live: a blocked answer's content is emptied (content_filter), a redaction redacts.
    const checked = options.guards.moderate(line, request, target, translated);
    const moderated = checked instanceof Promise ? await checked : checked;
    const verdicts = moderated.verdicts.length === 0 ? undefined : moderated.verdicts;
    rows.set(
      line.id,
      batchLineRow(
        line,
        {
          answer: {
            model: request.model,
            provider: target.provider.name,
            upstreamModel,
            finishReason: moderated.finishReason,
            usage: translated.usage,
            costUsd: cost,
            guardrails: verdicts,
          },
        },
        options.now(),
      ),
    );
    logLines.set(line.id, {
      batch_id: line.jobId,
      custom_id: line.customId,
      tenant: line.tenant,
      model: request.model,
      provider: target.provider.name,
      upstream_model: upstreamModel,
      status: 200,
      batch: true,
      usage:
        translated.usage === undefined
          ? null
          : { prompt: translated.usage.prompt_tokens, completion: translated.usage.completion_tokens },
      cost_usd: cost,
      ...(verdicts === undefined ? {} : { guardrails: verdicts }),
    });
    return {
      lineId: line.id,
      status: 'succeeded',
      result: responseLine(line.customId, 200, upstreamRequestId || requestId(), moderated.body),
      costUsd: cost,
    };
  } catch (error) {
    return failed(
      502,
      'upstream_protocol_error',
      `The provider's answer could not be read: ${(error as Error).message}`,
    );
  }
}

function ledger(
  outcomes: readonly BatchLineOutcome[],
  lines: Map<number, BatchLineRecord>,
  options: ApplyOptions,
): void {
  const spend = options.controlPlane?.spend;
  if (spend === undefined) return;
  const hourStart = Math.floor(options.now() / HOUR_MS) * HOUR_MS;
  for (const outcome of outcomes) {
    const line = lines.get(outcome.lineId);
    if (line === undefined || outcome.costUsd === null || outcome.costUsd <= 0) continue;
    spend.enqueueSpend({ tenant: line.tenant, hourStart, usd: outcome.costUsd, requests: 1 });
  }
}

function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}
