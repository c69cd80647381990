/**
 * startFakeOpenAI(options): a faithful fake of OpenAI's Chat Completions API on node:http.
 *
 *   const fake = await startFakeOpenAI({ keys: ['sk-test'], rateLimits: { requestsPerMinute: 2 } });
 *   const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
 *   fake.control.enqueue({ reply: { content: 'Scripted.' } });
 *
 * Routes: POST /v1/chat/completions, POST /v1/embeddings, POST /v1/responses (responses.ts), GET /v1/models,
 * GET /v1/models/{id}, the Files + Batch API (batches.ts: /v1/files…, /v1/batches…); anything else is the
 * API's 404 "Invalid URL (METHOD /path)". The base URL a client uses is `${fake.url}/v1`.
 * Returns the toolkit's FakeServer (shared/fake-server.ts): requests, control, down/up, stop.
 */
import { type FakeServer, type ProviderFakeOptions, startFakeServer } from '../shared/fake-server.ts';
import { checkApiKey } from './auth.ts';
import { type FakeBatchOptions, FakeOpenAIBatches } from './batches.ts';
import { handleChatCompletion } from './chat-completions.ts';
import { handleEmbeddings } from './embeddings.ts';
import { handleResponses } from './responses.ts';
import { invalidUrl } from './errors.ts';
import { listModels, retrieveModel } from './models-route.ts';
import { DEFAULT_OPENAI_MODELS, type OpenAIModel, toOpenAIModel } from './models.ts';
import { type OpenAIRateLimits, RateLimiter } from './rate-limit.ts';

export interface FakeOpenAIOptions extends ProviderFakeOptions {
  /** The catalogue GET /v1/models lists; default DEFAULT_OPENAI_MODELS. */
  models?: readonly (string | OpenAIModel)[];
  /** Reject models outside the catalogue with 404 model_not_found; default false (any model answers). */
  strictModels?: boolean;
  rateLimits?: Partial<OpenAIRateLimits>;
  /** Files + Batch API behaviour (batches.ts); the test may change the object while the fake runs. */
  batches?: FakeBatchOptions;
}

export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeServer> {
  const catalogue = (options.models ?? DEFAULT_OPENAI_MODELS).map(toOpenAIModel);
  const keys = options.keys === undefined ? undefined : new Set(options.keys);
  const clock = options.clock ?? Date.now;
  const context = {
    keys,
    catalogue,
    strictModels: options.strictModels ?? false,
    limiter: new RateLimiter(options.rateLimits, clock),
  };
  const batchApi = new FakeOpenAIBatches(options.batches ?? {}, keys, catalogue);
  return startFakeServer({
    name: 'openai',
    ...options,
    clock,
    async handler(exchange) {
      const { method, path } = exchange;
      if (method === 'POST' && path === '/v1/chat/completions') {
        await handleChatCompletion(exchange, context);
        return;
      }
      if (method === 'POST' && path === '/v1/embeddings') return handleEmbeddings(exchange, keys);
      if (method === 'POST' && path === '/v1/responses') return handleResponses(exchange, keys);
      if (batchApi.handle(exchange)) return;
      const headers = { 'x-request-id': `req_${exchange.ids.hex(32)}`, 'openai-version': '2020-10-01' };
      if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
        const authError = checkApiKey(exchange.req.headers.authorization, keys);
        if (authError !== undefined) return exchange.sendJsonNow(authError.status, authError.body, headers);
        if (path === '/v1/models') return exchange.sendJsonNow(200, listModels(catalogue), headers);
        const result = retrieveModel(catalogue, decodeURIComponent(path.slice('/v1/models/'.length)));
        if ('body' in result) return exchange.sendJsonNow(result.status, result.body, headers);
        return exchange.sendJsonNow(200, result, headers);
      }
      const notFound = invalidUrl(method, path);
      exchange.sendJsonNow(notFound.status, notFound.body, headers);
    },
  });
}
