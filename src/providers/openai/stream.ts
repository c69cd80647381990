/**
 * Passthrough of an OpenAI-shaped SSE stream (docs/style.md §2.5): every event's bytes are forwarded as
 * they came. Only what accounting needs is parsed, and only from the chunks that can hold it: OpenAI
 * repeats `"usage":null` and `"finish_reason":null` on every chunk, so a substring test skips the parse
 * for all but the first, the finish and the usage chunks.
 */
import type { ChatCompletionChunk, FinishReason, Usage } from '../../protocol/chat-response.ts';
import type { SseEvent } from '../shared/sse.ts';
import {
  type EmitChunk,
  StreamProtocolError,
  type StreamTranslator,
  UpstreamProtocolError,
  UpstreamStreamError,
} from '../types.ts';
import { failureFromOpenAIErrorObject } from './errors.ts';

export class OpenAIPassthroughStream implements StreamTranslator {
  usage: Usage | undefined = undefined;
  finishReason: FinishReason | null = null;
  rawFinishReason: string | null = null;
  model: string | null = null;
  #done = false;

  push(event: SseEvent, emit: EmitChunk): void {
    const data = event.data;
    if (this.#done) return; // the SDK ignores anything after [DONE]; so do we
    if (data === '[DONE]') {
      this.#done = true;
      return;
    }
    if (event.event === 'error' || data.startsWith('{"error"')) {
      throw new UpstreamStreamError(failureFromOpenAIErrorObject(parseChunk(data), 200));
    }
    // Forwarded unparsed, so at least framed as one JSON object: a chunk cut short (a proxy's truncated
    // write, a corrupted event) no longer ends with its closing brace, and an empty or garbage event (a
    // keep-alive text) would reach the client's SDK as a chunk it cannot parse (issue 13's malformed-chunk
    // fault, issue 15's fuzzing). Two character reads; only such odd events pay a parse, to say which.
    if (data.charCodeAt(0) !== OPEN_BRACE || data.charCodeAt(data.length - 1) !== CLOSE_BRACE) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch (cause) {
        throw new StreamProtocolError('upstream sent a stream event that is not JSON (cut short?)', {
          cause,
        });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new StreamProtocolError('upstream sent a stream event that is not a JSON object');
    }
    const needsParse =
      this.model === null || hasNonNullValue(data, 'usage"') || hasNonNullValue(data, 'finish_reason"');
    let isUsageOnly = false;
    if (needsParse) {
      const chunk = parseChunk(data) as ChatCompletionChunk & { error?: unknown };
      if (chunk.error !== undefined) throw new UpstreamStreamError(failureFromOpenAIErrorObject(chunk, 200));
      if (this.model === null && typeof chunk.model === 'string') this.model = chunk.model;
      if (chunk.usage) this.usage = chunk.usage;
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      isUsageOnly = choices.length === 0 && chunk.usage != null;
      const finish = choices[0]?.finish_reason;
      if (finish) this.finishReason = finish as FinishReason;
    }
    emit(data, isUsageOnly ? 'usage' : 'chunk');
  }

  end(_emit: EmitChunk): void {
    // Some OpenAI-compatible servers omit [DONE]; a finish reason proves the answer is complete.
    if (!this.#done && this.finishReason === null) {
      throw new StreamProtocolError('upstream stream ended before [DONE] or a finish_reason');
    }
  }
}

const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const QUOTE = 34;

function skipSpaces(text: string, at: number): number {
  let i = at;
  for (let code = text.charCodeAt(i); code === 32 || code === 9 || code === 10 || code === 13; ) {
    code = text.charCodeAt(++i);
  }
  return i;
}

/**
 * True when the JSON text has the key `name"` (its closing quote included, its opening one not) with a
 * value that is not `null`, without parsing it: one scan per key instead of the parse every chunk would
 * otherwise cost. The search starts at the name's first letter, not at its opening quote: V8 searches
 * for a pattern's first character before comparing the rest, and JSON has a quote every few characters,
 * which made the quoted search ~1,200 instructions a chunk (callgrind). A string value that happens to
 * read `"usage"` is not followed by a colon, so only real keys count, and every occurrence is checked.
 */
function hasNonNullValue(data: string, name: string): boolean {
  let at = data.indexOf(name);
  while (at !== -1) {
    let i = skipSpaces(data, at + name.length);
    if (data.charCodeAt(at - 1) === QUOTE && data.charCodeAt(i) === COLON) {
      i = skipSpaces(data, i + 1);
      if (!data.startsWith('null', i)) return true;
    }
    at = data.indexOf(name, i);
  }
  return false;
}

function parseChunk(data: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (cause) {
    throw new UpstreamProtocolError('upstream sent a stream event that is not JSON', { cause });
  }
  // `data: null` or `data: 3` is JSON but no chunk (issue 15 fuzzing: it threw a TypeError further on).
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UpstreamProtocolError('upstream sent a stream event that is not a JSON object');
  }
  return parsed;
}
