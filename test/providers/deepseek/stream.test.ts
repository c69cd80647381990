import { describe, expect, it } from 'vitest';
import { fromDeepSeekResponse } from '../../../src/providers/deepseek/response.ts';
import { createDeepSeekStream } from '../../../src/providers/deepseek/stream.ts';
import { StreamProtocolError, UpstreamStreamError } from '../../../src/providers/types.ts';
import { sdkFinalCompletion } from '../../helpers/chunk-reassembly.ts';
import { fixtures, makeCtx, runEveryCut, runStream } from '../../helpers/stream-harness.ts';
import { thrown } from '../../helpers/thrown.ts';
import { type Expected, responseOutcome, streamOutcome } from '../shared/openai-dialect/expected-outcome.ts';

/** The tool calls of the first choice without their ids, which differ between two calls. */
const withoutIds = (outcome: Expected) =>
  outcome.choices[0]?.message.tool_calls?.map(({ id: _id, ...call }) => call);

const f = fixtures('deepseek');

describe('DeepSeek stream fixtures', () => {
  for (const [name, expected] of [
    ['tool-stream', 'tool-stream'],
    ['reasoning-stream', 'reasoning'],
  ] as const) {
    it(`${name}.sse reassembles to ${expected}.expected.json, however the bytes are cut`, async () => {
      const run = runEveryCut(createDeepSeekStream, f.bytes(`${name}.sse`));
      expect(streamOutcome(run)).toEqual(f.json<Expected>(`${expected}.expected.json`));
      const sdk = await sdkFinalCompletion(run.chunks.filter((c) => c.kind === 'chunk'));
      expect(sdk.choices[0]?.finish_reason).toBe(f.json<Expected>(`${expected}.expected.json`).finish_reason);
    });
  }

  it('reasoning: streaming reassembly equals the non-streaming translation of the same answer', () => {
    const stream = streamOutcome(runStream(createDeepSeekStream, [f.bytes('reasoning-stream.sse')]));
    expect(stream).toEqual(responseOutcome(fromDeepSeekResponse(f.text('reasoning.json'), makeCtx())));
  });

  it('tool: the recorded stream and the recorded body (separate calls) agree on everything but the wording', () => {
    const stream = streamOutcome(runStream(createDeepSeekStream, [f.bytes('tool-stream.sse')]));
    const body = responseOutcome(fromDeepSeekResponse(f.text('tool.json'), makeCtx()));
    expect(withoutIds(stream)).toEqual(withoutIds(body));
    expect(stream.finish_reason).toBe(body.finish_reason);
    expect(stream.choices[0]?.message.content).toBe(body.choices[0]?.message.content);
  });

  it('forwards reasoning and tool-argument chunks byte for byte and rebuilds only the finish chunk', () => {
    const { chunks } = runStream(createDeepSeekStream, [f.bytes('tool-stream.sse')]);
    const wire = f
      .text('tool-stream.sse')
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => event.slice('data: '.length));
    // Every upstream chunk but the last (finish + usage) goes out untouched.
    expect(chunks.slice(0, wire.length - 1).map((c) => c.json)).toEqual(wire.slice(0, -1));
    const finish = JSON.parse(chunks[wire.length - 1]?.json ?? '{}');
    expect(finish.choices[0].finish_reason).toBe('tool_calls');
    expect(finish.usage).toBeUndefined();
    expect(chunks.at(-1)?.kind).toBe('usage');
    expect(chunks).toHaveLength(wire.length + 1);
  });

  it('ignores `: keep-alive` comments', () => {
    const withComments = runStream(createDeepSeekStream, [f.bytes('reasoning-stream.sse')]).chunks;
    const stripped = f.text('reasoning-stream.sse').replaceAll(': keep-alive\n\n', '');
    expect(runStream(createDeepSeekStream, [stripped]).chunks).toEqual(withComments);
  });

  it('reports a stream that ends before its finish chunk as truncated', () => {
    expect(thrown(() => runStream(createDeepSeekStream, [f.bytes('cut-before-finish.sse')]))).toBeInstanceOf(
      StreamProtocolError,
    );
  });

  it('reports a body cut inside an event as truncated', () => {
    expect(thrown(() => runStream(createDeepSeekStream, [f.bytes('cut-mid-event.sse')]))).toBeInstanceOf(
      StreamProtocolError,
    );
  });

  it('rejects a second answer spliced into the stream', () => {
    expect(thrown(() => runStream(createDeepSeekStream, [f.bytes('spliced.sse')]))).toBeInstanceOf(
      StreamProtocolError,
    );
  });

  it('turns an in-band error into a classified UpstreamStreamError', () => {
    const error = thrown(() => runStream(createDeepSeekStream, [f.bytes('in-band-error.sse')]));
    expect(error).toBeInstanceOf(UpstreamStreamError);
    expect((error as UpstreamStreamError).failure).toMatchObject({
      errorClass: 'overloaded',
      message: 'Server overloaded, please retry shortly.',
    });
  });

  it('turns finish_reason insufficient_system_resource into an overloaded failure', () => {
    const error = thrown(() => runStream(createDeepSeekStream, [f.bytes('insufficient-resource.sse')]));
    expect(error).toBeInstanceOf(UpstreamStreamError);
    expect((error as UpstreamStreamError).failure.errorClass).toBe('overloaded');
  });
});
