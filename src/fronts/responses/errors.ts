/**
 * Responses API errors (docs/providers.md §11.5): before any output, the HTTP status with the Chat
 * envelope `{"error":{"message","type","param","code"}}` (what the gateway already writes); after the
 * stream started, an `error` event, which openai-node turns into an APIError. The event carries the
 * fields both flat (the SDK's and the spec's form) and nested under `error` (OpenAI's wire form).
 */
import type { GatewayError } from '../../errors/gateway-error.ts';
import type { SseSink } from '../types.ts';

export function responsesErrorResponse(error: GatewayError): { status: number; body: string } {
  return { status: error.status, body: JSON.stringify(error.toEnvelope()) };
}

export function responsesStreamError(error: GatewayError, sink: SseSink): void {
  const fields = { code: error.code, message: error.message, param: error.param };
  sink.event('error', JSON.stringify({ type: 'error', ...fields, error: { type: error.type, ...fields } }));
}
