/**
 * OpenAI's error responses, as the API sends them (docs/providers.md §1.9): the envelope always has
 * the four keys message, type, param and code, null when unused.
 *
 *   openAIError(status, message, { type?, param?, code?, headers? }): OpenAIErrorResponse
 *   invalidRequest(message, param, code)   400 invalid_request_error
 *   errorForStatus(status, retryAfterSeconds?)   the default body for a status (status faults)
 *   invalidJson(), missingApiKey(), invalidApiKey(key), modelNotFound(model), invalidUrl(method, path)
 *   inBandStreamError(status): string[]    the SSE record sent when a stream fails mid-way (§1.7)
 *
 * Messages are the API's own wording where we know it (the auth, JSON, URL and model messages
 * are quoted in many client issues); they matter because clients and gateways match on them.
 */
import type { ProviderErrorFactory } from '../shared/fault-response.ts';
import { sseFrame } from '../shared/sse-writer.ts';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIErrorResponse {
  status: number;
  body: OpenAIErrorBody;
  headers?: Record<string, string>;
}

export interface OpenAIErrorFields {
  type?: string;
  param?: string | null;
  code?: string | null;
  headers?: Record<string, string>;
}

export function openAIError(
  status: number,
  message: string,
  fields: OpenAIErrorFields = {},
): OpenAIErrorResponse {
  return {
    status,
    body: {
      error: {
        message,
        type: fields.type ?? 'invalid_request_error',
        param: fields.param ?? null,
        code: fields.code ?? null,
      },
    },
    headers: fields.headers,
  };
}

export function invalidRequest(
  message: string,
  param: string | null,
  code: string | null = null,
): OpenAIErrorResponse {
  return openAIError(400, message, { param, code });
}

export function invalidJson(): OpenAIErrorResponse {
  return invalidRequest(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    null,
  );
}

// The real API answers a missing key with code null and a wrong key with invalid_api_key.
export function missingApiKey(): OpenAIErrorResponse {
  return openAIError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
  );
}

export function invalidApiKey(key: string): OpenAIErrorResponse {
  return openAIError(
    401,
    `Incorrect API key provided: ${redactKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    { code: 'invalid_api_key' },
  );
}

export function modelNotFound(model: string): OpenAIErrorResponse {
  return openAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`, {
    code: 'model_not_found',
  });
}

export function invalidUrl(method: string, path: string): OpenAIErrorResponse {
  return openAIError(404, `Invalid URL (${method} ${path})`);
}

const STATUS_DEFAULTS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Bad request.', type: 'invalid_request_error', code: null },
  401: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
  403: {
    message: 'Country, region, or territory not supported',
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
  },
  404: {
    message: 'The model does not exist or you do not have access to it.',
    type: 'invalid_request_error',
    code: 'model_not_found',
  },
  409: { message: 'Another request is modifying this resource.', type: 'invalid_request_error', code: null },
  429: {
    message: 'Rate limit reached for requests. Please try again in 1s.',
    type: 'requests',
    code: 'rate_limit_exceeded',
  },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
  502: { message: 'Bad gateway.', type: 'server_error', code: null },
  503: {
    message: 'The engine is currently overloaded, please try again later.',
    type: 'server_error',
    code: null,
  },
  504: { message: 'Gateway timeout.', type: 'server_error', code: null },
};

export const errorForStatus: ProviderErrorFactory = (status, retryAfterSeconds) => {
  const known = STATUS_DEFAULTS[status] ?? {
    message: `Request failed with status ${status}.`,
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
  };
  const message =
    status === 429 && retryAfterSeconds !== undefined
      ? `Rate limit reached for requests. Please try again in ${retryAfterSeconds}s.`
      : known.message;
  // openai-node prefers retry-after-ms (docs/providers.md §1.1); the shared fault code adds retry-after.
  const headers =
    retryAfterSeconds === undefined ? undefined : { 'retry-after-ms': String(retryAfterSeconds * 1000) };
  return { body: openAIError(status, message, { type: known.type, code: known.code }).body, headers };
};

export function inBandStreamError(status: number): string[] {
  return [sseFrame(errorForStatus(status).body)];
}

function redactKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 40))}${key.slice(-4)}`;
}
