import { describe, expect, it } from 'vitest';
import { readDialectError } from '../../../../src/providers/shared/openai-dialect/errors.ts';

describe('readDialectError', () => {
  it.each([
    [
      'OpenAI envelope (DeepSeek)',
      '{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}',
      { message: 'Insufficient Balance', code: 'invalid_request_error', type: 'unknown_error', param: null },
    ],
    [
      'envelope plus request_id (Qwen)',
      '{"error":{"code":"data_inspection_failed","param":null,"message":"Input data may contain inappropriate content.","type":"data_inspection_failed"},"request_id":"r"}',
      {
        message: 'Input data may contain inappropriate content.',
        code: 'data_inspection_failed',
        type: 'data_inspection_failed',
        param: null,
      },
    ],
    [
      'top-level object error with a numeric-string code (Mistral)',
      '{"object":"error","message":"Rate limit exceeded","type":"rate_limited","param":null,"code":"1300"}',
      { message: 'Rate limit exceeded', code: '1300', type: 'rate_limited', param: null },
    ],
    [
      'message holding FastAPI detail (Mistral 422)',
      '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","max_completion_tokens"],"msg":"Extra inputs are not permitted","input":32000}]},"type":"invalid_request_error","param":null,"code":null}',
      {
        message: 'max_completion_tokens: Extra inputs are not permitted',
        code: 'invalid_request_error',
        type: 'invalid_request_error',
        param: null,
      },
    ],
    [
      'bare FastAPI detail',
      '{"detail":[{"loc":["body","messages",0,"role"],"msg":"Input should be \'user\'","type":"literal_error"}]}',
      { message: "messages.0.role: Input should be 'user'", code: null, type: null, param: null },
    ],
    [
      'gateway message only (Mistral 401)',
      '{"message":"Unauthorized","request_id":"x"}',
      { message: 'Unauthorized', code: null, type: null, param: null },
    ],
    [
      'an HTML page',
      '<html>502</html>',
      { message: 'p returned HTTP 502', code: null, type: null, param: null },
    ],
  ])('%s', (_name, body, expected) => {
    expect(readDialectError('p', 502, body)).toEqual(expected);
  });
});
