/**
 * Passthrough of an OpenAI-shaped SSE stream (style.md §2.5): every event's bytes are forwarded as
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
    const needsParse =
      this.model === null ||
      (data.includes('"usage"') && !data.includes('"usage":null')) ||
      (data.includes('"finish_reason"') && !data.includes('"finish_reason":null}'));
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

function parseChunk(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (cause) {
    throw new UpstreamProtocolError('upstream sent a stream event that is not JSON', { cause });
  }
}
