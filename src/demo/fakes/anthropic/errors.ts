/**
 * Anthropic's error responses (docs/providers.md §2.8):
 *   {"type":"error","error":{"type":"invalid_request_error","message":"…"},"request_id":"req_…"}
 *
 *   anthropicError(status, type, message, headers?)   one response
 *   invalidRequest(message)                           400 invalid_request_error
 *   errorForStatus(status, retryAfterSeconds?)        the default body for a status (status faults)
 *   inBandStreamError(status)                         the `event: error` record sent mid-stream (§2.7)
 *
 * Field errors name the field first, as the API's validator does ("max_tokens: Field required",
 * "temperature: Extra inputs are not permitted"); clients and gateways match on these texts.
 * The request id is filled in by the route, which knows it.
 */
import type { ProviderErrorFactory } from '../shared/fault-response.ts';
import { sseFrame } from '../shared/sse-writer.ts';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id: string | null;
}

export interface AnthropicErrorResponse {
  status: number;
  body: AnthropicErrorBody;
  headers?: Record<string, string>;
}

export function anthropicError(
  status: number,
  type: AnthropicErrorType,
  message: string,
  headers?: Record<string, string>,
): AnthropicErrorResponse {
  return { status, body: { type: 'error', error: { type, message }, request_id: null }, headers };
}

export function invalidRequest(message: string): AnthropicErrorResponse {
  return anthropicError(400, 'invalid_request_error', message);
}

/** The type and message Anthropic sends with each status (2.8). */
const BY_STATUS: Record<number, [AnthropicErrorType, string]> = {
  400: ['invalid_request_error', 'Invalid request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not found.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'],
  500: ['api_error', 'Internal server error'],
  504: ['timeout_error', 'Request timed out'],
  529: ['overloaded_error', 'Overloaded'],
};

export function errorTypeForStatus(status: number): AnthropicErrorType {
  return BY_STATUS[status]?.[0] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export const errorForStatus: ProviderErrorFactory = (status) => {
  const [type, message] = BY_STATUS[status] ?? [errorTypeForStatus(status), `Upstream answered ${status}.`];
  return { body: anthropicError(status, type, message).body };
};

/** The `event: error` record that ends a stream that failed after HTTP 200. */
export function inBandStreamError(status: number, requestId: string | null = null): string[] {
  const { body } = errorForStatus(status) as { body: AnthropicErrorBody };
  return [sseFrame({ ...body, request_id: requestId }, { event: 'error' })];
}

export function notFound(method: string, path: string): AnthropicErrorResponse {
  return anthropicError(404, 'not_found_error', `Not Found: ${method} ${path}`);
}
