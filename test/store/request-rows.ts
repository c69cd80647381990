/** A complete request-log row for store and writer tests; each case overrides what it checks. */
import type { RequestRow } from '../../src/store/request-log.ts';

export const T0 = Date.UTC(2026, 11, 7, 0);

export function requestRow(id: string, overrides: Partial<RequestRow> = {}): RequestRow {
  return {
    requestId: id,
    timeMs: T0,
    tenant: 'acme',
    keyId: 'key_1',
    model: 'chat',
    provider: 'openai',
    upstreamModel: 'gpt-4.1-2025-04-14',
    status: 200,
    attempts: 1,
    stream: false,
    cache: null,
    finishReason: 'stop',
    promptTokens: 12,
    completionTokens: 30,
    cachedTokens: 2,
    reasoningTokens: 5,
    usageEstimated: false,
    costUsd: 0.000264,
    costEstimateUsd: 0.0005,
    latencyTotalMs: 120.5,
    latencyGatewayMs: 0.5,
    latencyNetworkMs: 70,
    latencyInferenceMs: 50,
    errorCode: null,
    detail: {
      routing: { strategy: 'fallback', rule: null, chosen: 'openai/gpt-4.1', reason: 'first' },
      attempts: [
        {
          target: 'openai/gpt-4.1',
          provider: 'openai',
          model: 'gpt-4.1',
          key_id: 'pk_1',
          status: 200,
          outcome: 'ok',
          error_class: null,
          reason: 'first',
          duration_ms: 120,
          first_byte_ms: 70,
          wait_ms: 0,
        },
      ],
      guardrails: null,
      error_message: null,
    },
    ...overrides,
  };
}
