/**
 * startAnthropicFake(options): a faithful fake of Anthropic's Messages API on node:http.
 *
 *   const fake = await startAnthropicFake({ keys: ['sk-ant-test'] });
 *   const client = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-test', maxRetries: 0 });
 *   fake.control.enqueue({ fault: { kind: 'status', status: 529 } });
 *
 * Routes: POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models, GET /v1/models/{id},
 * Message Batches (batches.ts: /v1/messages/batches…);
 * anything else is a 404 not_found_error. The base URL a client uses is `fake.url` (the SDK
 * appends /v1/…). Headers: `x-api-key` or `Authorization: Bearer` (SDK 1.x sends the latter),
 * `anthropic-version` 2023-06-01 or 2026-10-21 (which rejects sampling parameters).
 * Returns the toolkit's FakeServer (shared/fake-server.ts): requests, control, down/up, stop.
 */
import { randomUUID } from 'node:crypto';
import { type FakeServer, type ProviderFakeOptions, startFakeServer } from '../shared/fake-server.ts';
import { stableId } from '../shared/ids.ts';
import { type FakeMessageBatchOptions, FakeMessageBatches } from './batches.ts';
import { notFound } from './errors.ts';
import { checkApiKey, checkVersion } from './headers.ts';
import { type AnthropicFakeContext, handleMessages, requestHeaders, sendError } from './messages-route.ts';
import { isErrorResponse, listModels, retrieveModel } from './models-route.ts';
import { type AnthropicModel, DEFAULT_ANTHROPIC_MODELS, toAnthropicModel } from './models.ts';
import { PromptCache } from './prompt-cache.ts';
import { AnthropicRateLimiter, type AnthropicRateLimits } from './rate-limit.ts';

export interface AnthropicFakeOptions extends ProviderFakeOptions {
  /** The catalogue; a bare id names a default entry or gets today's rules. Default DEFAULT_ANTHROPIC_MODELS. */
  models?: readonly (string | AnthropicModel)[];
  /** Unknown models get 404 not_found_error, as on the real API; false answers any model. Default true. */
  strictModels?: boolean;
  rateLimits?: Partial<AnthropicRateLimits>;
  /** Message Batches behaviour (batches.ts); the test may change the object while the fake runs. */
  batches?: FakeMessageBatchOptions;
}

export function startAnthropicFake(options: AnthropicFakeOptions = {}): Promise<FakeServer> {
  const clock = options.clock ?? Date.now;
  const seed = options.seed ?? 1;
  const context: AnthropicFakeContext = {
    keys: options.keys === undefined ? undefined : new Set(options.keys),
    catalogue: (options.models ?? DEFAULT_ANTHROPIC_MODELS).map(toAnthropicModel),
    strictModels: options.strictModels ?? true,
    limiter: new AnthropicRateLimiter(options.rateLimits, clock),
    cache: new PromptCache(clock),
    // Per instance, so a signature from another fake (or a tampered one) does not verify.
    secret: randomUUID(),
    organizationId: stableId('', `org:${seed}`, 36, '0123456789abcdef').replace(
      /^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/,
      '$1-$2-$3-$4-$5',
    ),
  };
  const batchApi = new FakeMessageBatches(options.batches ?? {}, context);
  return startFakeServer({
    name: 'anthropic',
    ...options,
    seed,
    clock,
    async handler(exchange) {
      const { method, path } = exchange;
      if (method === 'POST' && (path === '/v1/messages' || path === '/v1/messages/count_tokens')) {
        await handleMessages(exchange, context, path.endsWith('/count_tokens'));
        return;
      }
      const { requestId, headers } = requestHeaders(exchange, context);
      const sendBatch = (status: number, body: unknown) => exchange.sendJsonNow(status, body, headers);
      if (batchApi.handle(exchange, sendBatch, (error) => sendError(exchange, error, requestId, headers)))
        return;
      if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
        const authError = checkApiKey(exchange.req.headers, context.keys);
        if (authError !== undefined) return sendError(exchange, authError, requestId, headers);
        const version = checkVersion(exchange.req.headers);
        if ('error' in version) return sendError(exchange, version.error, requestId, headers);
        const result =
          path === '/v1/models'
            ? listModels(context.catalogue, exchange.query)
            : retrieveModel(context.catalogue, decodeURIComponent(path.slice('/v1/models/'.length)));
        if (isErrorResponse(result)) return sendError(exchange, result, requestId, headers);
        return exchange.sendJsonNow(200, result, headers);
      }
      sendError(exchange, notFound(method, path), requestId, headers);
    },
  });
}
