/**
 * What the cache keeps for one answer, and the rule for what may be kept at all (issue 14): only a
 * complete, unfiltered answer in the shapes a replay reproduces exactly. Errors, truncated answers
 * (`length`), filtered ones (`content_filter`, which output moderation also ends with), and tool calls
 * naming a tool the request no longer offers are never stored; nor is a message carrying a field a
 * replayed stream could not carry (audio, for one).
 */
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { ChatCompletion } from '../protocol/chat-response.ts';

/** Entry format; an entry in any other is a miss, so a format change needs no flush. */
export const CACHED_ANSWER_FORMAT = 1;

export interface CachedAnswer {
  format: typeof CACHED_ANSWER_FORMAT;
  /** Wall-clock expiry, ms: checked on read, so both stores expire on the same clock. */
  expiresAtMs: number;
  /** The provider name that answered, for the response headers and the log. */
  provider: string;
  /** The configured target (`provider/model`) that answered: its version marker is checked on read. */
  target: string;
  /** The upstream model as the provider reported it. */
  upstreamModel: string;
  completion: ChatCompletion;
}

/** Message fields a replay reproduces; any other field with a value makes the answer unstorable. */
const REPLAYABLE_MESSAGE_FIELDS = new Set([
  'role',
  'content',
  'refusal',
  'tool_calls',
  'reasoning_content',
  'reasoning_signature',
  'annotations',
  'function_call',
]);

export function isStorableCompletion(completion: ChatCompletion, request: ChatRequest): boolean {
  const choices = completion.choices;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  let offered: Set<string> | undefined;
  for (const choice of choices) {
    if (choice.finish_reason !== 'stop' && choice.finish_reason !== 'tool_calls') return false;
    if (choice.logprobs !== null && choice.logprobs !== undefined) return false;
    const message = choice.message as unknown as Record<string, unknown> | undefined;
    if (message === undefined || message === null || message.role !== 'assistant') return false;
    for (const field in message) {
      const value = message[field];
      if (value === null || value === undefined) continue;
      if (!REPLAYABLE_MESSAGE_FIELDS.has(field)) return false;
      if (field === 'annotations' && !(Array.isArray(value) && value.length === 0)) return false;
      if (field === 'function_call') return false;
    }
    const calls = choice.message.tool_calls;
    if (calls === undefined || calls === null || calls.length === 0) continue;
    offered ??= toolNames(request);
    for (const call of calls) {
      const name =
        call.type === 'function' ? call.function.name : call.type === 'custom' ? call.custom.name : '';
      if (!offered.has(name)) return false;
    }
  }
  return true;
}

function toolNames(request: ChatRequest): Set<string> {
  const names = new Set<string>();
  for (const tool of request.tools ?? []) {
    if (tool.type === 'function') names.add(tool.function.name);
    else names.add(tool.custom.name);
  }
  return names;
}

/** An entry read back from a store, or undefined when it is not one of ours in the current format. */
export function parseCachedAnswer(text: string): CachedAnswer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A corrupt or foreign value under our key: a miss, and the fresh answer overwrites it.
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const entry = parsed as Partial<CachedAnswer>;
  if (
    entry.format !== CACHED_ANSWER_FORMAT ||
    typeof entry.expiresAtMs !== 'number' ||
    typeof entry.provider !== 'string' ||
    typeof entry.target !== 'string' ||
    typeof entry.upstreamModel !== 'string' ||
    typeof entry.completion !== 'object' ||
    entry.completion === null ||
    !Array.isArray(entry.completion.choices)
  )
    return undefined;
  return entry as CachedAnswer;
}
