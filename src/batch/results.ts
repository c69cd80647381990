/**
 * A provider batch's results applied to its lines: each answer translated by the adapter like a live
 * one (so `body` is the OpenAI completion a live call would have returned), priced at the batch
 * discount, ledgered as spend and logged; failures relayed as OpenAI writes them, or retried once when
 * no answer came (expiry, a failed or cancelled provider batch) or the answer was a 429/5xx.
 */
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import type { Logger } from '../observability/logger.ts';
import { costOfUsage } from '../pricing/cost.ts';
import type { BatchLineOutcome, BatchLineRecord, BatchStore } from '../store/batch-types.ts';
import type { BatchBudgets } from './budget.ts';
import { errorLine, responseLine } from './objects.ts';
import { lineIdOf, type ResolvedTarget, translationContext } from './target.ts';
import type { UpstreamResult } from './upstream.ts';
import { parseChatRequest } from '../pipeline/validate.ts';

/** A line is sent at most this many times (the first try and one retry). */
export const MAX_LINE_ATTEMPTS = 2;
const HOUR_MS = 3_600_000;
const SLICE_LINES = 500;

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
  /**
   * Only some lines were answered (the live path stopped at shutdown): those are finished, every other
   * line stays with the still-open provider batch, to be sent after a restart.
   */
  partial?: boolean;
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
  const retryOrFail = async (line: BatchLineRecord, failure: BatchLineOutcome): Promise<void> => {
    if (options.partial === true) return;
    if (line.attempts < MAX_LINE_ATTEMPTS && !(await isCancelling(line.jobId))) retry.push(line.id);
    else outcomes.push(failure);
  };

  let finishedSoFar = 0;
  /** Lines this pass changed: only those are ledgered and settled (another pass may have done the rest). */
  const changed = new Set<number>();
  /** The log line of each answered line, written once the line is known to be this pass's. */
  const logLines = new Map<number, Record<string, unknown>>();
  for await (const result of results) {
    // Large provider batches are written in slices: short transactions, live requests in between.
    // A crash between slices is harmless: the row stays open, and a line already finished is skipped.
    if (outcomes.length - finishedSoFar >= SLICE_LINES) {
      for (const id of await options.store.finishLines(providerBatchId, outcomes.slice(finishedSoFar)))
        changed.add(id);
      finishedSoFar = outcomes.length;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const lineId = lineIdOf(result.customId);
    const line = lineId === undefined ? undefined : lines.get(lineId);
    if (line === undefined) continue;
    lines.delete(line.id);
    if (result.kind === 'ok')
      outcomes.push(succeeded(logLines, line, result.bodyText, result.requestId, options));
    else if (result.kind === 'http_error') {
      const failure: BatchLineOutcome = {
        lineId: line.id,
        status: 'failed',
        result: responseLine(line.customId, result.statusCode, result.requestId || requestId(), result.body),
        costUsd: null,
      };
      if (result.retryable) await retryOrFail(line, failure);
      else outcomes.push(failure);
    } else
      await retryOrFail(line, {
        lineId: line.id,
        status: 'failed',
        result: errorLine(line.customId, result.code, result.message),
        costUsd: null,
      });
  }
  // Lines the provider said nothing about (an expired or failed provider batch): retried once.
  if (options.partial !== true)
    for (const line of lines.values())
      await retryOrFail(line, {
        lineId: line.id,
        status: 'failed',
        result: errorLine(
          line.customId,
          'batch_expired',
          'The provider returned no result for this request.',
        ),
        costUsd: null,
      });
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
  const costs = new Map(outcomes.map((outcome) => [outcome.lineId, outcome.costUsd]));
  for (const line of all.values())
    if (changed.has(line.id)) options.budgets.settle(line, costs.get(line.id) ?? null);
  const jobs = new Set<string>();
  for (const line of all.values()) jobs.add(line.jobId);
  return jobs;
}

function succeeded(
  logLines: Map<number, Record<string, unknown>>,
  line: BatchLineRecord,
  bodyText: string,
  upstreamRequestId: string,
  options: ApplyOptions,
): BatchLineOutcome {
  const target = options.target;
  if (target === undefined || line.request === null)
    return {
      lineId: line.id,
      status: 'failed',
      result: errorLine(
        line.customId,
        'target_unavailable',
        `The target '${line.target}' is no longer configured.`,
      ),
      costUsd: null,
    };
  try {
    const request = parseChatRequest(Buffer.from(line.request));
    const translated = target.provider.adapter.fromResponse(
      bodyText,
      translationContext(request, options.now()),
    );
    const price = options.controlPlane?.prices.priceFor(
      target.provider.name,
      target.provider.type,
      translated.completion.model ?? target.upstreamModel,
    );
    const cost = costOfUsage(translated.usage, price, true);
    logLines.set(line.id, {
      batch_id: line.jobId,
      custom_id: line.customId,
      tenant: line.tenant,
      model: request.model,
      provider: target.provider.name,
      upstream_model: translated.completion.model ?? target.upstreamModel,
      status: 200,
      batch: true,
      usage:
        translated.usage === undefined
          ? null
          : { prompt: translated.usage.prompt_tokens, completion: translated.usage.completion_tokens },
      cost_usd: cost,
    });
    return {
      lineId: line.id,
      status: 'succeeded',
      result: responseLine(line.customId, 200, upstreamRequestId || requestId(), translated.body),
      costUsd: cost,
    };
  } catch (error) {
    return {
      lineId: line.id,
      status: 'failed',
      result: errorLine(
        line.customId,
        'upstream_protocol_error',
        `The provider's answer could not be read: ${(error as Error).message}`,
      ),
      costUsd: null,
    };
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
