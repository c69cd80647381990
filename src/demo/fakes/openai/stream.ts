/**
 * toChatCompletionChunks(replies, meta, options): the `chat.completion.chunk` sequence for a
 * streamed completion, in the order of docs/providers.md §1.7:
 *   1. role chunk: {role, content: "", refusal: null}; with tool calls and no text, content null
 *      and the first tool-call fragment rides along;
 *   2. one content delta per token (with its logprobs entry when asked);
 *   3. per tool call: a first fragment {index, id, type, function: {name, arguments: ""}}, then
 *      one argument piece per token;
 *   4. a finish chunk with an empty delta;
 *   5. with include_usage, a usage chunk with choices [] (and usage: null on every earlier chunk).
 * With n > 1 the choices' chunks interleave round-robin, each choice finishing on its own.
 * Each chunk, the usage chunk included, carries service_tier, system_fingerprint and an
 * `obfuscation` padding string (unless include_obfuscation is false), as in the recorded stream
 * (openai-text.chunks.txt). The caller frames each chunk as `data: …` and ends with `data: [DONE]`.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { stableId } from '../shared/ids.ts';
import type { FakeReply, FakeToolCall } from '../shared/reply-plan.ts';
import { splitTokens } from '../shared/tokens.ts';
import { tokenLogprobs } from './logprobs.ts';
import type { CompletionMeta } from './response.ts';
import { toOpenAIUsage } from './usage.ts';

export interface ChunkOptions {
  includeUsage: boolean;
  includeObfuscation: boolean;
}

type ChunkChoice = ChatCompletionChunk.Choice;
type Delta = ChunkChoice['delta'];

export function toChatCompletionChunks(
  replies: readonly FakeReply[],
  meta: CompletionMeta,
  options: ChunkOptions,
): ChatCompletionChunk[] {
  const perChoice = replies.map((reply, index) => choiceSequence(reply, index, meta));
  const chunks: ChatCompletionChunk[] = [];
  const longest = Math.max(0, ...perChoice.map((s) => s.length));
  for (let step = 0; step < longest; step++) {
    for (const sequence of perChoice) {
      const choice = sequence[step];
      if (choice !== undefined) chunks.push(chunk(meta, [choice], options, chunks.length));
    }
  }
  if (options.includeUsage) {
    const usageChunk = chunk(meta, [], options, chunks.length);
    usageChunk.usage = toOpenAIUsage(replies);
    chunks.push(usageChunk);
  }
  return chunks;
}

function chunk(
  meta: CompletionMeta,
  choices: ChunkChoice[],
  options: ChunkOptions,
  seq: number,
): ChatCompletionChunk {
  const out: ChatCompletionChunk = {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    service_tier: meta.serviceTier,
    system_fingerprint: meta.systemFingerprint,
    choices,
  };
  if (options.includeUsage) out.usage = null;
  if (options.includeObfuscation) out.obfuscation = obfuscation(meta.id, seq);
  return out;
}

function choiceSequence(reply: FakeReply, index: number, meta: CompletionMeta): ChunkChoice[] {
  const toolCalls = reply.toolCalls ?? [];
  const tokens = splitTokens(reply.content);
  const logprobs =
    meta.topLogprobs === undefined
      ? undefined
      : tokenLogprobs(tokens, meta.topLogprobs, `${meta.model}:${index}`);
  const choices: ChunkChoice[] = [];
  const push = (delta: Delta, extra: Partial<ChunkChoice> = {}): void => {
    choices.push({ index, delta, logprobs: null, finish_reason: null, ...extra });
  };

  const callFragments = toolCalls.flatMap((call, callIndex) => toolCallFragments(call, callIndex));
  if (tokens.length === 0 && callFragments.length > 0) {
    push({
      role: 'assistant',
      content: null,
      tool_calls: [callFragments[0] as ToolCallDelta],
      refusal: null,
    });
    callFragments.shift();
  } else {
    push({ role: 'assistant', content: '', refusal: null });
  }
  tokens.forEach((token, i) => {
    const entry = logprobs?.[i];
    push({ content: token }, entry === undefined ? {} : { logprobs: { content: [entry], refusal: null } });
  });
  for (const fragment of callFragments) push({ tool_calls: [fragment] });
  push({}, { finish_reason: reply.finishReason });
  return choices;
}

type ToolCallDelta = NonNullable<Delta['tool_calls']>[number];

function toolCallFragments(call: FakeToolCall, index: number): ToolCallDelta[] {
  const first: ToolCallDelta = {
    index,
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: '' },
  };
  return [first, ...splitTokens(call.arguments).map((piece) => ({ index, function: { arguments: piece } }))];
}

// Real padding varies in length to hide token sizes; ours varies deterministically per chunk.
function obfuscation(id: string, seq: number): string {
  const material = `${id}:${seq}`;
  const length = 1 + ((material.length * 7 + seq * 5) % 12);
  return stableId('', material, length);
}
