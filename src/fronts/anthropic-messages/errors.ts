/**
 * Errors in Anthropic's envelope (docs/providers.md §2.8): `{"type":"error","error":{"type","message"}}`,
 * so the Anthropic SDKs raise the same exception classes they would against the API. The status is
 * ours (it already follows the same table: 400/401/403/404/413/429/5xx); only the type is renamed.
 * After a stream's first byte the error is an `event: error` with the same body (§2.7).
 */
import type { GatewayError } from '../../errors/gateway-error.ts';
import type { SseSink } from '../types.ts';

export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 409:
    case 415:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
    case 405:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

export function anthropicErrorBody(error: GatewayError, status = error.status): string {
  return JSON.stringify({
    type: 'error',
    error: { type: anthropicErrorType(status), message: error.message },
  });
}

export function anthropicErrorResponse(error: GatewayError): { status: number; body: string } {
  return { status: error.status, body: anthropicErrorBody(error) };
}

export function anthropicStreamError(error: GatewayError, sink: SseSink): void {
  sink.event('error', anthropicErrorBody(error));
}
