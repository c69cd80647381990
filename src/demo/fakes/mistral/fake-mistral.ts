/**
 * startMistralFake(options): a faithful fake of Mistral's La Plateforme chat API on node:http
 * (docs/providers.md §4), proven with the official `@mistralai/mistralai` SDK:
 *
 *   const fake = await startMistralFake({ keys: ['mk-test'] });
 *   const client = new Mistral({ apiKey: 'mk-test', serverURL: fake.url });
 *
 * Routes: POST /v1/chat/completions, POST /v1/embeddings (embeddings.ts), GET /v1/models, GET /v1/models/{id}; anything else is
 * FastAPI's 404 `{"detail":"Not Found"}`. Requests need `Authorization: Bearer <key>` (else the
 * gateway's 401 `{"message":"Unauthorized"}`); bodies are validated as strictly as Mistral does
 * (validate.ts). Every response carries `mistral-correlation-id`; completions also the
 * `x-ratelimit-*-minute` headers. Scripts, faults, latency and chaos come from the shared toolkit.
 */
import {
  type FakeExchange,
  type FakeServer,
  type ProviderFakeOptions,
  startFakeServer,
} from '../shared/fake-server.ts';
import { planReply } from '../shared/reply-plan.ts';
import { generationDelayMs } from '../shared/script.ts';
import { sseFrame } from '../shared/sse-writer.ts';
import {
  errorForStatus,
  inBandStreamError,
  type MistralErrorResponse,
  mistralError,
  unauthorized,
  wrongType,
} from './errors.ts';
import {
  DEFAULT_MISTRAL_MODELS,
  isMagistral,
  listMistralModels,
  type MistralModel,
  toMistralModel,
  toModelCard,
} from './models.ts';
import { type MistralRateLimits, MistralRateLimiter } from './rate-limit.ts';
import { handleMistralEmbeddings } from './embeddings.ts';
import { toMistralChunks, toMistralCompletion } from './render.ts';
import { validateMistralChat } from './validate.ts';

export interface MistralFakeOptions extends ProviderFakeOptions {
  models?: readonly (string | MistralModel)[];
  /** Reject models outside the catalogue with 400 invalid_model; default false. */
  strictModels?: boolean;
  rateLimits?: Partial<MistralRateLimits>;
}

interface MistralContext {
  keys: ReadonlySet<string> | undefined;
  catalogue: readonly MistralModel[];
  strictModels: boolean;
  limiter: MistralRateLimiter;
}

export function startMistralFake(options: MistralFakeOptions = {}): Promise<FakeServer> {
  const clock = options.clock ?? Date.now;
  const context: MistralContext = {
    keys: options.keys === undefined ? undefined : new Set(options.keys),
    catalogue: (options.models ?? DEFAULT_MISTRAL_MODELS).map(toMistralModel),
    strictModels: options.strictModels ?? false,
    limiter: new MistralRateLimiter(options.rateLimits, clock),
  };
  return startFakeServer({
    name: 'mistral',
    ...options,
    clock,
    async handler(exchange) {
      const { method, path } = exchange;
      const headers = { 'mistral-correlation-id': exchange.ids.hex(32) };
      if (method === 'POST' && path === '/v1/chat/completions') return handleChat(exchange, context, headers);
      if (method === 'POST' && path === '/v1/embeddings')
        return handleMistralEmbeddings(exchange, () => checkKey(exchange, context.keys), headers);
      if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
        const auth = checkKey(exchange, context.keys);
        if (auth !== undefined) return exchange.sendJsonNow(auth.status, auth.body, headers);
        if (path === '/v1/models')
          return exchange.sendJsonNow(200, listMistralModels(context.catalogue), headers);
        const id = decodeURIComponent(path.slice('/v1/models/'.length));
        const model = context.catalogue.find((m) => m.id === id || m.aliases.includes(id));
        if (model === undefined) {
          const notFound = mistralError(404, `Model '${id}' not found`, {
            type: 'invalid_model',
            code: '1500',
          });
          return exchange.sendJsonNow(notFound.status, notFound.body, headers);
        }
        return exchange.sendJsonNow(200, toModelCard(model), headers);
      }
      exchange.sendJsonNow(404, { detail: 'Not Found' }, headers);
    },
  });
}

function checkKey(
  exchange: FakeExchange,
  keys: ReadonlySet<string> | undefined,
): MistralErrorResponse | undefined {
  const key = /^Bearer\s+(.*)$/i.exec(exchange.req.headers.authorization ?? '')?.[1]?.trim() ?? '';
  if (key === '' || (keys !== undefined && !keys.has(key))) return unauthorized(exchange.ids.hex(32));
  return undefined;
}

async function handleChat(
  exchange: FakeExchange,
  context: MistralContext,
  baseHeaders: Record<string, string>,
): Promise<void> {
  const fail = (error: MistralErrorResponse): void =>
    exchange.sendJsonNow(error.status, error.body, { ...baseHeaders, ...error.headers });
  const raw = exchange.body.kind === 'json' ? exchange.body.value : undefined;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const streaming = fields.stream === true;
  const script = exchange.takeScript(typeof fields.model === 'string' ? fields.model : undefined);
  if (await exchange.applyEarlyFault(script, { streaming, errorFor: errorForStatus, headers: baseHeaders }))
    return;

  const auth = checkKey(exchange, context.keys);
  if (auth !== undefined) return fail(auth);
  if (exchange.body.kind !== 'json') {
    return fail(
      wrongType(
        [0],
        'json_invalid',
        'JSON decode error',
        exchange.body.kind === 'invalid' ? exchange.body.text : '',
      ),
    );
  }
  const validation = validateMistralChat(raw);
  if (!validation.ok) return fail(validation.error);
  const request = validation.request;
  const known = context.catalogue.find((m) => m.id === request.model || m.aliases.includes(request.model));
  if (context.strictModels && known === undefined) {
    return fail(
      mistralError(400, `Invalid model: ${request.model}`, { type: 'invalid_model', code: '1500' }),
    );
  }

  const thinking = isMagistral(request.model) || request.promptMode === 'reasoning';
  const view = {
    model: request.model,
    lastUserText: request.lastUserText,
    messageChars: request.messageChars,
    tools: request.tools,
    toolChoice: request.toolChoice,
    lastMessageIsToolResult: request.lastMessageIsToolResult,
    toolResultText: request.toolResultText,
    responseFormat: request.responseFormat,
    maxTokens: request.maxTokens,
    stop: request.stop,
    reasoning: thinking,
    n: request.n,
    assistantPrefix: request.assistantPrefix,
  };
  // §4.2: tool-call ids are 9 alphanumerics, and Mistral insists on getting them back that way.
  const replies = Array.from({ length: request.n }, (_, choiceIndex) =>
    planReply(view, script.reply, { choiceIndex, toolCallId: () => exchange.ids.next('', 9) }),
  );
  const promptTokens = replies[0]?.usage.promptTokens ?? 0;
  const completionTokens = replies.reduce((sum, r) => sum + r.usage.completionTokens, 0);
  const rate = context.limiter.take(promptTokens + completionTokens);
  if (!rate.ok) return fail(rate.error);

  const meta = {
    id: exchange.ids.hex(32),
    created: Math.floor(exchange.now() / 1000),
    model: request.model,
    thinkingChunks: thinking,
  };
  const headers = { ...baseHeaders, ...rate.headers };
  if (request.stream) {
    const events = [...toMistralChunks(replies, meta).map((chunk) => sseFrame(chunk)), sseFrame('[DONE]')];
    await exchange.sendEvents(events, {
      script,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        ...headers,
      },
      inBandError: inBandStreamError,
    });
    return;
  }
  await exchange.sendJson(200, toMistralCompletion(replies, meta), {
    script,
    delayMs: generationDelayMs(script, completionTokens),
    headers,
  });
}
