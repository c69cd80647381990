/**
 * POST /v1/chat/completions for the fake OpenAI.
 *
 * Order of checks: the request's script first (a scripted reset, stall or status fault hits
 * before anything else, as an overloaded upstream or a load balancer would), then the API key,
 * JSON parsing, the model (404 only when the catalogue is strict), the body's validation, the
 * rate limits; then planReply once per choice and the answer, as JSON or as a paced SSE stream
 * ending with `data: [DONE]` (docs/providers.md §1.7). Every response carries x-request-id and
 * openai-version; successful ones also openai-processing-ms and the x-ratelimit-* headers.
 */
import type { FakeExchange } from '../shared/fake-server.ts';
import { stableId } from '../shared/ids.ts';
import { planReply } from '../shared/reply-plan.ts';
import { generationDelayMs } from '../shared/script.ts';
import { sseFrame } from '../shared/sse-writer.ts';
import { checkApiKey } from './auth.ts';
import {
  errorForStatus,
  inBandStreamError,
  invalidJson,
  modelNotFound,
  openAIError,
  type OpenAIErrorResponse,
} from './errors.ts';
import { isReasoningModel, type OpenAIModel, snapshotOf } from './models.ts';
import type { RateLimiter } from './rate-limit.ts';
import { toFakeRequestView } from './request-view.ts';
import { type CompletionMeta, toChatCompletion } from './response.ts';
import { toChatCompletionChunks } from './stream.ts';
import { validateChatRequest } from './validate.ts';

export interface ChatContext {
  keys: ReadonlySet<string> | undefined;
  catalogue: readonly OpenAIModel[];
  strictModels: boolean;
  limiter: RateLimiter;
}

export async function handleChatCompletion(exchange: FakeExchange, context: ChatContext): Promise<void> {
  const baseHeaders = { 'x-request-id': `req_${exchange.ids.hex(32)}`, 'openai-version': '2020-10-01' };
  const fail = (error: OpenAIErrorResponse): void =>
    exchange.sendJsonNow(error.status, error.body, { ...baseHeaders, ...error.headers });

  const raw = exchange.body.kind === 'json' ? exchange.body.value : undefined;
  const rawFields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const requestedModel = typeof rawFields.model === 'string' ? rawFields.model : undefined;
  const streaming = rawFields.stream === true;

  const script = exchange.takeScript(requestedModel);
  if (await exchange.applyEarlyFault(script, { streaming, errorFor: errorForStatus, headers: baseHeaders }))
    return;

  const authError = checkApiKey(exchange.req.headers.authorization, context.keys);
  if (authError !== undefined) return fail(authError);
  if (exchange.body.kind === 'too_large') return fail(openAIError(413, 'Request body too large.'));
  if (exchange.body.kind !== 'json') return fail(invalidJson());
  if (
    context.strictModels &&
    requestedModel !== undefined &&
    !context.catalogue.some((m) => m.id === requestedModel)
  ) {
    return fail(modelNotFound(requestedModel));
  }
  const reasoning = (model: string): boolean =>
    context.catalogue.find((m) => m.id === model)?.reasoning ?? isReasoningModel(model);
  const validation = validateChatRequest(raw, { reasoning });
  if (!validation.ok) return fail(validation.error);
  const request = validation.request;

  const view = toFakeRequestView(request, reasoning(request.model));
  const replies = Array.from({ length: request.n }, (_, choiceIndex) =>
    planReply(view, script.reply, { choiceIndex, toolCallId: () => exchange.ids.next('call_', 24) }),
  );
  const promptTokens = replies[0]?.usage.promptTokens ?? 0;
  const completionTokens = Math.max(...replies.map((r) => r.usage.completionTokens));
  // OpenAI counts a request against the token limit by its prompt plus the most it may generate.
  const rate = context.limiter.take(
    request.model,
    promptTokens + (request.maxTokens ?? completionTokens) * request.n,
  );
  if (!rate.ok) return fail(rate.error);

  const meta: CompletionMeta = {
    id: exchange.ids.next('chatcmpl-', 29),
    created: Math.floor(exchange.now() / 1000),
    model: snapshotOf(request.model, context.catalogue),
    serviceTier: toServiceTier(request.serviceTier),
    systemFingerprint: stableId('fp_', request.model, 10, '0123456789abcdef'),
    topLogprobs: request.logprobs ? request.topLogprobs : undefined,
  };

  if (request.stream) {
    const chunks = toChatCompletionChunks(replies, meta, {
      includeUsage: request.includeUsage,
      includeObfuscation: request.includeObfuscation,
    });
    const events = [...chunks.map((chunk) => sseFrame(chunk)), sseFrame('[DONE]')];
    await exchange.sendEvents(events, {
      script,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        ...baseHeaders,
        'openai-processing-ms': String(script.firstByteMs),
        ...rate.headers,
      },
      inBandError: inBandStreamError,
    });
    return;
  }

  const delayMs = generationDelayMs(script, completionTokens);
  await exchange.sendJson(200, toChatCompletion(replies, meta), {
    script,
    delayMs,
    headers: { ...baseHeaders, 'openai-processing-ms': String(delayMs), ...rate.headers },
  });
}

// The response names the tier that served the request; 'fast' is reported as 'priority' (§1.2).
function toServiceTier(requested: string | undefined): CompletionMeta['serviceTier'] {
  if (requested === 'flex' || requested === 'scale' || requested === 'priority') return requested;
  if (requested === 'fast') return 'priority';
  return 'default';
}
