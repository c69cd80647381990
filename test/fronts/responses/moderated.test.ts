/**
 * A passed-through Responses answer for output moderation (src/fronts/responses/moderated.ts): read as
 * a chat completion (every text moderation judges), and written back with only the text rewritten.
 */
import { describe, expect, it } from 'vitest';
import { moderatedResponse, responsesCompletion } from '../../../src/fronts/responses/moderated.ts';
import { accountingOf } from '../../../src/fronts/responses/passthrough.ts';

const upstream = {
  id: 'resp_1',
  object: 'response',
  created_at: 5,
  status: 'completed',
  model: 'gpt-5',
  output: [
    { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thought. ' }] },
    {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'output_text', text: 'One. ', annotations: [{ type: 'url_citation' }] },
        { type: 'output_text', text: 'Two.', annotations: [] },
      ],
    },
    { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' },
  ],
  usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
};

describe('moderated Responses answer', () => {
  it('reads the answer text, the reasoning summaries and the calls', () => {
    const completion = responsesCompletion(upstream, accountingOf(upstream));
    const message = completion.choices[0]?.message;
    expect(message?.content).toBe('One. Two.');
    expect(message?.reasoning_content).toBe('Thought. ');
    expect(message?.tool_calls?.[0]?.id).toBe('call_1');
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('redacted: the text in the first output_text part, the rest of the response kept', () => {
    const completion = responsesCompletion(upstream, accountingOf(upstream));
    const redacted = structuredClone(completion);
    (redacted.choices[0] as { message: { content: string } }).message.content = '[redacted]';
    const out = JSON.parse(moderatedResponse(upstream, redacted));
    expect(out.status).toBe('completed');
    expect(out.output[1].content).toEqual([{ type: 'output_text', text: '[redacted]', annotations: [] }]);
    expect(out.output.map((item: { id: string }) => item.id)).toEqual(['rs_1', 'msg_1', 'fc_1']);
  });

  it('blocked: message and reasoning gone, incomplete for content_filter', () => {
    const completion = responsesCompletion(upstream, accountingOf(upstream));
    const blocked = structuredClone(completion);
    const choice = blocked.choices[0] as (typeof blocked.choices)[number];
    choice.message.content = '';
    choice.finish_reason = 'content_filter';
    const out = JSON.parse(moderatedResponse(upstream, blocked));
    expect(out).toMatchObject({
      id: 'resp_1',
      status: 'incomplete',
      completed_at: null,
      incomplete_details: { reason: 'content_filter' },
      usage: upstream.usage,
    });
    expect(out.output.map((item: { id: string }) => item.id)).toEqual(['fc_1']);
  });
});
