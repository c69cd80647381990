/**
 * A finished batch line as a row of the stored request log (issue 16: batch lines are counted in spend
 * and in the request log), so `GET /admin/requests`, the dashboard's traffic and spend, and the rollups
 * see them beside live requests. The row is marked `detail.api: "batch"`; its request id is the job id
 * and the line's custom id, which the caller can look up. A batch line has no live latency to speak
 * of (it waited for the provider's batch window), so its latencies are 0 and the rollups leave batch
 * rows out of the latency histograms (store/request-log.ts).
 */
import type { BatchLineRecord } from '../store/batch-types.ts';
import type { RequestRow } from '../store/request-log.ts';
import type { Usage } from '../protocol/chat-response.ts';
import type { GuardVerdict } from '../guardrails/verdict.ts';

export interface BatchLineAnswer {
  model: string;
  provider: string;
  upstreamModel: string;
  finishReason: string | null;
  usage: Usage | undefined;
  costUsd: number | null;
  /** Output moderation's verdicts on the answer, when it had any. */
  guardrails?: readonly GuardVerdict[];
}

export interface BatchLineFailure {
  provider: string | null;
  status: number;
  code: string;
  message: string;
}

export function batchLineRow(
  line: BatchLineRecord,
  outcome: { answer: BatchLineAnswer } | { failure: BatchLineFailure },
  nowMs: number,
): RequestRow {
  const answer = 'answer' in outcome ? outcome.answer : undefined;
  const failure = 'failure' in outcome ? outcome.failure : undefined;
  const usage = answer?.usage;
  return {
    requestId: `${line.jobId}:${line.customId}`,
    timeMs: nowMs,
    tenant: line.tenant === '' ? null : line.tenant,
    keyId: null,
    model: answer?.model ?? requestedModel(line),
    provider: answer?.provider ?? failure?.provider ?? null,
    upstreamModel: answer?.upstreamModel ?? null,
    status: failure?.status ?? 200,
    attempts: line.attempts,
    stream: false,
    cache: null,
    finishReason: answer?.finishReason ?? null,
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
    usageEstimated: false,
    costUsd: answer?.costUsd ?? null,
    costEstimateUsd: null,
    latencyTotalMs: 0,
    latencyGatewayMs: 0,
    latencyNetworkMs: 0,
    latencyInferenceMs: 0,
    errorCode: failure?.code ?? null,
    detail: {
      routing: null,
      attempts: [],
      guardrails: answer?.guardrails ?? null,
      api: 'batch',
      error_message: failure?.message ?? null,
    },
  };
}

/** The model a stored line asked for, for the row of a line that failed before any answer. */
function requestedModel(line: BatchLineRecord): string {
  if (line.request === null) return '';
  try {
    const model = (JSON.parse(line.request) as { model?: unknown }).model;
    return typeof model === 'string' ? model : '';
  } catch {
    return '';
  }
}
