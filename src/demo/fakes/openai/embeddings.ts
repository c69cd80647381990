/**
 * POST /v1/embeddings for the fake OpenAI (docs/providers.md §12.1): string, string[], token array or
 * token arrays in; `encoding_format` float (default) or base64 of little-endian float32; `dimensions`
 * on text-embedding-3 models only (ada-002 refuses it); vectors in input order with usage.
 */
import type { FakeExchange } from '../shared/fake-server.ts';
import { embeddingTokens, fakeVector, float32Base64 } from '../shared/embeddings.ts';
import { checkApiKey } from './auth.ts';
import { errorForStatus, invalidJson, invalidRequest, type OpenAIErrorResponse } from './errors.ts';

export async function handleEmbeddings(
  exchange: FakeExchange,
  keys: ReadonlySet<string> | undefined,
): Promise<void> {
  const headers = { 'x-request-id': `req_${exchange.ids.hex(32)}`, 'openai-version': '2020-10-01' };
  const fail = (error: OpenAIErrorResponse): void =>
    exchange.sendJsonNow(error.status, error.body, { ...headers, ...error.headers });
  const raw = exchange.body.kind === 'json' ? exchange.body.value : undefined;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const script = exchange.takeScript(typeof fields.model === 'string' ? fields.model : undefined);
  if (await exchange.applyEarlyFault(script, { streaming: false, errorFor: errorForStatus, headers })) return;
  const authError = checkApiKey(exchange.req.headers.authorization, keys);
  if (authError !== undefined) return fail(authError);
  if (exchange.body.kind !== 'json') return fail(invalidJson());
  const model = fields.model;
  if (typeof model !== 'string' || model === '')
    return fail(invalidRequest('you must provide a model parameter', 'model'));
  const inputs = inputsOf(fields.input);
  if (inputs === undefined)
    return fail(invalidRequest("'$.input' is invalid. Please check the API reference.", 'input'));
  const format = fields.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64')
    return fail(
      invalidRequest(
        `Invalid value for 'encoding_format': '${String(format)}'. Supported values are: 'float' and 'base64'.`,
        'encoding_format',
      ),
    );
  const native = model.includes('3-large') ? 3072 : 1536;
  let dimensions = native;
  if (fields.dimensions !== undefined) {
    if (!model.startsWith('text-embedding-3'))
      return fail(invalidRequest('This model does not support specifying dimensions.', 'dimensions'));
    if (
      typeof fields.dimensions !== 'number' ||
      !Number.isInteger(fields.dimensions) ||
      fields.dimensions < 1
    )
      return fail(invalidRequest("Invalid value for 'dimensions'.", 'dimensions'));
    dimensions = Math.min(fields.dimensions, native);
  }
  const data = inputs.map((input, index) => {
    const vector = fakeVector(typeof input === 'string' ? input : input.join(','), dimensions);
    return { object: 'embedding', index, embedding: format === 'base64' ? float32Base64(vector) : vector };
  });
  const tokens = embeddingTokens(inputs);
  await exchange.sendJson(
    200,
    { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } },
    { script, headers },
  );
}

function inputsOf(input: unknown): Array<string | number[]> | undefined {
  if (typeof input === 'string') return input === '' ? undefined : [input];
  if (!Array.isArray(input) || input.length === 0 || input.length > 2048) return undefined;
  if (input.every((item) => typeof item === 'number')) return [input as number[]];
  if (input.every((item) => typeof item === 'string' && item !== '')) return input as string[];
  if (
    input.every((item) => Array.isArray(item) && item.length > 0 && item.every((n) => typeof n === 'number'))
  )
    return input as number[][];
  return undefined;
}
