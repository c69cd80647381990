/**
 * startQwenFake(options): a faithful fake of Qwen on Alibaba Cloud Model Studio in DashScope's
 * OpenAI-compatible mode (docs/providers.md §6), proven with the official `openai` SDK as Alibaba's
 * docs instruct:
 *
 *   const fake = await startQwenFake({ keys: ['sk-qwen'] });
 *   const client = new OpenAI({ apiKey: 'sk-qwen', baseURL: `${fake.url}/compatible-mode/v1` });
 *   client.chat.completions.create({ model: 'qwen-plus', messages, stream: true, enable_thinking: true })  // extra_body
 *
 * Routes: POST /compatible-mode/v1/chat/completions, POST /compatible-mode/v1/embeddings (embeddings.ts),
 * GET /compatible-mode/v1/models; anything else
 * 404. Requests need `Authorization: Bearer <key>`. No rate-limit headers are documented (§8).
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
  invalidParameter,
  type QwenErrorResponse,
  qwenError,
} from './errors.ts';
import { handleQwenEmbeddings } from './embeddings.ts';
import { DEFAULT_QWEN_MODELS, listQwenModels } from './models.ts';
import { toQwenChunks, toQwenCompletion } from './render.ts';
import { validateQwenChat } from './validate.ts';

export interface QwenFakeOptions extends ProviderFakeOptions {
  models?: readonly string[];
  /** Reject models outside the list with 404 model_not_found; default false. */
  strictModels?: boolean;
}

interface QwenContext {
  keys: ReadonlySet<string> | undefined;
  models: readonly string[];
  strictModels: boolean;
}

const BASE = '/compatible-mode/v1';

export function startQwenFake(options: QwenFakeOptions = {}): Promise<FakeServer> {
  const context: QwenContext = {
    keys: options.keys === undefined ? undefined : new Set(options.keys),
    models: options.models ?? DEFAULT_QWEN_MODELS,
    strictModels: options.strictModels ?? false,
  };
  return startFakeServer({
    name: 'qwen',
    ...options,
    async handler(exchange) {
      const { method, path } = exchange;
      if (method === 'POST' && path === `${BASE}/chat/completions`) return handleChat(exchange, context);
      if (method === 'POST' && path === `${BASE}/embeddings`)
        return handleQwenEmbeddings(exchange, () => checkKey(exchange, context.keys));
      const auth = checkKey(exchange, context.keys);
      if (auth !== undefined) return exchange.sendJsonNow(auth.status, auth.body);
      if (method === 'GET' && path === `${BASE}/models`)
        return exchange.sendJsonNow(200, listQwenModels(context.models));
      const notFound = qwenError(
        404,
        'NotFound',
        `Not found: ${method} ${path}`,
        'NotFound',
        requestIdOf(exchange),
      );
      exchange.sendJsonNow(404, notFound.body);
    },
  });
}

function requestIdOf(exchange: FakeExchange): string {
  const hex = exchange.ids.hex(32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function checkKey(
  exchange: FakeExchange,
  keys: ReadonlySet<string> | undefined,
): QwenErrorResponse | undefined {
  const key = /^Bearer\s+(.*)$/i.exec(exchange.req.headers.authorization ?? '')?.[1]?.trim() ?? '';
  if (key === '' || (keys !== undefined && !keys.has(key))) {
    return qwenError(
      401,
      'invalid_api_key',
      'Incorrect API key provided. ',
      'invalid_request_error',
      requestIdOf(exchange),
    );
  }
  return undefined;
}

async function handleChat(exchange: FakeExchange, context: QwenContext): Promise<void> {
  const fail = (error: QwenErrorResponse): void =>
    exchange.sendJsonNow(error.status, error.body, error.headers);
  const raw = exchange.body.kind === 'json' ? exchange.body.value : undefined;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const streaming = fields.stream === true;
  const script = exchange.takeScript(typeof fields.model === 'string' ? fields.model : undefined);
  if (await exchange.applyEarlyFault(script, { streaming, errorFor: errorForStatus })) return;

  const auth = checkKey(exchange, context.keys);
  if (auth !== undefined) return fail(auth);
  if (exchange.body.kind !== 'json')
    return fail(
      invalidParameter('<400> InternalError.Algo.InvalidParameter: The request body is not valid JSON'),
    );
  const validation = validateQwenChat(raw);
  if (!validation.ok) return fail(validation.error);
  const request = validation.request;
  if (context.strictModels && !context.models.includes(request.model)) {
    return fail(
      qwenError(
        404,
        'model_not_found',
        `The model \`${request.model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
      ),
    );
  }

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
    reasoning: request.thinking,
    n: request.n,
  };
  const replies = Array.from({ length: request.n }, (_, choiceIndex) =>
    planReply(view, script.reply, { choiceIndex, toolCallId: () => `call_${exchange.ids.hex(24)}` }),
  );
  const meta = {
    id: `chatcmpl-${requestIdOf(exchange)}`,
    created: Math.floor(exchange.now() / 1000),
    model: request.model,
    thinking: request.thinking,
    topLogprobs: request.topLogprobs,
  };
  if (request.stream) {
    const events = [
      ...toQwenChunks(replies, meta, request.includeUsage).map((chunk) => sseFrame(chunk)),
      sseFrame('[DONE]'),
    ];
    await exchange.sendEvents(events, {
      script,
      headers: { 'content-type': 'text/event-stream;charset=UTF-8', 'cache-control': 'no-cache' },
      inBandError: inBandStreamError,
    });
    return;
  }
  const completionTokens = replies.reduce((sum, r) => sum + r.usage.completionTokens, 0);
  await exchange.sendJson(200, toQwenCompletion(replies, meta), {
    script,
    delayMs: generationDelayMs(script, completionTokens),
  });
}
