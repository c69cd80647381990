/**
 * An AnthropicReply on the wire.
 *
 *   toMessage(meta, reply)        the `Message` JSON of a non-streamed answer (docs/providers.md §2.5)
 *   toStreamEvents(meta, reply)   the SSE records of a streamed one, in the order of §2.7:
 *     message_start (input usage, output_tokens 1)
 *     per block: content_block_start, deltas, content_block_stop — thinking as thinking_delta
 *       pieces then one signature_delta; text as text_delta pieces; tool_use starting with an
 *       empty input and an empty input_json_delta, then the JSON text in pieces; redacted_thinking
 *       whole in its start event
 *     a ping after the first block starts (where the recorded streams have it)
 *     message_delta (stop reason, cumulative usage, input fields repeated as newer API versions do)
 *     message_stop
 * Every record names its event (`event: …`): the SDK drops records without a known name.
 */
import { sseFrame } from '../shared/sse-writer.ts';
import { splitTokens } from '../shared/tokens.ts';
import type { AnthropicReply } from './reply.ts';
import type { Block } from './validate.ts';

export interface MessageMeta {
  id: string;
  model: string;
}

export function toMessage(meta: MessageMeta, reply: AnthropicReply): Record<string, unknown> {
  return {
    id: meta.id,
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content: reply.content.map((block) =>
      block.type === 'text'
        ? { ...block, citations: null }
        : block.type === 'tool_use'
          ? { ...block, caller: { type: 'direct' } }
          : block,
    ),
    stop_reason: reply.stopReason,
    stop_sequence: reply.stopSequence,
    stop_details: stopDetails(reply),
    container: null,
    diagnostics: null,
    usage: reply.usage,
  };
}

function stopDetails(reply: AnthropicReply): Record<string, unknown> | null {
  return reply.stopReason === 'refusal' ? { type: 'refusal', category: null, explanation: null } : null;
}

export function toStreamEvents(meta: MessageMeta, reply: AnthropicReply): string[] {
  const events: string[] = [];
  const send = (data: { type: string } & Record<string, unknown>): void => {
    events.push(sseFrame(data, { event: data.type }));
  };
  const usage = reply.usage;
  send({
    type: 'message_start',
    message: {
      id: meta.id,
      type: 'message',
      role: 'assistant',
      model: meta.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: { ...usage, output_tokens: 1, output_tokens_details: null },
    },
  });
  reply.content.forEach((block, index) => {
    send({ type: 'content_block_start', index, content_block: startOf(block) });
    if (index === 0) send({ type: 'ping' });
    for (const delta of deltasOf(block, reply)) send({ type: 'content_block_delta', index, delta });
    send({ type: 'content_block_stop', index });
  });
  send({
    type: 'message_delta',
    delta: {
      stop_reason: reply.stopReason,
      stop_sequence: reply.stopSequence,
      stop_details: stopDetails(reply),
      container: null,
    },
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      output_tokens: usage.output_tokens,
      output_tokens_details: usage.output_tokens_details,
      server_tool_use: null,
    },
  });
  send({ type: 'message_stop' });
  return events;
}

function startOf(block: Block): Record<string, unknown> {
  switch (block.type) {
    case 'thinking':
      return { type: 'thinking', thinking: '', signature: '' };
    case 'text':
      return { type: 'text', text: '', citations: null };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: {}, caller: { type: 'direct' } };
    default:
      return block; // redacted_thinking arrives whole
  }
}

function deltasOf(block: Block, reply: AnthropicReply): Array<Record<string, unknown>> {
  switch (block.type) {
    case 'thinking':
      return [
        ...splitTokens(String(block.thinking)).map((thinking) => ({ type: 'thinking_delta', thinking })),
        { type: 'signature_delta', signature: block.signature },
      ];
    case 'text':
      return splitTokens(String(block.text)).map((text) => ({ type: 'text_delta', text }));
    case 'tool_use': {
      // The arguments as generated: cut by max_tokens they are partial JSON, as a real stream shows.
      const json = reply.toolJson[String(block.id)] ?? JSON.stringify(block.input);
      return [
        { type: 'input_json_delta', partial_json: '' },
        ...splitTokens(json).map((partial_json) => ({ type: 'input_json_delta', partial_json })),
      ];
    }
    default:
      return [];
  }
}
