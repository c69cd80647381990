/**
 * startGeminiFake(options): a faithful fake of the Gemini API (generativelanguage v1beta) on
 * node:http.
 *
 *   const fake = await startGeminiFake({ keys: ['AIza-test'] });
 *   const ai = new GoogleGenAI({ apiKey: 'AIza-test', httpOptions: { baseUrl: fake.url } });
 *   fake.control.enqueue({ reply: { content: 'Scripted.' } });
 *
 * Routes (docs/providers.md §3.1), under /v1beta (what Switchyard calls) and /v1 (what @google/genai
 * 3.x calls by default; the two serve the same generateContent today):
 * POST /{version}/models/{model}:generateContent, POST /{version}/models/{model}:streamGenerateContent
 * (?alt=sse for SSE, else a streamed JSON array), GET /{version}/models (pageSize, pageToken),
 * GET /{version}/models/{model}, POST /{version}/models/{model}:batchEmbedContents (embed-contents.ts). Anything else gets the HTML 404 page of Google's front end. The
 * base URL a client uses is `fake.url`.
 * Returns the toolkit's FakeServer (shared/fake-server.ts): requests, control, down/up, stop.
 */
import { type FakeServer, type ProviderFakeOptions, startFakeServer } from '../shared/fake-server.ts';
import { checkApiKey } from './auth.ts';
import { handleBatchEmbed } from './embed-contents.ts';
import { googleError, htmlNotFound, invalidArgument, modelNotFound } from './errors.ts';
import { GOOGLE_HEADERS, type GenerateMethod, handleGenerateContent } from './generate-content.ts';
import { DEFAULT_GEMINI_MODELS, type GeminiModel, toGeminiModel, toModelResource } from './models.ts';
import { RequestQuota } from './rate-limit.ts';

export interface GeminiFakeOptions extends ProviderFakeOptions {
  /** The catalogue GET /v1beta/models lists; default DEFAULT_GEMINI_MODELS. */
  models?: readonly (string | GeminiModel)[];
  /** Answer models outside the catalogue with 404 NOT_FOUND, as the real API does; default false. */
  strictModels?: boolean;
  /** Requests per minute per key and model before 429 RESOURCE_EXHAUSTED; default unlimited. */
  requestsPerMinute?: number;
}

const GENERATE_PATH = /^\/(v1|v1beta)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;
const MODELS_PATH = /^\/(v1|v1beta)\/models(?:\/([^/:]+))?$/;
const EMBED_PATH = /^\/(v1|v1beta)\/models\/([^/:]+):batchEmbedContents$/;
const JSON_HEADERS = { ...GOOGLE_HEADERS, 'content-type': 'application/json; charset=UTF-8' };
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

export function startGeminiFake(options: GeminiFakeOptions = {}): Promise<FakeServer> {
  const catalogue = (options.models ?? DEFAULT_GEMINI_MODELS).map(toGeminiModel);
  const keys = options.keys === undefined ? undefined : new Set(options.keys);
  const clock = options.clock ?? Date.now;
  const context = {
    keys,
    catalogue,
    strictModels: options.strictModels ?? false,
    quota: new RequestQuota(options.requestsPerMinute, clock),
  };
  return startFakeServer({
    name: 'gemini',
    ...options,
    clock,
    async handler(exchange) {
      const { method } = exchange;
      // The SDK writes the colon as is; other clients may percent-encode it.
      const path = decodeURIComponent(exchange.path);
      const generate = GENERATE_PATH.exec(path);
      if (method === 'POST' && generate !== null) {
        await handleGenerateContent(
          exchange,
          context,
          generate[2] ?? '',
          generate[3] as GenerateMethod,
          generate[1] ?? 'v1beta',
        );
        return;
      }
      const embed = EMBED_PATH.exec(path);
      if (method === 'POST' && embed !== null)
        return handleBatchEmbed(exchange, keys, embed[2] ?? '', JSON_HEADERS);
      const models = MODELS_PATH.exec(path);
      if (method === 'GET' && models !== null) {
        const authError = checkApiKey(exchange.req.headers, exchange.query, keys);
        if (authError !== undefined)
          return exchange.sendJsonNow(authError.status, authError.body, JSON_HEADERS);
        const id = models[2];
        if (id === undefined) {
          const page = listModels(catalogue, exchange.query);
          return exchange.sendJsonNow(page.status, page.body, JSON_HEADERS);
        }
        const model = catalogue.find((m) => m.id === id);
        if (model === undefined) {
          const missing = context.strictModels ? modelNotFound(id, 'get', models[1]) : undefined;
          if (missing !== undefined) return exchange.sendJsonNow(missing.status, missing.body, JSON_HEADERS);
        }
        return exchange.sendJsonNow(200, toModelResource(model ?? toGeminiModel(id)), JSON_HEADERS);
      }
      const notFound = htmlNotFound(method, path);
      exchange.sendJsonNow(notFound.status, notFound.body, {
        ...GOOGLE_HEADERS,
        'content-type': 'text/html; charset=UTF-8',
      });
    },
  });
}

/** GET /v1beta/models: `{models, nextPageToken?}`; the token is opaque to clients (an offset here). */
function listModels(
  catalogue: readonly GeminiModel[],
  query: URLSearchParams,
): { status: number; body: unknown } {
  const sizeText = query.get('pageSize');
  const size = sizeText === null ? DEFAULT_PAGE_SIZE : Number(sizeText);
  if (!Number.isInteger(size) || size < 0) {
    const error = googleError(400, `Invalid value at 'page_size' (TYPE_INT32), "${sizeText}"`);
    return { status: error.status, body: error.body };
  }
  const token = query.get('pageToken') ?? '';
  const offset =
    token === ''
      ? 0
      : Number(
          Buffer.from(token, 'base64url')
            .toString('utf8')
            .replace(/^offset:/, ''),
        );
  if (!Number.isInteger(offset) || offset < 0) {
    const error = invalidArgument('Invalid page token.'); // [UNV] wording
    return { status: error.status, body: error.body };
  }
  const limit = Math.min(size === 0 ? DEFAULT_PAGE_SIZE : size, MAX_PAGE_SIZE);
  const page = catalogue.slice(offset, offset + limit);
  const body: Record<string, unknown> = { models: page.map(toModelResource) };
  if (offset + limit < catalogue.length)
    body.nextPageToken = Buffer.from(`offset:${offset + limit}`).toString('base64url');
  return { status: 200, body };
}
