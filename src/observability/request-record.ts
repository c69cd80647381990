/**
 * What one finished request leaves behind, built once from its context after the response ended: the
 * stdout log line's fields and the stored row (store/request-log.ts). Both say the same thing; the line
 * keeps a few more debugging fields (raw finish reason, the error message, each attempt's target id).
 *
 * The latency split adds up by construction: `network` is the time spent waiting on upstreams up to the
 * answer's first byte (every failed attempt whole, plus the answering attempt's connect and time to its
 * response head), `inference` the answering attempt's first byte to its last, and `gateway` the rest of
 * the total (parsing, routing, backoff waits, writing to the client). Attempts that ran at the same time
 * (a hedged request's two) are waited on once, not twice, and a hedge's loser only until the winner's
 * first byte.
 */
import type { AttemptRecord, RequestContext } from '../pipeline/context.ts';
import { answerPrice } from '../pipeline/answer-price.ts';
import { costUsd } from '../pricing/cost.ts';
import { countPromptTokens } from '../pricing/estimate.ts';
import { storedBodies } from './body-capture.ts';
import {
  type AttemptDetail,
  CACHE_PROVIDER,
  NO_PROVIDER,
  OTHER_MODEL,
  type RequestRow,
} from '../store/request-log.ts';

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

/**
 * The attempt whose answer the client got: the one that succeeded; else, once the answer started (a
 * stream that broke or that the client left), the last one that had a first byte. Attempts are in the
 * order they ended, and a hedge's loser ends after its winner, so the last attempt is not it.
 */
export function answeringAttempt(ctx: RequestContext): AttemptRecord | undefined {
  const attempts = ctx.attempts;
  const ok = attempts.findLast((attempt) => attempt.outcome === 'ok');
  if (ok !== undefined || !ctx.committed) return ok;
  return attempts.findLast(
    (attempt) => attempt.outcome !== 'hedge_lost' && attempt.firstByteMs !== undefined,
  );
}

/** The split of `totalMs` (see the file comment); every part rounded to 0.01 ms. */
export function latencySplit(ctx: RequestContext, totalMs: number): LatencySplit {
  const attempts = ctx.attempts;
  const answering = answeringAttempt(ctx);
  const firstByteMs = answering?.firstByteMs;
  const inference =
    answering === undefined || firstByteMs === undefined
      ? 0
      : Math.max(0, answering.durationMs - firstByteMs);
  let network = 0;
  if (attempts.length === 1) {
    const only = attempts[0] as AttemptRecord;
    network = only === answering && firstByteMs !== undefined ? firstByteMs : only.durationMs;
  } else if (attempts.length > 1) network = waitedMs(attempts, answering);
  const total = round(totalMs);
  const net = round(network);
  const inf = round(inference);
  return { total, network: net, inference: inf, gateway: Math.max(0, round(total - net - inf)) };
}

/**
 * The time at least one upstream attempt was being waited on, up to the answer's first byte: the union
 * of the attempts' spans, the answering one's cut at its first byte and any that overlapped it (a hedge's
 * loser) cut there too. Without start times (never the case for records the attempt loop wrote) the
 * attempts are taken to have run one after the other.
 */
function waitedMs(attempts: readonly AttemptRecord[], answering: AttemptRecord | undefined): number {
  const waitOf = (attempt: AttemptRecord) =>
    attempt === answering && attempt.firstByteMs !== undefined ? attempt.firstByteMs : attempt.durationMs;
  if (attempts.some((attempt) => attempt.startedAt === undefined)) {
    let sum = 0;
    for (const attempt of attempts) sum += waitOf(attempt);
    return sum;
  }
  const answerAt =
    answering?.startedAt === undefined || answering.firstByteMs === undefined
      ? Number.POSITIVE_INFINITY
      : answering.startedAt + answering.firstByteMs;
  const spans: Array<[number, number]> = [];
  for (const attempt of attempts) {
    const start = attempt.startedAt as number;
    // One begun before the answer's first byte is waited on until then at most; one begun after it (a
    // broken stream's continuation) is waited on whole.
    const end = start + waitOf(attempt);
    spans.push([start, start < answerAt ? Math.min(end, answerAt) : end]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let union = 0;
  let from = 0;
  let to = Number.NEGATIVE_INFINITY;
  for (const [start, end] of spans) {
    if (start > to) {
      if (to > from) union += to - from;
      from = start;
      to = end;
    } else if (end > to) to = end;
  }
  if (to > from) union += to - from;
  return union;
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
      // A continued stream's usage adds what its broken attempts reported, or estimates where they did not;
      // an answer without usage (an embeddings server that reports none) is counted by the gateway.
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
  // The attempt that answered; else the last one tried (a hedge's loser was not: it was cut).
  const chosen =
    answeringAttempt(ctx) ??
    ctx.attempts.findLast((attempt) => attempt.outcome !== 'hedge_lost') ??
    ctx.attempts.at(-1);
  const routing =
    ctx.routeStrategy === null
      ? null
      : {
          strategy: ctx.routeStrategy,
          rule: ctx.routeRule,
          chosen: chosen?.target ?? null,
          reason: chosen?.reason ?? null,
        };
  // The provider that answered; for a request none answered, the one it last tried with its configured
  // model, so `GET /admin/requests?provider=X&status=error` finds what failed on X.
  let provider = ctx.provider;
  let upstreamModel = ctx.upstreamModel;
  if (provider === null && chosen !== undefined) [provider, upstreamModel] = splitTarget(chosen.target);
  const tenant = ctx.tenant?.name ?? null;
  const model = ctx.request?.model ?? null;
  const verdicts = ctx.guardVerdicts.length === 0 ? null : ctx.guardVerdicts;
  const costEstimate = tokens.estimated ? estimatedCost(ctx, tokens) : (ctx.estimate?.costUsd ?? null);
  const line: Record<string, unknown> = {
    request_id: ctx.requestId,
    tenant,
    key_id: ctx.keyId,
    model,
    provider,
    upstream_model: upstreamModel,
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
    provider,
    upstreamModel,
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
    rollupProvider: ctx.cacheStatus === 'HIT' ? CACHE_PROVIDER : (ctx.provider ?? NO_PROVIDER),
    rollupModel: model === null ? '' : boundedModelName(ctx, model),
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
 * `name` when something bounds how many such names there are: a virtual model of the config, or a
 * `provider/model` name with routing state (a listed model, or one that has answered: at most
 * MAX_ANSWERED_DIRECT_TARGETS per provider, as for /metrics). Else OTHER_MODEL: a model not found, a
 * direct name that never answered. Read after the response, never on the request path.
 */
export function boundedModelName(ctx: RequestContext, name: string): string {
  const resolved = ctx.model;
  if (resolved !== undefined) {
    // The targets' state is read now: a direct name adopted by this very request counts.
    if (resolved.virtual || resolved.targets.every((target) => target.runtime.registered)) return name;
    return OTHER_MODEL;
  }
  // Refused before its model was resolved (a model not found or not allowed): looked up without building
  // anything. A `provider/model` name with routing state is a registered target of that id.
  const snapshot = ctx.snapshot;
  if (snapshot.models.has(name) || snapshot.routing.runtime.targets.has(name)) return name;
  return OTHER_MODEL;
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
