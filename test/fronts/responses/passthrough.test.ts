import { describe, expect, it } from 'vitest';
import {
  passthroughRequest,
  ResponsesStreamReader,
  readResponseBody,
} from '../../../src/fronts/responses/passthrough.ts';
import {
  StreamProtocolError,
  UpstreamProtocolError,
  UpstreamStreamError,
} from '../../../src/providers/types.ts';
import { CARRIED_STATE_PREFIX } from '../../../src/fronts/responses/response.ts';
import { thrown } from '../../helpers/thrown.ts';

const usage = {
  input_tokens: 52,
  input_tokens_details: { cached_tokens: 10 },
  output_tokens: 31,
  output_tokens_details: { reasoning_tokens: 12 },
  total_tokens: 83,
};
const event = (data: Record<string, unknown>) => ({ event: data.type as string, data: JSON.stringify(data) });

const target = {
  provider: 'o',
  model: 'gpt-5.4',
  baseUrl: 'http://x/v1',
  origin: 'http://x',
  basePath: '/v1',
};

describe('Responses passthrough to OpenAI', () => {
  it("leaves out reasoning items carrying another target's state, and nothing else", () => {
    const own = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA-openai-own' };
    const carried = {
      type: 'reasoning',
      id: 'rs_2',
      summary: [],
      encrypted_content: `${CARRIED_STATE_PREFIX}x`,
    };
    const user = { role: 'user', content: 'hi' };
    const sent = (input: unknown) =>
      JSON.parse(passthroughRequest({ model: 'smart', input }, { target, headers: {} }).body ?? '').input;
    expect(sent([user, carried, own])).toEqual([user, own]);
    expect(sent('hi')).toBe('hi');
  });

  it('sends the body with the model rewritten and store off', () => {
    const request = passthroughRequest(
      { model: 'smart', input: 'hi', store: true, include: ['reasoning.encrypted_content'] },
      { target, headers: { authorization: 'Bearer k' } },
    );
    expect(request.path).toBe('/v1/responses');
    expect(JSON.parse(request.body ?? '')).toEqual({
      model: 'gpt-5.4',
      input: 'hi',
      store: false,
      include: ['reasoning.encrypted_content'],
    });
  });

  it('reads usage, status and model from a whole answer', () => {
    const read = readResponseBody(
      JSON.stringify({
        object: 'response',
        status: 'completed',
        model: 'gpt-5.4',
        output: [{ type: 'function_call' }],
        usage,
      }),
    );
    expect(read).toEqual({
      usage: {
        prompt_tokens: 52,
        completion_tokens: 31,
        total_tokens: 83,
        prompt_tokens_details: { cached_tokens: 10 },
        completion_tokens_details: { reasoning_tokens: 12 },
      },
      finishReason: 'tool_calls',
      rawFinishReason: null,
      model: 'gpt-5.4',
    });
    const cut = readResponseBody(
      JSON.stringify({
        object: 'response',
        status: 'incomplete',
        incomplete_details: { reason: 'max_output_tokens' },
        usage,
      }),
    );
    expect(cut.finishReason).toBe('length');
    expect(cut.rawFinishReason).toBe('max_output_tokens');
    expect(thrown(() => readResponseBody('{"object":"list"}'))).toBeInstanceOf(UpstreamProtocolError);
  });

  it('reads a stream for accounting, and classifies in-band failures', () => {
    const reader = new ResponsesStreamReader();
    reader.push(event({ type: 'response.created', response: { model: 'gpt-5.4', status: 'in_progress' } }));
    reader.push(event({ type: 'response.output_text.delta', delta: 'Hi' }));
    expect(thrown(() => reader.end())).toBeInstanceOf(StreamProtocolError);
    reader.push(
      event({
        type: 'response.completed',
        response: { status: 'completed', model: 'gpt-5.4', output: [], usage },
      }),
    );
    reader.end();
    expect(reader.model).toBe('gpt-5.4');
    expect(reader.usage?.completion_tokens).toBe(31);
    expect(reader.finishReason).toBe('stop');

    const failed = thrown(() =>
      new ResponsesStreamReader().push(
        event({
          type: 'response.failed',
          response: { status: 'failed', error: { code: 'server_error', message: 'boom' } },
        }),
      ),
    ) as UpstreamStreamError;
    expect(failed).toBeInstanceOf(UpstreamStreamError);
    expect(failed.failure).toMatchObject({ errorClass: 'server', message: 'boom' });
    const limited = thrown(() =>
      new ResponsesStreamReader().push(
        event({
          type: 'error',
          error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'slow down' },
        }),
      ),
    ) as UpstreamStreamError;
    expect(limited.failure.errorClass).toBe('rate_limited');
  });
});
