/**
 * startDeepSeekFake(options): a faithful fake of DeepSeek's OpenAI-format API on node:http
 * (docs/providers.md §5), proven with the official `openai` SDK as DeepSeek's docs instruct:
 *
 *   const fake = await startDeepSeekFake({ keys: ['sk-ds'] });
 *   const client = new OpenAI({ apiKey: 'sk-ds', baseURL: fake.url });   // no /v1, as documented
 *
 * Routes (with or without the optional `/v1` prefix, §5.1): POST /chat/completions, GET /models,
 * GET /user/balance. Requests need `Authorization: Bearer <key>`. No rate-limit headers exist
 * (§8); a 429 is the body alone. While a request "waits in the queue" DeepSeek keeps the connection
 * alive: streams get `: keep-alive` comments and JSON bodies leading blank lines (§5.3); the fake
 * sends `keepAlives` of them (default 1) before its answer.
 */
import {
  type FakeExchange,
  type FakeServer,
  type ProviderFakeOptions,
  startFakeServer,
} from '../shared/fake-server.ts';
import { stableId } from '../shared/ids.ts';
import { planReply } from '../shared/reply-plan.ts';
import { generationDelayMs } from '../shared/script.ts';
import { sseFrame } from '../shared/sse-writer.ts';
import {
  authenticationFails,
  type DeepSeekErrorResponse,
  deepSeekError,
  errorForStatus,
  inBandStreamError,
} from './errors.ts';
import { DEFAULT_DEEPSEEK_MODELS, listDeepSeekModels } from './models.ts';
import { toDeepSeekChunks, toDeepSeekCompletion } from './render.ts';
import { validateDeepSeekChat } from './validate.ts';

export interface DeepSeekFakeOptions extends ProviderFakeOptions {
  models?: readonly string[];
  /** Reject models outside the list with 400 "Model Not Exist"; default false. */
  strictModels?: boolean;
  /** Keep-alive comments (streams) / blank lines (JSON) sent before the answer; default 1. */
  keepAlives?: number;
}

interface DeepSeekContext {
  keys: ReadonlySet<string> | undefined;
  models: readonly string[];
  strictModels: boolean;
  keepAlives: number;
}

export function startDeepSeekFake(options: DeepSeekFakeOptions = {}): Promise<FakeServer> {
  const context: DeepSeekContext = {
    keys: options.keys === undefined ? undefined : new Set(options.keys),
    models: options.models ?? DEFAULT_DEEPSEEK_MODELS,
    strictModels: options.strictModels ?? false,
    keepAlives: options.keepAlives ?? 1,
  };
  return startFakeServer({
    name: 'deepseek',
    ...options,
    async handler(exchange) {
      const method = exchange.method;
      const path = exchange.path.startsWith('/v1/') ? exchange.path.slice(3) : exchange.path;
      if (method === 'POST' && path === '/chat/completions') return handleChat(exchange, context);
      const auth = checkKey(exchange, context.keys);
      if (auth !== undefined) return exchange.sendJsonNow(auth.status, auth.body);
      if (method === 'GET' && path === '/models')
        return exchange.sendJsonNow(200, listDeepSeekModels(context.models));
      if (method === 'GET' && path === '/user/balance') {
        return exchange.sendJsonNow(200, {
          is_available: true,
          balance_infos: [
            { currency: 'USD', total_balance: '10.00', granted_balance: '0.00', topped_up_balance: '10.00' },
          ],
        });
      }
      exchange.sendJsonNow(
        404,
        deepSeekError(404, `Not Found: ${method} ${exchange.path}`, 'invalid_request_error').body,
      );
    },
  });
}

function checkKey(
  exchange: FakeExchange,
  keys: ReadonlySet<string> | undefined,
): DeepSeekErrorResponse | undefined {
  const key = /^Bearer\s+(.*)$/i.exec(exchange.req.headers.authorization ?? '')?.[1]?.trim() ?? '';
  if (key === '' || (keys !== undefined && !keys.has(key))) return authenticationFails(key);
  return undefined;
}

async function handleChat(exchange: FakeExchange, context: DeepSeekContext): Promise<void> {
  const fail = (error: DeepSeekErrorResponse): void =>
    exchange.sendJsonNow(error.status, error.body, error.headers);
  const raw = exchange.body.kind === 'json' ? exchange.body.value : undefined;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const streaming = fields.stream === true;
  const script = exchange.takeScript(typeof fields.model === 'string' ? fields.model : undefined);
  if (await exchange.applyEarlyFault(script, { streaming, errorFor: errorForStatus })) return;

  const auth = checkKey(exchange, context.keys);
  if (auth !== undefined) return fail(auth);
  if (exchange.body.kind !== 'json')
    return fail(deepSeekError(400, 'Failed to parse the request body as JSON'));
  const validation = validateDeepSeekChat(raw);
  if (!validation.ok) return fail(validation.error);
  const request = validation.request;
  if (context.strictModels && !context.models.includes(request.model))
    return fail(deepSeekError(400, 'Model Not Exist'));

  const reply = planReply(
    {
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
    },
    script.reply,
    // §5.3: `call_00_…`, the two digits being the call's position.
    { toolCallId: (i) => exchange.ids.next(`call_${String(i).padStart(2, '0')}_`, 24) },
  );
  const meta = {
    id: uuidOf(exchange.ids.hex(32)),
    created: Math.floor(exchange.now() / 1000),
    model: request.model,
    thinking: request.thinking,
    topLogprobs: request.topLogprobs,
    systemFingerprint: `${stableId('fp_', request.model, 10, '0123456789abcdef')}_prod0820_fp8_kvcache`,
  };
  if (request.stream) {
    const events = [...toDeepSeekChunks(reply, meta).map((chunk) => sseFrame(chunk)), sseFrame('[DONE]')];
    // The comments ride in front of the first event, so fault counts (`afterChunks`) stay data events.
    events[0] = ': keep-alive\n\n'.repeat(context.keepAlives) + events[0];
    await exchange.sendEvents(events, {
      script,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
      inBandError: inBandStreamError,
    });
    return;
  }
  await exchange.sendJson(
    200,
    '\n'.repeat(context.keepAlives) + JSON.stringify(toDeepSeekCompletion(reply, meta)),
    {
      script,
      delayMs: generationDelayMs(script, reply.usage.completionTokens),
    },
  );
}

function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
