import { describe, expect, it } from 'vitest';
import { toResponse } from '../../../src/fronts/responses/response.ts';
import { ResponsesStreamRenderer } from '../../../src/fronts/responses/stream.ts';
import { deltaChunk, usageChunk } from '../../../src/providers/shared/chunks.ts';

const header = { id: 'chatcmpl-abc', created: 7, model: 'gpt-4.1' };
const usage = {
  prompt_tokens: 9,
  completion_tokens: 4,
  total_tokens: 13,
  completion_tokens_details: { reasoning_tokens: 2 },
};

function render(chunks: string[], native: Record<string, unknown> = {}) {
  const events: Array<Record<string, unknown>> = [];
  const renderer = new ResponsesStreamRenderer(
    {
      event: (name, json) => {
        const data = JSON.parse(json) as Record<string, unknown>;
        expect(data.type).toBe(name);
        events.push(data);
      },
      raw: () => {},
    },
    native,
  );
  for (const chunk of chunks) renderer.chunk(chunk, 'chunk');
  renderer.end(9);
  return events;
}

describe('OpenAI chunks → Responses events', () => {
  it('opens and closes items in order, numbers every event and ends with the whole response', () => {
    const events = render(
      [
        deltaChunk(header, { role: 'assistant', reasoning_content: 'Hmm' }),
        deltaChunk(header, { content: 'Hi' }),
        deltaChunk(header, { content: '!' }),
        deltaChunk(header, {
          tool_calls: [
            { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } },
          ],
        }),
        deltaChunk(header, { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }),
        deltaChunk(header, {}, 'tool_calls'),
        usageChunk(header, usage),
      ],
      { instructions: 'Be brief.' },
    );
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const completed = events.at(-1)?.response as Record<string, unknown>;
    expect(completed).toMatchObject({
      id: 'resp_abc',
      object: 'response',
      status: 'completed',
      created_at: 7,
      model: 'gpt-4.1',
      instructions: 'Be brief.',
      usage: {
        input_tokens: 9,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 4,
        output_tokens_details: { reasoning_tokens: 2 },
        total_tokens: 13,
      },
    });
    expect(completed.output).toEqual([
      {
        id: 'rs_abc_0',
        type: 'reasoning',
        summary: [],
        content: [{ type: 'reasoning_text', text: 'Hmm' }],
        status: 'completed',
      },
      {
        id: 'msg_abc_1',
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Hi!', annotations: [], logprobs: [] }],
      },
      {
        id: 'fc_abc_2',
        type: 'function_call',
        status: 'completed',
        call_id: 'call_1',
        name: 'f',
        arguments: '{"a":1}',
      },
    ]);
    expect(events[10]).toMatchObject({
      item_id: 'msg_abc_1',
      output_index: 1,
      content_index: 0,
      delta: 'Hi',
    });
  });

  it('ends a cut answer with response.incomplete', () => {
    const events = render([deltaChunk(header, { content: 'Once upon' }, 'length')]);
    expect(events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
  });

  it('renders a whole completion with the same items', () => {
    const body = JSON.parse(
      toResponse(
        {
          id: 'chatcmpl-abc',
          object: 'chat.completion',
          created: 7,
          model: 'gpt-4.1',
          choices: [
            {
              index: 0,
              logprobs: null,
              finish_reason: 'stop',
              message: { role: 'assistant', content: 'Hi!', refusal: null },
            },
          ],
          usage,
        },
        { tools: [], text: { format: { type: 'text' } } },
        9,
      ),
    ) as Record<string, unknown>;
    expect(body).toMatchObject({ id: 'resp_abc', status: 'completed', completed_at: 9, store: false });
    expect(body.output).toEqual([
      {
        id: 'msg_abc_0',
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Hi!', annotations: [], logprobs: [] }],
      },
    ]);
    expect(body).not.toHaveProperty('output_text');
  });
});
