import { describe, expect, it } from 'vitest';
import { classifyMistralError } from '../../../src/providers/mistral/errors.ts';

describe('classifyMistralError', () => {
  it.each([
    [
      '422 extra_forbidden names the field',
      422,
      '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","max_completion_tokens"],"msg":"Extra inputs are not permitted","input":32000}]},"type":"invalid_request_error","param":null,"code":null}',
      {
        errorClass: 'bad_request',
        param: 'max_completion_tokens',
        message: 'max_completion_tokens: Extra inputs are not permitted',
      },
    ],
    [
      'bare FastAPI 422',
      422,
      '{"detail":[{"type":"missing","loc":["body","messages"],"msg":"Field required"}]}',
      { errorClass: 'bad_request', param: 'messages' },
    ],
    [
      '400 tool call id',
      400,
      '{"object":"error","message":"Tool call id was abc123 but must be a-z, A-Z, 0-9, with a length of 9.","type":"invalid_request_error","param":null,"code":null}',
      { errorClass: 'bad_request' },
    ],
    [
      '400 context length',
      400,
      '{"object":"error","message":"Prompt contains 140000 tokens and max_tokens is 100, too large for model with 131072 maximum context length","type":"invalid_request_error","param":null,"code":"3051"}',
      { errorClass: 'context_length', code: '3051' },
    ],
    [
      '401 gateway body',
      401,
      '{"message":"Unauthorized","request_id":"abc"}',
      { errorClass: 'auth', message: 'Unauthorized' },
    ],
    // Issue 10: a 403 is the request's answer, not evidence against the key.
    ['403', 403, '{"message":"Forbidden"}', { errorClass: 'bad_request' }],
    [
      '404 model',
      404,
      '{"object":"error","message":"Invalid model: nope","type":"invalid_model","param":null,"code":"1500"}',
      { errorClass: 'bad_request' },
    ],
    [
      '429 rate limited',
      429,
      '{"object":"error","message":"Rate limit exceeded","type":"rate_limited","param":null,"code":"1300"}',
      { errorClass: 'rate_limited', code: '1300' },
    ],
    [
      '500',
      500,
      '{"object":"error","message":"Internal server error","type":"internal_server_error","param":null,"code":null}',
      { errorClass: 'server' },
    ],
    [
      '502 HTML',
      502,
      '<html>bad gateway</html>',
      { errorClass: 'server', message: 'mistral returned HTTP 502' },
    ],
    [
      '503',
      503,
      '{"object":"error","message":"Service unavailable","type":"service_unavailable","param":null,"code":null}',
      { errorClass: 'overloaded' },
    ],
    ['504', 504, '', { errorClass: 'timeout' }],
  ] as const)('%s', (_name, status, body, expected) => {
    expect(classifyMistralError(status, {}, body)).toMatchObject({ status, ...expected });
  });

  it('reads retry-after on a 429', () => {
    expect(
      classifyMistralError(429, { 'retry-after': '7' }, '{"message":"Requests rate limit exceeded"}'),
    ).toMatchObject({
      errorClass: 'rate_limited',
      retryAfterMs: 7000,
      message: 'Requests rate limit exceeded',
    });
  });
});
