/**
 * POST /v1/messages and POST /v1/messages/count_tokens for the fake Anthropic.
 *
 * Order of checks: the request's script first (a scripted reset, stall or status fault hits before
 * anything else, as an overloaded upstream would), then the key, the `anthropic-version` header,
 * the body (413 past 32 MB, 400 when not JSON), validation (validate.ts), the rate limits; then the
 * planned reply, as a `Message` or as the event stream of docs/providers.md §2.7. Every response carries
 * `request-id` (also inside error bodies) and `anthropic-organization-id`; successful ones the
 * `anthropic-ratelimit-*` headers.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { FakeExchange } from '../shared/fake-server.ts';
import type { ProviderErrorFactory } from '../shared/fault-response.ts';
import { type FakeReply, planReply } from '../shared/reply-plan.ts';
import { generationDelayMs } from '../shared/script.ts';
import { estimatePromptTokens } from '../shared/tokens.ts';
import {
  type AnthropicErrorResponse,
  anthropicError,
  errorForStatus,
  inBandStreamError,
  invalidRequest,
} from './errors.ts';
import { checkApiKey, checkVersion } from './headers.ts';
import type { AnthropicModel } from './models.ts';
import { type PromptCache, promptSegments } from './prompt-cache.ts';
import type { AnthropicRateLimiter } from './rate-limit.ts';
import { toMessage, toStreamEvents } from './render.ts';
import { toAnthropicReply, toFakeRequestView } from './reply.ts';
import { type MessagesRequest, validateMessagesRequest } from './validate.ts';

export interface AnthropicFakeContext {
  keys: ReadonlySet<string> | undefined;
  catalogue: readonly AnthropicModel[];
  strictModels: boolean;
  limiter: AnthropicRateLimiter;
  cache: PromptCache;
  /** Signs thinking blocks; per fake instance. */
  secret: string;
  organizationId: string;
}

export function requestHeaders(
  exchange: FakeExchange,
  context: AnthropicFakeContext,
): { requestId: string; headers: Record<string, string> } {
  const requestId = `req_011C${exchange.ids.next('', 20)}`;
  return {
    requestId,
    headers: { 'request-id': requestId, 'anthropic-organization-id': context.organizationId },
  };
}

export function sendError(
  exchange: FakeExchange,
  error: AnthropicErrorResponse,
  requestId: string,
  headers: OutgoingHttpHeaders,
): void {
  exchange.sendJsonNow(
    error.status,
    { ...error.body, request_id: requestId },
    { ...headers, ...error.headers },
  );
}

export async function handleMessages(
  exchange: FakeExchange,
  context: AnthropicFakeContext,
  countOnly: boolean,
): Promise<void> {
  const { requestId, headers } = requestHeaders(exchange, context);
  const fail = (error: AnthropicErrorResponse): void => sendError(exchange, error, requestId, headers);

  const raw = exchange.body.kind === 'json' ? exchange.body.value : undefined;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const streaming = fields.stream === true && !countOnly;
  const script = exchange.takeScript(typeof fields.model === 'string' ? fields.model : undefined);
  const errorFor: ProviderErrorFactory = (status, retryAfterSeconds) => {
    const standard = errorForStatus(status, retryAfterSeconds);
    return { ...standard, body: { ...(standard.body as object), request_id: requestId } };
  };
  if (await exchange.applyEarlyFault(script, { streaming, errorFor, headers })) return;

  const authError = checkApiKey(exchange.req.headers, context.keys);
  if (authError !== undefined) return fail(authError);
  const version = checkVersion(exchange.req.headers);
  if ('error' in version) return fail(version.error);
  if (exchange.body.kind === 'too_large')
    return fail(
      anthropicError(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.'),
    );
  if (exchange.body.kind !== 'json')
    return fail(invalidRequest('There was an issue with your request: the body is not valid JSON.')); // [UNV]

  // count_tokens takes the same body without max_tokens.
  const body = countOnly && fields.max_tokens === undefined ? { ...fields, max_tokens: 1 } : raw;
  const validation = validateMessagesRequest(body, {
    version: version.version,
    catalogue: context.catalogue,
    strictModels: context.strictModels,
    secret: context.secret,
  });
  if (!validation.ok) return fail(validation.error);
  const request = validation.request;
  if (request.turns.at(-1)?.role === 'assistant' && !request.model.prefill)
    return fail(
      invalidRequest(
        'This model does not support assistant message prefill. The conversation must end with a user message.',
      ),
    );
  const segments = promptSegments(request);
  const promptTokens = estimatePromptTokens(segments.reduce((sum, s) => sum + s.text.length, 0));
  if (countOnly) return exchange.sendJsonNow(200, { input_tokens: promptTokens }, headers);

  const rate = context.limiter.take(request.model.id, promptTokens, request.maxTokens);
  if (!rate.ok) return fail(rate.error);

  const toolCallId = (): string => exchange.ids.next('toolu_01', 22);
  const view = toFakeRequestView(request);
  const planned = planReply(view, script.reply, { toolCallId });
  const reply = toAnthropicReply(request, planned, {
    secret: context.secret,
    prompt: context.cache.account(request.model, segments),
    stopSequence: matchedStop(request, planned, script.reply !== undefined),
    scriptedUsage: script.reply?.usage,
  });
  context.limiter.settle(request.model.id, request.maxTokens, reply.usage.output_tokens);
  const meta = { id: exchange.ids.next('msg_01', 22), model: request.model.id };

  if (streaming) {
    await exchange.sendEvents(toStreamEvents(meta, reply), {
      script,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        ...headers,
        ...rate.headers,
      },
      inBandError: (status) => inBandStreamError(status, requestId),
    });
    return;
  }
  const delayMs = generationDelayMs(script, reply.usage.output_tokens);
  await exchange.sendJson(200, toMessage(meta, reply), {
    script,
    delayMs,
    headers: { ...headers, ...rate.headers },
  });
}

/**
 * The stop sequence the planned text was cut at, for `stop_reason: "stop_sequence"`: planReply cuts
 * but does not say where, so the text is planned again without stop sequences and compared.
 */
function matchedStop(request: MessagesRequest, planned: FakeReply, scripted: boolean): string | null {
  if (scripted || request.stopSequences.length === 0 || planned.finishReason !== 'stop') return null;
  const full = planReply({ ...toFakeRequestView(request), stop: undefined }).content;
  if (full === planned.content) return null;
  const rest = full.slice(planned.content.length);
  return request.stopSequences.find((stop) => stop !== '' && rest.startsWith(stop)) ?? null;
}
