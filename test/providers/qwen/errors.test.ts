import { describe, expect, it } from 'vitest';
import { classifyQwenError } from '../../../src/providers/qwen/errors.ts';
import { fixtures } from '../../helpers/stream-harness.ts';

const envelope = (code: string, message: string, type = code) =>
  JSON.stringify({ error: { code, param: null, message, type }, id: 'chatcmpl-x', request_id: 'r-1' });

describe('classifyQwenError', () => {
  it.each([
    [
      'moderation (compat code)',
      400,
      envelope('data_inspection_failed', 'Input data may contain inappropriate content.'),
      'content_filter',
    ],
    [
      'moderation (native code)',
      400,
      envelope('DataInspectionFailed', 'Input or output data may contain inappropriate content.'),
      'content_filter',
    ],
    ['context length', 400, fixtures('qwen').text('context-length-400.json'), 'context_length'],
    [
      'bad parameter',
      400,
      envelope(
        'invalid_parameter_error',
        'The thinking_budget parameter must be a positive integer and not greater than 38912',
        'invalid_request_error',
      ),
      'bad_request',
    ],
    [
      'unpaid bill',
      400,
      envelope('Arrearage', 'Access denied, please make sure your account is in good standing.'),
      'auth',
    ],
    [
      'free quota used up',
      403,
      envelope('AllocationQuota.FreeTierOnly', 'The free tier of the model has been exhausted.'),
      'auth',
    ],
    [
      'bad key',
      401,
      envelope('invalid_api_key', 'Incorrect API key provided.', 'invalid_request_error'),
      'auth',
    ],
    [
      'model not found',
      404,
      envelope(
        'model_not_found',
        'The model `qwen-x` does not exist or you do not have access to it.',
        'invalid_request_error',
      ),
      'bad_request',
    ],
    [
      'limit_requests',
      429,
      envelope('limit_requests', 'You exceeded your current requests list.'),
      'rate_limited',
    ],
    [
      'Throttling.RateQuota',
      429,
      envelope('Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.'),
      'rate_limited',
    ],
    [
      'internal error',
      500,
      envelope('InternalError', 'An internal error has occured, please try again later.'),
      'server',
    ],
    ['unavailable', 503, envelope('ServiceUnavailable', 'Service temporarily unavailable.'), 'overloaded'],
  ] as const)('%s → %s', (_name, status, body, errorClass) => {
    expect(classifyQwenError(status, {}, body)).toMatchObject({ status, errorClass });
  });

  it('keeps the message and code and honours retry-after', () => {
    expect(
      classifyQwenError(
        429,
        { 'retry-after': '2' },
        envelope('limit_requests', 'You exceeded your current requests list.'),
      ),
    ).toEqual({
      errorClass: 'rate_limited',
      status: 429,
      message: 'You exceeded your current requests list.',
      code: 'limit_requests',
      param: null,
      retryAfterMs: 2000,
    });
  });
});
