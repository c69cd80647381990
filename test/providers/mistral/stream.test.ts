import { describe, expect, it } from 'vitest';
import { createMistralStream } from '../../../src/providers/mistral/stream.ts';
import { fromMistralResponse } from '../../../src/providers/mistral/response.ts';
import { StreamProtocolError, UpstreamStreamError } from '../../../src/providers/types.ts';
import { sdkFinalCompletion } from '../../helpers/chunk-reassembly.ts';
import { fixtures, makeCtx, runEveryCut, runStream } from '../../helpers/stream-harness.ts';
import { thrown } from '../../helpers/thrown.ts';
import { type Expected, responseOutcome, streamOutcome } from '../shared/openai-dialect/expected-outcome.ts';

const f = fixtures('mistral');

describe('Mistral stream fixtures', () => {
  for (const name of ['tool', 'text', 'reasoning', 'parallel-tools', 'model-length']) {
    it(`${name}.sse reassembles to ${name}.expected.json, however the bytes are cut`, async () => {
      const run = runEveryCut(createMistralStream, f.bytes(`${name}.sse`));
      expect(streamOutcome(run)).toEqual(f.json<Expected>(`${name}.expected.json`));
      // The official SDK's stream helper accepts the chunks (role first, fragments, one finish per choice).
      const sdk = await sdkFinalCompletion(run.chunks.filter((c) => c.kind === 'chunk'));
      expect(sdk.choices[0]?.finish_reason).toBe(f.json<Expected>(`${name}.expected.json`).finish_reason);
    });
  }

  for (const name of ['tool', 'text', 'reasoning']) {
    it(`${name}: streaming reassembly equals the non-streaming translation of the same answer`, () => {
      const stream = streamOutcome(runStream(createMistralStream, [f.bytes(`${name}.sse`)]));
      expect(stream).toEqual(responseOutcome(fromMistralResponse(f.text(`${name}.json`), makeCtx())));
    });
  }

  it('splits the usage off the finish chunk into a usage chunk after it', () => {
    const { chunks } = runStream(createMistralStream, [f.bytes('tool.sse')]);
    expect(chunks.map((c) => c.kind)).toEqual(['chunk', 'chunk', 'chunk', 'usage']);
    const finish = JSON.parse(chunks[2]?.json ?? '{}');
    expect(finish.usage).toBeUndefined();
    expect(finish.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' });
  });

  it('turns the whole-call delta into a first fragment and an arguments fragment', () => {
    const { chunks } = runStream(createMistralStream, [f.bytes('tool.sse')]);
    // Mistral's bare `content: ""` role chunk is dropped and the role rides on the first fragment, so
    // the SDK reassembles content null, as in the non-streaming answer.
    expect(JSON.parse(chunks[0]?.json ?? '{}').choices[0].delta).toEqual({
      role: 'assistant',
      tool_calls: [
        { index: 0, id: 'gSIMJiOkT', type: 'function', function: { name: 'weather', arguments: '' } },
      ],
    });
    expect(JSON.parse(chunks[1]?.json ?? '{}').choices[0].delta).toEqual({
      tool_calls: [{ index: 0, function: { arguments: '{"location": "San Francisco"}' } }],
    });
  });

  it('forwards plain text chunks byte for byte', () => {
    const { chunks } = runStream(createMistralStream, [f.bytes('text.sse')]);
    const wire = f
      .text('text.sse')
      .split('\n\n')
      .map((event) => event.slice('data: '.length));
    expect(chunks[0]?.json).toBe(wire[0]);
    expect(chunks[1]?.json).toBe(wire[1]);
    expect(chunks[2]?.json).toBe(wire[2]);
  });

  it('puts usage: null on rebuilt chunks when the client asked for usage, as OpenAI does', () => {
    const ctx = makeCtx({ stream: true, stream_options: { include_usage: true } });
    const { chunks } = runStream(createMistralStream, [f.bytes('tool.sse')], ctx);
    expect(JSON.parse(chunks[1]?.json ?? '{}').usage).toBeNull();
  });

  it('reports a body cut inside an event as a truncated stream', () => {
    expect(thrown(() => runStream(createMistralStream, [f.bytes('cut-mid-event.sse')]))).toBeInstanceOf(
      StreamProtocolError,
    );
  });

  it('rejects a second answer spliced into the stream', () => {
    const error = thrown(() => runStream(createMistralStream, [f.bytes('spliced.sse')]));
    expect(error).toBeInstanceOf(StreamProtocolError);
    expect((error as Error).message).toMatch(/switched/);
  });

  it('turns finish_reason "error" into a classified server failure', () => {
    const error = thrown(() => runStream(createMistralStream, [f.bytes('finish-error.sse')]));
    expect(error).toBeInstanceOf(UpstreamStreamError);
    expect((error as UpstreamStreamError).failure).toMatchObject({ errorClass: 'server', code: 'error' });
  });

  it("turns Mistral's in-band error object into an UpstreamStreamError", () => {
    const error = thrown(() => runStream(createMistralStream, [f.bytes('in-band-error.sse')]));
    expect(error).toBeInstanceOf(UpstreamStreamError);
    expect((error as UpstreamStreamError).failure).toMatchObject({
      errorClass: 'overloaded',
      message: 'Service unavailable',
      code: '3505',
    });
  });
});
