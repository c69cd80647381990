import { describe, expect, it } from 'vitest';
import type { OpenAIDialect } from '../../../../src/providers/shared/openai-dialect/dialect.ts';
import { fromDialectResponse } from '../../../../src/providers/shared/openai-dialect/response.ts';
import { makeUsage } from '../../../../src/providers/shared/usage.ts';
import { UpstreamProtocolError, UpstreamStreamError } from '../../../../src/providers/types.ts';
import { makeCtx } from '../../../helpers/stream-harness.ts';
import { thrown } from '../../../helpers/thrown.ts';

const plain: OpenAIDialect = {
  provider: 'test',
  mapFinishReason: (raw) => (raw === 'tool_calls' ? 'tool_calls' : 'stop'),
  finishFailure: (raw) =>
    raw === 'boom'
      ? {
          errorClass: 'server',
          status: 200,
          message: 'boom',
          code: 'boom',
          param: null,
          retryAfterMs: undefined,
        }
      : undefined,
  mapUsage: (raw) =>
    makeUsage({
      promptTokens: raw.prompt_tokens as number,
      completionTokens: raw.completion_tokens as number,
    }),
  inBandFailure: (parsed) =>
    parsed.object === 'error'
      ? { errorClass: 'server', status: 200, message: 'x', code: null, param: null, retryAfterMs: undefined }
      : undefined,
};

describe('fromDialectResponse', () => {
  it('rebuilds tool calls without type and with object arguments, and empty content as null', () => {
    const body = JSON.stringify({
      id: 'r1',
      model: 'm',
      created: 9,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: '',
            tool_calls: [{ index: 0, id: 'abcdefghi', function: { name: 'f', arguments: { a: 1 } } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 4, completion_tokens: 6 },
    });
    const out = fromDialectResponse(body, plain, makeCtx());
    expect(out.completion.choices[0]?.message).toEqual({
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [{ id: 'abcdefghi', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    });
    expect(out.usage?.total_tokens).toBe(10);
    expect(JSON.parse(out.body)).toEqual(out.completion);
  });

  it('splits a content chunk array into reasoning_content and content', () => {
    const body = JSON.stringify({
      id: 'r1',
      model: 'm',
      created: 9,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }], signature: 'sig' },
              { type: 'reference', reference_ids: [1] },
              { type: 'text', text: 'yes' },
            ],
          },
          finish_reason: 'stop',
        },
      ],
    });
    const message = fromDialectResponse(body, plain, makeCtx()).completion.choices[0]?.message;
    expect(message).toEqual({ role: 'assistant', content: 'yes', refusal: null, reasoning_content: 'hmm' });
  });

  it('takes id, created and model from the context when the body has none', () => {
    const out = fromDialectResponse(
      '{"choices":[{"message":{"content":"x"},"finish_reason":"stop"}]}',
      plain,
      makeCtx(),
    );
    expect(out.completion).toMatchObject({
      id: 'chatcmpl-fixture01',
      created: 1767225600,
      model: 'virtual-model',
      object: 'chat.completion',
    });
    expect(out.usage).toBeUndefined();
  });

  it('tolerates the blank lines DeepSeek sends before a queued body', () => {
    const out = fromDialectResponse(
      '\n\n\n{"choices":[{"message":{"content":"x"},"finish_reason":"stop"}]}',
      plain,
      makeCtx(),
    );
    expect(out.completion.choices[0]?.message.content).toBe('x');
  });

  it('throws a protocol error for a body that is not a completion', () => {
    expect(thrown(() => fromDialectResponse('<html>', plain, makeCtx()))).toBeInstanceOf(
      UpstreamProtocolError,
    );
    expect(thrown(() => fromDialectResponse('[]', plain, makeCtx()))).toBeInstanceOf(UpstreamProtocolError);
    expect(thrown(() => fromDialectResponse('{"id":"x"}', plain, makeCtx()))).toBeInstanceOf(
      UpstreamProtocolError,
    );
  });

  it('throws the classified failure for an error body or a failure finish reason inside a 200', () => {
    expect(
      thrown(() => fromDialectResponse('{"object":"error","message":"x"}', plain, makeCtx())),
    ).toBeInstanceOf(UpstreamStreamError);
    const failed = thrown(() =>
      fromDialectResponse(
        '{"choices":[{"message":{"content":"x"},"finish_reason":"boom"}]}',
        plain,
        makeCtx(),
      ),
    );
    expect((failed as UpstreamStreamError).failure.code).toBe('boom');
  });

  it('keeps the raw finish reason when it maps to something else', () => {
    const out = fromDialectResponse(
      '{"choices":[{"message":{"content":"x"},"finish_reason":"eos"}]}',
      plain,
      makeCtx(),
    );
    expect(out.finishReason).toBe('stop');
    expect(out.rawFinishReason).toBe('eos');
  });
});
