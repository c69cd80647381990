/**
 * POST /v1beta/models/{model}:generateContent and :streamGenerateContent for the fake Gemini.
 *
 * Order of checks: the request's script (a scripted reset, stall or status fault hits before
 * anything else), the API key, JSON parsing, the model (404 when the catalogue is strict), the
 * body's validation (validate.ts), the per-minute quota, the context window; then planReply once
 * per candidate and the answer: JSON, SSE records framed with CRLF (alt=sse), or without alt=sse
 * the API's other streaming form, one JSON array sent piece by piece (docs/providers.md §3.1, §3.6).
 * The stream ends by closing the body: no terminator event.
 */
import type { GeminiRequest } from '../../../providers/gemini/wire.ts';
import type { FakeExchange } from '../shared/fake-server.ts';
import { planReply } from '../shared/reply-plan.ts';
import { generationDelayMs } from '../shared/script.ts';
import { sseFrame } from '../shared/sse-writer.ts';
import { apiKeyOf, checkApiKey } from './auth.ts';
import {
  errorForStatus,
  type GoogleErrorResponse,
  invalidArgument,
  invalidJson,
  modelNotFound,
} from './errors.ts';
import { type GeminiModel, toGeminiModel } from './models.ts';
import type { RequestQuota } from './rate-limit.ts';
import { toFakeRequestView } from './request-view.ts';
import { type RenderMeta, toGenerateContentResponse } from './response.ts';
import { frameArray, frameSse, TOKENS_PER_EVENT, toStreamEvents } from './stream.ts';
import { validateGenerateContent } from './validate.ts';

export interface GenerateContext {
  keys: ReadonlySet<string> | undefined;
  catalogue: readonly GeminiModel[];
  strictModels: boolean;
  quota: RequestQuota;
}

export type GenerateMethod = 'generateContent' | 'streamGenerateContent';

/** Headers Google's front end puts on every response. */
export const GOOGLE_HEADERS = {
  vary: 'Origin, X-Origin, Referer',
  server: 'scaffolding on HTTPServer2',
  'x-content-type-options': 'nosniff',
  'x-xss-protection': '0',
  'x-frame-options': 'SAMEORIGIN',
};

const JSON_TYPE = { 'content-type': 'application/json; charset=UTF-8' };

export async function handleGenerateContent(
  exchange: FakeExchange,
  context: GenerateContext,
  modelId: string,
  method: GenerateMethod,
  apiVersion: string,
): Promise<void> {
  const streaming = method === 'streamGenerateContent';
  const sse = streaming && exchange.query.get('alt') === 'sse';
  const fail = (error: GoogleErrorResponse): void =>
    exchange.sendJsonNow(error.status, error.body, { ...GOOGLE_HEADERS, ...JSON_TYPE, ...error.headers });

  const script = exchange.takeScript(modelId);
  const errorFor = (status: number, retryAfterSeconds?: number) => errorForStatus(status, retryAfterSeconds);
  if (
    await exchange.applyEarlyFault(script, {
      streaming,
      errorFor,
      headers: { ...GOOGLE_HEADERS, ...JSON_TYPE },
    })
  )
    return;

  const authError = checkApiKey(exchange.req.headers, exchange.query, context.keys);
  if (authError !== undefined) return fail(authError);
  if (exchange.body.kind === 'too_large')
    return fail(invalidArgument('Request payload size exceeds the limit: 20971520 bytes.'));
  if (exchange.body.kind === 'invalid') return fail(invalidJson());
  const known = context.catalogue.find((m) => m.id === modelId);
  if (known === undefined && context.strictModels) return fail(modelNotFound(modelId, method, apiVersion));
  const model = known ?? toGeminiModel(modelId);

  const validation = validateGenerateContent(
    exchange.body.kind === 'json' ? exchange.body.value : undefined,
    model,
  );
  if (!validation.ok) return fail(validation.error);
  const request = validation.request;

  const quotaError = context.quota.take(apiKeyOf(exchange.req.headers, exchange.query), model.id);
  if (quotaError !== undefined) return fail(quotaError);

  const view = toFakeRequestView(request, model);
  const candidateCount = request.generationConfig?.candidateCount ?? 1;
  const replies = Array.from({ length: candidateCount }, (_, choiceIndex) =>
    planReply(view, script.reply, { choiceIndex }),
  );
  const promptTokens = replies[0]?.usage.promptTokens ?? 0;
  if (promptTokens > model.inputTokenLimit) {
    return fail(
      invalidArgument(
        `The input token count (${promptTokens}) exceeds the maximum number of tokens allowed (${model.inputTokenLimit}).`,
      ),
    );
  }

  const meta = renderMeta(request, model, exchange.ids.next('', 23));
  if (!streaming) {
    const completionTokens = Math.max(...replies.map((r) => r.usage.completionTokens));
    const delayMs = generationDelayMs(script, completionTokens);
    await exchange.sendJson(200, toGenerateContentResponse(replies, meta), {
      script,
      delayMs,
      headers: { ...GOOGLE_HEADERS, ...JSON_TYPE, 'server-timing': `gfet4t7; dur=${delayMs}` },
    });
    return;
  }
  const events = toStreamEvents(replies, meta);
  // An event holds several tokens, so it takes as long as they would one by one.
  const paced = { ...script, tokenIntervalMs: () => sumOf(TOKENS_PER_EVENT, script.tokenIntervalMs) };
  await exchange.sendEvents(sse ? frameSse(events) : frameArray(events), {
    script: paced,
    headers: {
      ...GOOGLE_HEADERS,
      'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
      'server-timing': `gfet4t7; dur=${script.firstByteMs}`,
    },
    inBandError: (status) =>
      sse
        ? [sseFrame(errorForStatus(status).body, { eol: '\r\n' })]
        : [`,\r\n${JSON.stringify(errorForStatus(status).body)}]`],
  });
}

function renderMeta(request: GeminiRequest, model: GeminiModel, responseId: string): RenderMeta {
  const config = request.generationConfig;
  return {
    model,
    responseId,
    includeThoughts:
      model.thinking &&
      config?.thinkingConfig?.includeThoughts === true &&
      config.thinkingConfig.thinkingBudget !== 0,
    logprobs: config?.responseLogprobs === true ? (config.logprobs ?? 0) : undefined,
  };
}

function sumOf(count: number, draw: () => number): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += draw();
  return total;
}
