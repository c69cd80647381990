/**
 * DeepSeek's error responses (docs/providers.md §5.4): OpenAI's envelope with DeepSeek's habits — `code`
 * often holds `invalid_request_error` and `type` something vaguer — and the status carrying the
 * meaning (400 format, 401 key, 402 balance, 422 parameters, 429 rate, 500 server, 503 overloaded).
 * Request-shape errors use the wording of DeepSeek's JSON deserializer ("Failed to deserialize the
 * JSON body into the target type: …"), as quoted in client issues.
 */
import type { ProviderErrorFactory } from '../shared/fault-response.ts';
import { sseFrame } from '../shared/sse-writer.ts';

export interface DeepSeekErrorResponse {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
  headers?: Record<string, string>;
}

export function deepSeekError(
  status: number,
  message: string,
  type = 'invalid_request_error',
  code: string | null = 'invalid_request_error',
): DeepSeekErrorResponse {
  return { status, body: { error: { message, type, param: null, code } } };
}

export function deserializeError(detail: string): DeepSeekErrorResponse {
  return deepSeekError(400, `Failed to deserialize the JSON body into the target type: ${detail}`);
}

export function authenticationFails(key: string): DeepSeekErrorResponse {
  const tail = key.length > 4 ? key.slice(-4) : '';
  return deepSeekError(
    401,
    `Authentication Fails, Your api key: ****${tail} is invalid`,
    'authentication_error',
  );
}

const STATUS_DEFAULTS: Record<number, { message: string; type: string }> = {
  400: { message: 'Invalid request', type: 'invalid_request_error' },
  401: { message: 'Authentication Fails, Your api key is invalid', type: 'authentication_error' },
  402: { message: 'Insufficient Balance', type: 'unknown_error' },
  422: { message: 'Invalid parameters', type: 'invalid_request_error' },
  429: { message: 'Rate Limit Reached', type: 'rate_limit_error' },
  500: { message: 'Internal Server Error', type: 'server_error' },
  503: { message: 'Server overloaded, please try again later.', type: 'server_error' },
};

export const errorForStatus: ProviderErrorFactory = (status) => {
  const known = STATUS_DEFAULTS[status] ?? {
    message: `Request failed with status ${status}`,
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
  };
  return { body: deepSeekError(status, known.message, known.type).body };
};

/** Mid-stream failure: OpenAI-style `data: {"error":{…}}`, then the stream ends. */
export function inBandStreamError(status: number): string[] {
  return [sseFrame(errorForStatus(status).body)];
}
