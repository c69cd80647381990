/**
 * What one finished request leaves behind, built once from its context after the response ended: the
 * stdout log line's fields and the stored row (store/request-log.ts). Both say the same thing; the line
 * keeps a few more debugging fields (raw finish reason, the error message, each attempt's target id).
 *
 * The latency split adds up by construction: `network` is the time spent waiting on upstreams up to the
 * answer's first byte (every failed attempt whole, plus the answering attempt's connect and time to its
 * response head), `inference` the answering attempt's first byte to its last, and `gateway` the rest of
 * the total (parsing, routing, backoff waits, writing to the client).
 */
import type { AttemptRecord, RequestContext } from '../pipeline/context.ts';
import { answerPrice } from '../pipeline/answer-price.ts';
import { costUsd } from '../pricing/cost.ts';
import { countPromptTokens } from '../pricing/estimate.ts';
import { storedBodies } from './body-capture.ts';
import type { AttemptDetail, RequestRow } from '../store/request-log.ts';

export interface RequestRecord {
  line: Record<string, unknown>;
  row: RequestRow;
}

export interface LatencySplit {
  total: number;
  gateway: number;
  network: number;
  inference: number;
}

/** The split of `totalMs` (see the file comment); every part rounded to 0.01 ms. */
export function latencySplit(ctx: RequestContext, totalMs: number): LatencySplit {
  const attempts = ctx.attempts;
  let network = 0;
  let inference = 0;
  const last = attempts.at(-1);
  const answered = last !== undefined && (last.outcome === 'ok' || ctx.committed);
  for (let i = 0; i < attempts.length; i++) {
    const attempt = attempts[i] as AttemptRecord;
    if (answered && i === attempts.length - 1 && attempt.firstByteMs !== undefined) {
      network += attempt.firstByteMs;
      inference += Math.max(0, attempt.durationMs - attempt.firstByteMs);
    } else network += attempt.durationMs;
  }
  const total = round(totalMs);
  const net = round(network);
  const inf = round(inference);
  return { total, network: net, inference: inf, gateway: Math.max(0, round(total - net - inf)) };
}

interface Tokens {
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
  estimated: boolean;
}

/**
 * The usage the upstream reported; else, for an answer that started (a client gone mid-stream, a cut
 * stream), an estimate: the pre-flight prompt count and one token per content chunk sent (providers
 * stream about a token per chunk), marked as estimated; else zeros.
 */
export function tokensOf(ctx: RequestContext): Tokens {
  const usage = ctx.usage;
  if (usage !== undefined)
    return {
      prompt: usage.prompt_tokens,
      completion: usage.completion_tokens,
      cached: usage.prompt_tokens_details?.cached_tokens ?? 0,
      reasoning: usage.completion_tokens_details?.reasoning_tokens ?? 0,
      // A continued stream's usage adds what its broken attempts reported, or estimates where they did not.
      estimated: ctx.usageEstimated,
    };
  if (!ctx.committed) return { prompt: 0, completion: 0, cached: 0, reasoning: 0, estimated: false };
  const request = ctx.request;
  return {
    // Counted here, after the response, when the budget stage did not count it before.
    prompt: ctx.estimate?.promptTokens ?? (request === undefined ? 0 : countPromptTokens(request)),
    // The first chunk carries only the role.
    completion: Math.max(0, ctx.streamedChunks - 1),
    cached: 0,
    reasoning: 0,
    estimated: true,
  };
}

/** `provider/model` target id → its two parts (provider names cannot contain a slash). */
function splitTarget(target: string): [string, string] {
  const at = target.indexOf('/');
  return at === -1 ? [target, ''] : [target.slice(0, at), target.slice(at + 1)];
}

export function buildRequestRecord(
  ctx: RequestContext,
  status: number,
  totalMs: number,
  nowMs: number,
): RequestRecord {
  const split = latencySplit(ctx, totalMs);
  const tokens = tokensOf(ctx);
  // One object per attempt, shared by the line and the row.
  const attempts: AttemptDetail[] = [];
  for (const attempt of ctx.attempts) {
    const [provider, model] = splitTarget(attempt.target);
    attempts.push({
      target: attempt.target,
      provider,
      model,
      key_id: attempt.keyId,
      status: attempt.status,
      outcome: attempt.outcome,
      error_class: attempt.outcome === 'ok' ? null : attempt.outcome,
      reason: attempt.reason ?? null,
      duration_ms: round(attempt.durationMs),
      first_byte_ms: attempt.firstByteMs === undefined ? null : round(attempt.firstByteMs),
      wait_ms: attempt.waitMs ?? 0,
    });
  }
  // The attempt that answered; else the last one tried. Attempts are in the order they ended, and a
  // hedge's loser ends after its winner.
  const chosen = ctx.attempts.findLast((attempt) => attempt.outcome === 'ok') ?? ctx.attempts.at(-1);
  const routing =
    ctx.routeStrategy === null
      ? null
      : {
          strategy: ctx.routeStrategy,
          rule: ctx.routeRule,
          chosen: chosen?.target ?? null,
          reason: chosen?.reason ?? null,
        };
  const tenant = ctx.tenant?.name ?? null;
  const model = ctx.request?.model ?? null;
  const verdicts = ctx.guardVerdicts.length === 0 ? null : ctx.guardVerdicts;
  const costEstimate = tokens.estimated ? estimatedCost(ctx, tokens) : (ctx.estimate?.costUsd ?? null);
  const line: Record<string, unknown> = {
    request_id: ctx.requestId,
    tenant,
    key_id: ctx.keyId,
    model,
    provider: ctx.provider,
    upstream_model: ctx.upstreamModel,
    stream: ctx.stream,
    // Which client protocol: chat-completions, or a front's name (anthropic-messages, responses, embeddings).
    api: ctx.front?.name ?? 'chat-completions',
    status,
    routing,
    attempts,
    cache: ctx.cacheStatus,
    cost_saved_usd: ctx.cacheSavedUsd,
    guardrails: verdicts,
    finish_reason: ctx.finishReason,
    raw_finish_reason: ctx.rawFinishReason,
    usage: ctx.usage === undefined && !tokens.estimated ? null : usageJson(tokens),
    usage_estimated: tokens.estimated,
    cost_usd: ctx.costUsd,
    cost_estimate_usd: costEstimate,
    latency_ms: {
      total: split.total,
      gateway: split.gateway,
      network: split.network,
      inference: split.inference,
      upstream: round(ctx.upstreamMs),
      first_byte: ctx.firstByteMs === null ? null : round(ctx.firstByteMs),
    },
    error: ctx.errorCode === null ? null : { code: ctx.errorCode, message: ctx.errorMessage },
    client_aborted: ctx.clientAborted,
  };
  const row: RequestRow = {
    requestId: ctx.requestId,
    timeMs: Math.max(0, Math.round(nowMs - totalMs)),
    tenant,
    keyId: ctx.keyId,
    model: model ?? '',
    provider: ctx.provider,
    upstreamModel: ctx.upstreamModel,
    status,
    attempts: ctx.attempts.length,
    stream: ctx.stream,
    cache: ctx.cacheStatus,
    finishReason: ctx.finishReason,
    promptTokens: tokens.prompt,
    completionTokens: tokens.completion,
    cachedTokens: tokens.cached,
    reasoningTokens: tokens.reasoning,
    usageEstimated: tokens.estimated,
    costUsd: ctx.costUsd,
    costEstimateUsd: costEstimate,
    cacheSavedUsd: ctx.cacheSavedUsd,
    latencyTotalMs: split.total,
    latencyGatewayMs: split.gateway,
    latencyNetworkMs: split.network,
    latencyInferenceMs: split.inference,
    errorCode: ctx.errorCode,
    detail: {
      routing,
      attempts,
      guardrails: verdicts,
      api: ctx.front?.name ?? 'chat-completions',
      error_message: ctx.errorMessage,
    },
  };
  if (ctx.cacheStatus === 'HIT') row.detail.cache_saved_usd = ctx.cacheSavedUsd;
  if (ctx.captureBodies) {
    const bodies = storedBodies(ctx);
    row.detail.request_body = bodies.request;
    row.detail.response_body = bodies.response;
  }
  // Stream recovery: where a broken stream was continued. Added only then, so the line every request
  // writes keeps its one literal shape.
  if (ctx.seams.length > 0) {
    const seams = ctx.seams.map((seam) => ({
      from: seam.from,
      failure: seam.failure,
      to: seam.to,
      mode: seam.mode,
      at_chars: seam.atChars,
    }));
    line.seams = seams;
    row.detail.seams = seams;
  }
  return { line, row };
}

/**
 * What estimated tokens cost at the answering model's price; null when either is unknown. The log's
 * `cost_estimate_usd` and what the budget is charged for an answer whose usage never came (account.ts).
 */
export function estimatedCost(ctx: RequestContext, tokens: Tokens): number | null {
  const price = answerPrice(ctx);
  if (price === undefined) return null;
  return costUsd(
    {
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
      cachedTokens: tokens.cached,
      // Cache writes are only known from a reported usage (a continued stream's); estimates have none.
      cacheWriteTokens: ctx.usage?.prompt_tokens_details?.cache_write_tokens ?? 0,
    },
    price,
  );
}

function usageJson(tokens: Tokens) {
  return {
    prompt: tokens.prompt,
    completion: tokens.completion,
    cached: tokens.cached,
    reasoning: tokens.reasoning,
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
