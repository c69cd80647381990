import { describe, expect, it } from 'vitest';
import { fromQwenResponse } from '../../../src/providers/qwen/response.ts';
import { createQwenStream } from '../../../src/providers/qwen/stream.ts';
import { StreamProtocolError, UpstreamStreamError } from '../../../src/providers/types.ts';
import { sdkFinalCompletion } from '../../helpers/chunk-reassembly.ts';
import { fixtures, makeCtx, runEveryCut, runStream } from '../../helpers/stream-harness.ts';
import { thrown } from '../../helpers/thrown.ts';
import { type Expected, responseOutcome, streamOutcome } from '../shared/openai-dialect/expected-outcome.ts';

/** The tool calls of the first choice without their ids, which differ between two calls. */
const withoutIds = (outcome: Expected) =>
  outcome.choices[0]?.message.tool_calls?.map(({ id: _id, ...call }) => call);

const f = fixtures('qwen');

describe('Qwen stream fixtures', () => {
  for (const name of ['tool-stream', 'reasoning-stream', 'two-choices', 'cut-after-finish']) {
    it(`${name}.sse reassembles to ${name}.expected.json, however the bytes are cut`, async () => {
      const run = runEveryCut(createQwenStream, f.bytes(`${name}.sse`));
      expect(streamOutcome(run)).toEqual(f.json<Expected>(`${name}.expected.json`));
      const sdk = await sdkFinalCompletion(run.chunks.filter((c) => c.kind === 'chunk'));
      expect(sdk.choices.map((c) => c.finish_reason)).toEqual(
        f.json<Expected>(`${name}.expected.json`).choices.map((c) => c.finish_reason),
      );
    });
  }

  it('reasoning: streaming reassembly equals the non-streaming translation of the same answer', () => {
    const stream = streamOutcome(runStream(createQwenStream, [f.bytes('reasoning-stream.sse')]));
    expect(stream).toEqual(responseOutcome(fromQwenResponse(f.text('reasoning.json'), makeCtx())));
  });

  it('tool: the recorded stream and body (separate calls) agree on the call and the usage', () => {
    const stream = streamOutcome(runStream(createQwenStream, [f.bytes('tool-stream.sse')]));
    const body = responseOutcome(fromQwenResponse(f.text('tool.json'), makeCtx()));
    expect(withoutIds(stream)).toEqual(withoutIds(body));
    expect(stream.usage).toEqual(body.usage);
    expect(stream.finish_reason).toBe(body.finish_reason);
  });

  it('drops the repeated empty id and type from later tool-call fragments, and the empty fragment', () => {
    const { chunks } = runStream(createQwenStream, [f.bytes('tool-stream.sse')]);
    const deltas = chunks.filter((c) => c.kind === 'chunk').map((c) => JSON.parse(c.json).choices[0].delta);
    expect(deltas).toEqual([
      {
        content: null,
        role: 'assistant',
        tool_calls: [
          {
            index: 0,
            id: 'call_eee11723464a4b9eb8cee71d',
            type: 'function',
            function: { name: 'weather', arguments: '' },
          },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"location": "San Francisco' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"}' } }] },
      {},
    ]);
  });

  it("emits Qwen's own usage chunk with kind usage and OpenAI's detail keys", () => {
    const { chunks } = runStream(createQwenStream, [f.bytes('reasoning-stream.sse')]);
    const last = chunks.at(-1);
    expect(last?.kind).toBe('usage');
    expect(JSON.parse(last?.json ?? '{}')).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 24,
        completion_tokens: 61,
        prompt_tokens_details: { cached_tokens: 16 },
        completion_tokens_details: { reasoning_tokens: 48 },
      },
    });
  });

  it('reports a stream that ends before its finish chunk as truncated', () => {
    expect(thrown(() => runStream(createQwenStream, [f.bytes('cut-before-finish.sse')]))).toBeInstanceOf(
      StreamProtocolError,
    );
  });

  it('turns output moderation mid-stream into a content_filter failure', () => {
    const error = thrown(() => runStream(createQwenStream, [f.bytes('in-band-error.sse')]));
    expect(error).toBeInstanceOf(UpstreamStreamError);
    expect((error as UpstreamStreamError).failure).toMatchObject({
      errorClass: 'content_filter',
      code: 'data_inspection_failed',
    });
  });
});
