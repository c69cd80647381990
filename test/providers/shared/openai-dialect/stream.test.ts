import { describe, expect, it } from 'vitest';
import type { OpenAIDialect } from '../../../../src/providers/shared/openai-dialect/dialect.ts';
import { OpenAIDialectStream } from '../../../../src/providers/shared/openai-dialect/stream.ts';
import { makeUsage } from '../../../../src/providers/shared/usage.ts';
import { StreamProtocolError, type UpstreamStreamError } from '../../../../src/providers/types.ts';
import { reassemble } from '../../../helpers/chunk-reassembly.ts';
import { makeCtx, runStream } from '../../../helpers/stream-harness.ts';
import { thrown } from '../../../helpers/thrown.ts';

/** A dialect with no quirks of its own, so these tests pin down the shared normalizer alone. */
const plain: OpenAIDialect = {
  provider: 'test',
  mapFinishReason: (raw) => (raw === 'stop' || raw === 'length' || raw === 'tool_calls' ? raw : 'stop'),
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
    parsed.error === undefined
      ? undefined
      : {
          errorClass: 'rate_limited',
          status: 200,
          message: 'slow down',
          code: null,
          param: null,
          retryAfterMs: undefined,
        },
};
const factory =
  (ctx: Parameters<typeof makeCtx>[0] = {}) =>
  () =>
    new OpenAIDialectStream(plain, makeCtx(ctx));

function chunk(
  delta: unknown,
  extra: Record<string, unknown> = {},
  choice: Record<string, unknown> = {},
): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 5, model: 'm', choices: [{ index: 0, delta, finish_reason: null, ...choice }], ...extra })}\n\n`;
}
const role = chunk({ role: 'assistant', content: '' });
const done = 'data: [DONE]\n\n';

describe('OpenAIDialectStream', () => {
  it('continues a tool call from fragments that carry neither index nor id', () => {
    const { chunks } = runStream(factory(), [
      role,
      chunk({ tool_calls: [{ id: 'abcdefghi', function: { name: 'f', arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ function: { arguments: '1}' } }] }),
      chunk({}, {}, { finish_reason: 'tool_calls' }),
      done,
    ]);
    expect(reassemble(chunks).choices[0]?.message.tool_calls).toEqual([
      { id: 'abcdefghi', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
    ]);
  });

  it('splits a first tool-call fragment that already carries arguments into the contract form', () => {
    const { chunks } = runStream(factory(), [
      role,
      chunk({
        tool_calls: [{ index: 0, id: 'c9', type: 'function', function: { name: 'f', arguments: '{}' } }],
      }),
      chunk({}, {}, { finish_reason: 'tool_calls' }),
      done,
    ]);
    // The bare `content: ""` role chunk is dropped: the role rides on the first fragment, so the answer
    // reassembles with content null, as OpenAI streams a tool call and as the non-streaming answer says.
    expect(chunks.map((c) => JSON.parse(c.json).choices[0]?.delta)).toEqual([
      {
        role: 'assistant',
        tool_calls: [{ index: 0, id: 'c9', type: 'function', function: { name: 'f', arguments: '' } }],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
      {},
    ]);
  });

  it('forwards a held bare role chunk byte for byte when text follows it', () => {
    const { chunks } = runStream(factory(), [
      role,
      chunk({ content: 'hi' }),
      chunk({}, {}, { finish_reason: 'stop' }),
      done,
    ]);
    expect(chunks[0]?.json).toBe(role.replace(/^data: /, '').trim());
    expect(JSON.parse(chunks[1]?.json ?? '{}').choices[0].delta).toEqual({ content: 'hi' });
  });

  it('rejects a fragment for a call it never saw start', () => {
    const error = thrown(() =>
      runStream(factory(), [role, chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] })]),
    );
    expect(error).toBeInstanceOf(StreamProtocolError);
  });

  it('rejects a tool call whose name or id changes mid-call', () => {
    const start = chunk({
      tool_calls: [{ index: 0, id: 'x1', type: 'function', function: { name: 'f', arguments: '' } }],
    });
    expect(
      thrown(() =>
        runStream(factory(), [
          role,
          start,
          chunk({ tool_calls: [{ index: 0, function: { name: 'g', arguments: 'x' } }] }),
        ]),
      ),
    ).toBeInstanceOf(StreamProtocolError);
    expect(
      thrown(() =>
        runStream(factory(), [
          role,
          start,
          chunk({ tool_calls: [{ index: 0, id: 'x2', function: { arguments: 'x' } }] }),
        ]),
      ),
    ).toBeInstanceOf(StreamProtocolError);
  });

  it('rejects content for a choice after its finish chunk', () => {
    const error = thrown(() =>
      runStream(factory(), [
        role,
        chunk({ content: 'a' }, {}, { finish_reason: 'stop' }),
        chunk({ content: 'more' }),
        done,
      ]),
    );
    expect(error).toBeInstanceOf(StreamProtocolError);
  });

  it('rejects an event that is not JSON and a stream that is only [DONE]', () => {
    expect(thrown(() => runStream(factory(), ['data: {"id":\n\n']))).toBeInstanceOf(StreamProtocolError);
    expect(thrown(() => runStream(factory(), [done]))).toBeInstanceOf(StreamProtocolError);
    expect(thrown(() => runStream(factory(), ['']))).toBeInstanceOf(StreamProtocolError);
  });

  it('ignores whatever follows [DONE]', () => {
    const { chunks } = runStream(factory(), [
      role,
      chunk({}, {}, { finish_reason: 'stop' }),
      done,
      'data: not json\n\n',
    ]);
    expect(chunks).toHaveLength(2);
  });

  it('accepts a finished stream without [DONE] and still emits the usage it held', () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    const { chunks, translator } = runStream(factory(), [
      role,
      chunk({ content: 'hi' }, { usage }, { finish_reason: 'stop' }),
    ]);
    expect(chunks.at(-1)?.kind).toBe('usage');
    expect(translator.usage?.total_tokens).toBe(5);
  });

  it('emits one usage chunk when usage arrives both on the finish chunk and on its own', () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    const usageOnly = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 5, model: 'm', choices: [], usage })}\n\n`;
    const { chunks } = runStream(factory(), [
      role,
      chunk({}, { usage }, { finish_reason: 'stop' }),
      usageOnly,
      done,
    ]);
    expect(chunks.filter((c) => c.kind === 'usage')).toHaveLength(1);
  });

  it('fills id, created and model from the context when the upstream leaves them out', () => {
    const bare = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }] })}\n\n`;
    const { chunks, translator } = runStream(factory(), [bare, done]);
    expect(JSON.parse(chunks[0]?.json ?? '{}')).toMatchObject({
      id: 'chatcmpl-fixture01',
      created: 1767225600,
      model: 'virtual-model',
    });
    expect(translator.model).toBe('virtual-model');
    expect(reassemble(chunks).choices[0]?.message.content).toBe('x');
  });

  it('keeps logprobs on the content piece of a rebuilt chunk', () => {
    const logprobs = {
      content: [{ token: 'hi', logprob: -0.1, bytes: [104, 105], top_logprobs: [] }],
      refusal: null,
    };
    const { chunks } = runStream(factory(), [
      role,
      chunk({ content: 'hi' }, {}, { finish_reason: 'stop', logprobs }),
      done,
    ]);
    expect(JSON.parse(chunks[1]?.json ?? '{}').choices[0]).toMatchObject({
      delta: { content: 'hi' },
      logprobs,
    });
    expect(JSON.parse(chunks[2]?.json ?? '{}').choices[0]).toMatchObject({
      delta: {},
      logprobs: null,
      finish_reason: 'stop',
    });
  });

  it('maps the finish reason and keeps the raw one when they differ', () => {
    const { translator } = runStream(factory(), [role, chunk({}, {}, { finish_reason: 'eos' }), done]);
    expect(translator.finishReason).toBe('stop');
    expect(translator.rawFinishReason).toBe('eos');
  });

  it('throws the dialect failure for a finish reason that means failure', () => {
    const error = thrown(() => runStream(factory(), [role, chunk({}, {}, { finish_reason: 'boom' }), done]));
    expect((error as UpstreamStreamError).failure.code).toBe('boom');
  });

  it('classifies an in-band error through the dialect, and an `event: error` it cannot read as server', () => {
    const inBand = thrown(() => runStream(factory(), [role, 'data: {"error":{"message":"x"}}\n\n']));
    expect((inBand as UpstreamStreamError).failure.errorClass).toBe('rate_limited');
    const named = thrown(() => runStream(factory(), [role, 'event: error\ndata: {"detail":"x"}\n\n']));
    expect((named as UpstreamStreamError).failure.errorClass).toBe('server');
  });

  it('gives the role to the first chunk of a choice whose upstream sent none', () => {
    const { chunks } = runStream(factory(), [
      chunk({ content: 'x' }),
      chunk({}, {}, { finish_reason: 'stop' }),
      done,
    ]);
    expect(JSON.parse(chunks[0]?.json ?? '{}').choices[0].delta).toEqual({ role: 'assistant', content: 'x' });
  });
});
