/**
 * A streamed answer, as the chunks we sent (plus the usage chunk, sent or not), back into the
 * completion a JSON request would have got, so a streamed answer can serve a later JSON request and be
 * replayed to a later stream (issue 14). Runs after the response has ended, never while the client
 * waits. Anything it cannot reassemble exactly (an error event, a delta field it does not know, log
 * probabilities, two reasoning signatures for one choice) gives undefined: not stored.
 */
import type { ChatCompletion, ChatCompletionChoice, FinishReason, Usage } from '../protocol/chat-response.ts';

interface ChoiceParts {
  content: string | null;
  reasoning: string | null;
  refusal: string | null;
  signature: string | null;
  toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  finishReason: FinishReason | null;
}

interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

const KNOWN_DELTA_FIELDS = new Set([
  'role',
  'content',
  'reasoning_content',
  'refusal',
  'reasoning_signature',
  'tool_calls',
]);

export function reassembleStream(chunks: readonly string[]): ChatCompletion | undefined {
  let head: Record<string, unknown> | undefined;
  let usage: Usage | undefined;
  const choices: ChoiceParts[] = [];
  for (const text of chunks) {
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (chunk.error !== undefined || !Array.isArray(chunk.choices)) return undefined;
    head ??= chunk;
    if (chunk.usage !== null && chunk.usage !== undefined) usage = chunk.usage as Usage;
    for (const raw of chunk.choices as Array<Record<string, unknown>>) {
      if (!addChoiceDelta(choices, raw)) return undefined;
    }
  }
  if (head === undefined || choices.length === 0) return undefined;
  const completion: ChatCompletion = {
    id: String(head.id ?? ''),
    object: 'chat.completion',
    created: typeof head.created === 'number' ? head.created : 0,
    model: String(head.model ?? ''),
    choices: [],
  };
  if (typeof head.system_fingerprint === 'string') completion.system_fingerprint = head.system_fingerprint;
  if (typeof head.service_tier === 'string')
    completion.service_tier = head.service_tier as ChatCompletion['service_tier'];
  for (let index = 0; index < choices.length; index++) {
    const parts = choices[index];
    if (parts === undefined || parts.finishReason === null) return undefined;
    const choice: ChatCompletionChoice = {
      index,
      message: { role: 'assistant', content: parts.content, refusal: parts.refusal },
      logprobs: null,
      finish_reason: parts.finishReason,
    };
    if (parts.reasoning !== null) choice.message.reasoning_content = parts.reasoning;
    if (parts.signature !== null) choice.message.reasoning_signature = parts.signature;
    if (parts.toolCalls.length > 0) choice.message.tool_calls = parts.toolCalls;
    completion.choices.push(choice);
  }
  if (usage !== undefined) completion.usage = usage;
  return completion;
}

function addChoiceDelta(choices: ChoiceParts[], raw: Record<string, unknown>): boolean {
  const index = raw.index;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 127) return false;
  if (raw.logprobs !== null && raw.logprobs !== undefined) return false;
  let parts = choices[index];
  if (parts === undefined) {
    parts = {
      content: null,
      reasoning: null,
      refusal: null,
      signature: null,
      toolCalls: [],
      finishReason: null,
    };
    choices[index] = parts;
  }
  if (typeof raw.finish_reason === 'string') parts.finishReason = raw.finish_reason as FinishReason;
  const delta = raw.delta as Record<string, unknown> | undefined;
  if (delta === undefined || delta === null) return true;
  for (const field in delta) {
    const value = delta[field];
    // The role chunk's `content: ""` is no content: a tool-call answer's stays null, as OpenAI's JSON says.
    if (value === null || value === undefined || value === '') continue;
    if (!KNOWN_DELTA_FIELDS.has(field)) return false;
    switch (field) {
      case 'content':
        parts.content = (parts.content ?? '') + String(value);
        break;
      case 'reasoning_content':
        parts.reasoning = (parts.reasoning ?? '') + String(value);
        break;
      case 'refusal':
        parts.refusal = (parts.refusal ?? '') + String(value);
        break;
      case 'reasoning_signature':
        // One opaque token per answer; two would need the provider's own rule to combine.
        if (parts.signature !== null) return false;
        parts.signature = String(value);
        break;
      case 'tool_calls':
        if (!Array.isArray(value) || !addToolCallDeltas(parts, value as ToolCallDelta[])) return false;
        break;
      default:
        break; // role: always assistant
    }
  }
  return true;
}

function addToolCallDeltas(parts: ChoiceParts, deltas: ToolCallDelta[]): boolean {
  for (const delta of deltas) {
    const index = delta.index ?? parts.toolCalls.length;
    if (!Number.isInteger(index) || index < 0 || index > parts.toolCalls.length) return false;
    let call = parts.toolCalls[index];
    if (call === undefined) {
      if (delta.type !== undefined && delta.type !== 'function') return false;
      call = { id: '', type: 'function', function: { name: '', arguments: '' } };
      parts.toolCalls[index] = call;
    }
    if (typeof delta.id === 'string') call.id = delta.id;
    const fn = delta.function;
    if (fn !== undefined && fn !== null) {
      if (typeof fn.name === 'string') call.function.name += fn.name;
      if (typeof fn.arguments === 'string') call.function.arguments += fn.arguments;
    }
  }
  return true;
}
