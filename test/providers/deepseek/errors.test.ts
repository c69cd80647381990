import { describe, expect, it } from 'vitest';
import { classifyDeepSeekError } from '../../../src/providers/deepseek/errors.ts';

const envelope = (message: string, type = 'invalid_request_error', code: string | null = null) =>
  JSON.stringify({ error: { message, type, param: null, code } });

describe('classifyDeepSeekError', () => {
  it.each([
    ['400 invalid format', 400, envelope('Invalid request: messages is empty'), 'bad_request'],
    [
      '400 context length',
      400,
      envelope(
        "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens (139000 in the messages, 1000 in the completion).",
      ),
      'context_length',
    ],
    ['400 content risk', 400, envelope('Content Exists Risk'), 'content_filter'],
    [
      '401',
      401,
      envelope(
        'Authentication Fails, Your api key: ****abcd is invalid',
        'authentication_error',
        'invalid_request_error',
      ),
      'auth',
    ],
    [
      '402 insufficient balance',
      402,
      envelope('Insufficient Balance', 'unknown_error', 'invalid_request_error'),
      'auth',
    ],
    ['422 invalid parameters', 422, envelope('Invalid parameters'), 'bad_request'],
    ['429', 429, envelope('Rate Limit Reached', 'rate_limit_error'), 'rate_limited'],
    ['500', 500, envelope('Internal Server Error', 'server_error'), 'server'],
    ['503 overloaded', 503, envelope('Server Overloaded', 'server_error'), 'overloaded'],
    ['502 text', 502, 'upstream connect error', 'server'],
  ] as const)('%s → %s', (_name, status, body, errorClass) => {
    expect(classifyDeepSeekError(status, {}, body)).toMatchObject({ status, errorClass });
  });

  it('keeps the message and code and honours retry-after', () => {
    expect(
      classifyDeepSeekError(429, { 'retry-after': '3' }, envelope('Rate Limit Reached', 'rate_limit_error')),
    ).toEqual({
      errorClass: 'rate_limited',
      status: 429,
      message: 'Rate Limit Reached',
      code: 'rate_limit_error',
      param: null,
      retryAfterMs: 3000,
    });
  });
});
