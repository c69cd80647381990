import { describe, expect, it } from 'vitest';
import { classifyOpenAIError } from '../../../src/providers/openai/errors.ts';

const envelope = (message: string, type: string, code: string | null, param: string | null = null) =>
  JSON.stringify({ error: { message, type, param, code } });

describe('classifyOpenAIError', () => {
  const cases: Array<[string, number, string, Record<string, string>, string, number | undefined]> = [
    [
      '429 rate limit with retry-after',
      429,
      envelope('Rate limit reached. Please try again in 3.2s.', 'requests', 'rate_limit_exceeded'),
      { 'retry-after': '4' },
      'rate_limited',
      4000,
    ],
    [
      '429 with retry-after-ms',
      429,
      envelope('slow down', 'tokens', 'rate_limit_exceeded'),
      { 'retry-after-ms': '1500', 'retry-after': '2' },
      'rate_limited',
      1500,
    ],
    [
      '429 insufficient_quota never clears by waiting',
      429,
      envelope('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota'),
      {},
      'auth',
      undefined,
    ],
    [
      '400 context length',
      400,
      envelope(
        "This model's maximum context length is 128000 tokens.",
        'invalid_request_error',
        'context_length_exceeded',
        'messages',
      ),
      {},
      'context_length',
      undefined,
    ],
    [
      '400 content policy',
      400,
      envelope('Your request was rejected', 'invalid_request_error', 'content_policy_violation'),
      {},
      'content_filter',
      undefined,
    ],
    [
      '400 plain bad request',
      400,
      envelope('Invalid value', 'invalid_request_error', 'invalid_value', 'temperature'),
      {},
      'bad_request',
      undefined,
    ],
    [
      '401 bad key',
      401,
      envelope('Incorrect API key provided', 'invalid_request_error', 'invalid_api_key'),
      {},
      'auth',
      undefined,
    ],
    [
      '500 server error',
      500,
      envelope('The server had an error', 'server_error', null),
      {},
      'server',
      undefined,
    ],
    [
      '503 overloaded',
      503,
      envelope('The engine is currently overloaded', 'server_error', null),
      {},
      'overloaded',
      undefined,
    ],
    ['502 HTML from a proxy', 502, '<html>Bad Gateway</html>', {}, 'server', undefined],
    [
      'vLLM context length in the message only',
      400,
      JSON.stringify({
        error: {
          message: "This model's maximum context length is 4096 tokens",
          type: 'BadRequestError',
          code: 400,
        },
      }),
      {},
      'context_length',
      undefined,
    ],
  ];
  for (const [name, status, body, headers, errorClass, retryAfterMs] of cases) {
    it(name, () => {
      const failure = classifyOpenAIError(status, headers, body);
      expect(failure.errorClass).toBe(errorClass);
      expect(failure.retryAfterMs).toBe(retryAfterMs);
      expect(failure.status).toBe(status);
      expect(failure.message.length).toBeGreaterThan(0);
    });
  }

  it('keeps the upstream message, code and param for a client error', () => {
    const failure = classifyOpenAIError(
      400,
      {},
      envelope('Invalid value', 'invalid_request_error', 'invalid_value', 'temperature'),
    );
    expect(failure).toMatchObject({ message: 'Invalid value', code: 'invalid_value', param: 'temperature' });
  });
});
