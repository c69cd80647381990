/**
 * DeepSeek's answers, rendered from the fake's planned reply (docs/providers.md §5.3, as recorded).
 *
 * JSON: OpenAI's completion with a UUID `id`, `reasoning_content` beside `content` in thinking
 * mode, `content: ""` on a tool-call answer, tool calls carrying an `index`, ids like
 * `call_00_<24 alphanumerics>`, a `system_fingerprint`, and usage with DeepSeek's cache counters
 * (`prompt_cache_hit_tokens + prompt_cache_miss_tokens = prompt_tokens`).
 *
 * Stream: every chunk has `"usage": null` except the finish chunk, which carries the whole usage
 * (no separate usage chunk). Thinking mode: the role chunk is `{role, content: null,
 * reasoning_content: ""}`, reasoning deltas `{content: null, reasoning_content}`, content deltas
 * `{content, reasoning_content: null}`. Tool calls stream in OpenAI's fragments. The finish chunk's
 * delta is `{content: "", reasoning_content: null}`.
 */
import { tokenLogprobs } from '../openai/index.ts';
import type { FakeReply } from '../shared/reply-plan.ts';
import { splitTokens } from '../shared/tokens.ts';

export interface DeepSeekMeta {
  id: string;
  created: number;
  model: string;
  thinking: boolean;
  systemFingerprint: string;
  /** Set when the request asked for logprobs: OpenAI's `logprobs.content` entries per content token. */
  topLogprobs?: number;
}

function logprobsFor(tokens: readonly string[], meta: DeepSeekMeta) {
  return meta.topLogprobs === undefined ? undefined : tokenLogprobs(tokens, meta.topLogprobs, meta.model);
}

export function deepSeekUsage(reply: FakeReply, thinking: boolean) {
  const { promptTokens, completionTokens, cachedTokens, reasoningTokens } = reply.usage;
  const usage: Record<string, unknown> = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens },
  };
  if (thinking) usage.completion_tokens_details = { reasoning_tokens: reasoningTokens };
  usage.prompt_cache_hit_tokens = cachedTokens;
  usage.prompt_cache_miss_tokens = promptTokens - cachedTokens;
  return usage;
}

export function toDeepSeekCompletion(reply: FakeReply, meta: DeepSeekMeta) {
  const calls = reply.toolCalls ?? [];
  const message: Record<string, unknown> = { role: 'assistant', content: reply.content };
  if (meta.thinking) message.reasoning_content = reply.reasoning ?? '';
  if (calls.length > 0) {
    message.tool_calls = calls.map((c, index) => ({
      index,
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: logprobsOf(reply, meta), finish_reason: reply.finishReason }],
    usage: deepSeekUsage(reply, meta.thinking),
    system_fingerprint: meta.systemFingerprint,
  };
}

function logprobsOf(reply: FakeReply, meta: DeepSeekMeta) {
  const entries = logprobsFor(splitTokens(reply.content), meta);
  return entries === undefined ? null : { content: entries };
}

export function toDeepSeekChunks(reply: FakeReply, meta: DeepSeekMeta): Record<string, unknown>[] {
  const chunks: Record<string, unknown>[] = [];
  const push = (
    delta: Record<string, unknown>,
    finish: string | null = null,
    usage: unknown = null,
    logprobs: unknown = null,
  ) =>
    chunks.push({
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      system_fingerprint: meta.systemFingerprint,
      choices: [{ index: 0, delta, logprobs, finish_reason: finish }],
      usage,
    });
  const contentTokens = splitTokens(reply.content);
  const entries = logprobsFor(contentTokens, meta);
  const logprobsAt = (i: number) => (entries?.[i] === undefined ? null : { content: [entries[i]] });
  const calls = reply.toolCalls ?? [];
  if (meta.thinking) {
    push({ role: 'assistant', content: null, reasoning_content: '' });
    for (const token of splitTokens(reply.reasoning ?? '')) push({ content: null, reasoning_content: token });
    contentTokens.forEach((token, i) => {
      push({ content: token, reasoning_content: null }, null, null, logprobsAt(i));
    });
  } else {
    push({ role: 'assistant', content: '' });
    contentTokens.forEach((token, i) => {
      push({ content: token }, null, null, logprobsAt(i));
    });
  }
  calls.forEach((call, index) => {
    push({
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
    });
    for (const piece of splitTokens(call.arguments))
      push({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  const finalDelta = meta.thinking ? { content: '', reasoning_content: null } : { content: '' };
  push(finalDelta, reply.finishReason, deepSeekUsage(reply, meta.thinking));
  return chunks;
}
