import { describe, expect, it } from 'vitest';
import { messagesGuardedText } from '../../src/fronts/anthropic-messages/guarded-text.ts';
import {
  type BodyPath,
  type GuardedTextReader,
  type GuardedTextVisitor,
  withReplacements,
} from '../../src/fronts/guarded-text.ts';
import { responsesGuardedText } from '../../src/fronts/responses/guarded-text.ts';
import { formatParam } from '../../src/protocol/chat-request.ts';
import { deepFreeze } from '../helpers/deep-freeze.ts';

/** What a reader reports: system prompts as `system <path>`, texts as `<path> = <text>` (`*` for system). */
function readAll(reader: GuardedTextReader, native: Record<string, unknown>): string[] {
  const seen: string[] = [];
  const visitor: GuardedTextVisitor = {
    system: (path: BodyPath) => seen.push(`system ${formatParam(path)}`),
    text: (text: string, path: BodyPath, system: boolean) =>
      seen.push(`${formatParam(path)}${system ? ' *' : ''} = ${text}`),
  };
  reader.walk(native, visitor);
  return seen;
}

const PIXEL = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' };

describe('Messages body: where the input guard reads', () => {
  it('reads every client text, the blocks the translation leaves out included, in the client’s terms', () => {
    const body = {
      model: 'm',
      max_tokens: 10,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image', source: PIXEL },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'b' }, title: 't' },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'c' }] } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
            {
              type: 'search_result',
              source: 'https://x',
              title: 'd',
              content: [{ type: 'text', text: 'e' }],
            },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'own', signature: 'sig' },
            { type: 'text', text: 'own' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: { q: 'own' } },
            { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_fetch', input: { url: 'own' } },
            {
              type: 'web_fetch_tool_result',
              tool_use_id: 'srvtoolu_1',
              content: { type: 'web_fetch_result', url: 'u', content: { type: 'document', text: 'f' } },
            },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [
                { type: 'text', text: 'g' },
                { type: 'image', source: PIXEL },
              ],
            },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'h', is_error: true },
          ],
        },
        { role: 'user', content: 'i' },
      ],
    };
    expect(readAll(messagesGuardedText, body)).toEqual([
      'system system',
      'system[0].text * = Be brief.',
      'messages[0].content[0].text = a',
      'messages[0].content[2].source.data = b',
      'messages[0].content[2].title = t',
      'messages[0].content[3].source.content[0].text = c',
      'messages[0].content[5].source = https://x',
      'messages[0].content[5].title = d',
      'messages[0].content[5].content[0].text = e',
      'messages[1].content[4].content.url = u',
      'messages[1].content[4].content.content.text = f',
      'messages[2].content[0].content[0].text = g',
      'messages[2].content[1].content = h',
      'messages[3].content = i',
    ]);
  });

  it('demotes the system prompt to the first user turn, blocks as they were', () => {
    const system = [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }];
    const body = deepFreeze({
      model: 'm',
      max_tokens: 10,
      system,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(messagesGuardedText.demoteSystem(body)).toEqual({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: system },
        { role: 'user', content: 'hi' },
      ],
    });
    const none = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    expect(messagesGuardedText.demoteSystem(none)).toBe(none);
  });
});

describe('Responses body: where the input guard reads', () => {
  it('reads every client text, the items the translation leaves out included, in the client’s terms', () => {
    const body = {
      model: 'm',
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'dev' }] },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'a' },
            { type: 'input_image', image_url: 'https://x/y.png' },
            { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=' },
          ],
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'own' }] },
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'own' }], encrypted_content: 'x' },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"q":"own"}' },
        {
          type: 'function_call_output',
          call_id: 'c1',
          output: [
            { type: 'input_text', text: 'b' },
            { type: 'input_image', image_url: 'https://x/z.png' },
          ],
        },
        { type: 'function_call_output', call_id: 'c2', output: 'c' },
        { type: 'custom_tool_call_output', call_id: 'c3', output: 'd' },
        { type: 'mcp_call', id: 'mcp_1', name: 'f', arguments: '{}', server_label: 's', output: 'e' },
      ],
    };
    expect(readAll(responsesGuardedText, body)).toEqual([
      'system instructions',
      'instructions * = Be brief.',
      'system input[0]',
      'input[0].content[0].text * = dev',
      'input[1].content[0].text = a',
      'input[5].output[0].text = b',
      'input[6].output = c',
      'input[7].output = d',
      'input[8].name = f',
      'input[8].arguments = {}',
      'input[8].server_label = s',
      'input[8].output = e',
    ]);
    expect(readAll(responsesGuardedText, { model: 'm', input: 'hi' })).toEqual(['input = hi']);
  });

  it('demotes instructions to the first user message and system items to user items', () => {
    const body = deepFreeze({ model: 'm', instructions: 'Be brief.', input: 'hi' });
    expect(responsesGuardedText.demoteSystem(body)).toEqual({
      model: 'm',
      input: [
        { role: 'user', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
    const items = deepFreeze({
      model: 'm',
      instructions: null,
      input: [
        { type: 'message', role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(responsesGuardedText.demoteSystem(items)).toEqual({
      model: 'm',
      instructions: null,
      input: [
        { type: 'message', role: 'user', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
  });
});

describe('withReplacements', () => {
  it('copies only the path to each replaced text and leaves the client’s body as it came', () => {
    const untouched = { role: 'user', content: 'keep' };
    const body = deepFreeze({
      model: 'm',
      messages: [untouched, { role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image' }] }],
    });
    const edited = withReplacements(body, [
      { path: ['messages', 1, 'content', 0, 'text'], text: 'y' },
      { path: ['model'], text: 'n' },
    ]);
    expect(edited).toEqual({
      model: 'n',
      messages: [untouched, { role: 'user', content: [{ type: 'text', text: 'y' }, { type: 'image' }] }],
    });
    const messages = edited.messages as unknown[];
    expect(messages[0]).toBe(body.messages[0]);
    expect((messages[1] as { content: unknown[] }).content[1]).toBe(body.messages[1]?.content[1]);
    expect(body.messages[1]?.content[0]).toEqual({ type: 'text', text: 'x' });
  });
});
