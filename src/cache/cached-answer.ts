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
export const CACHED_ANSWER_FORMAT = 2;

/**
 * What an entry says about its answer, serialized as the entry's first line: small, so a hit parses
 * only this and sends the completion's bytes as they are stored.
 */
export interface CachedAnswerHead {
  format: typeof CACHED_ANSWER_FORMAT;
  /** Wall-clock expiry, ms: checked on read, so both stores expire on the same clock. */
  expiresAtMs: number;
  /** The provider name that answered, for the response headers and the log. */
  provider: string;
  /** The configured target (`provider/model`) that answered: its version marker is checked on read. */
  target: string;
  /** The upstream model as the provider reported it. */
  upstreamModel: string;
  /** The completion's own id and created time, which a hit replaces with the request's. */
  id: string;
  created: number;
  /** The first choice's finish reason and the usage, for the log and the saving. */
  finishReason: ChatCompletion['choices'][number]['finish_reason'] | null;
  usage: ChatCompletion['usage'] | null;
}

/**
 * An entry read back: its head, and the completion's JSON after its `id`, `object` and `created` fields
 * (`"model":…}`), as stored. A JSON hit is those bytes behind a new id (completionBody); a streamed hit
 * parses them (completion).
 */
export class CachedAnswer {
  readonly head: CachedAnswerHead;
  readonly #rest: Buffer;

  constructor(head: CachedAnswerHead, rest: Buffer) {
    this.head = head;
    this.#rest = rest;
  }

  /** The completion as it was stored (its original id and created time). */
  get completion(): ChatCompletion {
    return JSON.parse(`${completionPrefix(this.head.id, this.head.created)}${this.#rest.toString('utf8')}`);
  }

  /** The JSON body of a hit: the stored completion under the request's id and time, bytes untouched. */
  completionBody(id: string, created: number): Buffer {
    return Buffer.concat([Buffer.from(completionPrefix(id, created)), this.#rest]);
  }
}

function completionPrefix(id: string, created: number): string {
  return `{"id":${JSON.stringify(id)},"object":"chat.completion","created":${created},`;
}

/**
 * The leading fields of a compact completion as OpenAI and this gateway write them: when the text sent
 * starts so, the rest is stored as it is, without serializing the answer again.
 */
const COMPACT_PREFIX = /^\{"id":"(?:[^"\\]|\\.)*","object":"chat\.completion","created":\d+,/;

/** One entry's bytes: the head line, then the completion after its leading fields. */
export function encodeCachedAnswer(
  head: Omit<CachedAnswerHead, 'format' | 'id' | 'created' | 'finishReason' | 'usage'>,
  completion: ChatCompletion,
  completionJson: string | undefined,
): Buffer {
  const full: CachedAnswerHead = {
    format: CACHED_ANSWER_FORMAT,
    ...head,
    id: completion.id,
    created: completion.created,
    finishReason: completion.choices[0]?.finish_reason ?? null,
    usage: completion.usage ?? null,
  };
  let rest: string;
  const prefix = completionJson === undefined ? null : COMPACT_PREFIX.exec(completionJson);
  if (completionJson !== undefined && prefix !== null) rest = completionJson.slice(prefix[0].length);
  else {
    const { id: _id, object: _object, created: _created, ...fields } = completion;
    // Never empty: a storable completion has choices.
    rest = JSON.stringify(fields).slice(1);
  }
  return Buffer.from(`${JSON.stringify(full)}\n${rest}`);
}

/** An entry read back from a store, or undefined when it is not one of ours in the current format. */
export function decodeCachedAnswer(bytes: Buffer): CachedAnswer | undefined {
  const newline = bytes.indexOf(10);
  if (newline === -1) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8', 0, newline));
  } catch {
    // A corrupt or foreign value under our key: a miss, and the fresh answer overwrites it.
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const head = parsed as Partial<CachedAnswerHead>;
  if (
    head.format !== CACHED_ANSWER_FORMAT ||
    typeof head.expiresAtMs !== 'number' ||
    typeof head.provider !== 'string' ||
    typeof head.target !== 'string' ||
    typeof head.upstreamModel !== 'string' ||
    typeof head.id !== 'string' ||
    typeof head.created !== 'number'
  )
    return undefined;
  return new CachedAnswer(head as CachedAnswerHead, bytes.subarray(newline + 1));
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
