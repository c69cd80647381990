/**
 * A passed-through Message that output moderation changed (src/fronts/anthropic-messages/moderated.ts):
 * the upstream's own message with only the text rewritten, everything else kept.
 */
import { describe, expect, it } from 'vitest';
import { moderatedMessage } from '../../../src/fronts/anthropic-messages/moderated.ts';
import type { ChatCompletion } from '../../../src/protocol/chat-response.ts';

const upstream = {
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [
    { type: 'thinking', thinking: 'Hmm.', signature: 'sig' },
    { type: 'text', text: 'First part. ', citations: [{ type: 'char_location', cited_text: 'x' }] },
    { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } },
    { type: 'text', text: 'Second part.' },
    { type: 'tool_use', id: 'toolu_1', name: 'fetch', input: {} },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 20 },
};

function moderated(content: string, finish: 'stop' | 'content_filter'): ChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 0,
    model: 'claude-sonnet-4-5',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: finish,
      },
    ],
  };
}

describe('moderated Anthropic message', () => {
  it('redacted: the text in the first text block, the other text blocks gone, the rest kept', () => {
    const out = JSON.parse(moderatedMessage(JSON.stringify(upstream), moderated('[redacted] part.', 'stop')));
    expect(out.content.map((block: { type: string }) => block.type)).toEqual([
      'thinking',
      'text',
      'server_tool_use',
      'tool_use',
    ]);
    expect(out.content[1]).toEqual({ type: 'text', text: '[redacted] part.', citations: null });
    expect(out).toMatchObject({ id: 'msg_01', stop_reason: 'tool_use', usage: upstream.usage });
  });

  it('blocked: text and thinking gone, stop_reason refusal', () => {
    const out = JSON.parse(moderatedMessage(JSON.stringify(upstream), moderated('', 'content_filter')));
    expect(out.content.map((block: { type: string }) => block.type)).toEqual(['server_tool_use', 'tool_use']);
    expect(out).toMatchObject({ id: 'msg_01', stop_reason: 'refusal', stop_sequence: null });
  });
});
