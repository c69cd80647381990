/**
 * Test helpers for the Anthropic adapter: fixtures, a translation context, wire bytes through the SSE
 * parser and the stream translator, and the emitted OpenAI chunks reassembled into one message while
 * checking the chunk rules of providers.md §1.7 (role first, tool-call first fragments, one finish
 * chunk, the usage chunk last).
 */
import { readFileSync } from 'node:fs';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { expect } from 'vitest';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessage,
  Usage,
} from '../../../src/protocol/chat-response.ts';
import { createAnthropicStream } from '../../../src/providers/anthropic/stream.ts';
import { SseParser } from '../../../src/providers/shared/sse.ts';
import type { ChunkKind, StreamTranslator, TranslationContext } from '../../../src/providers/types.ts';

const FIXTURES = new URL('../../fixtures/anthropic/', import.meta.url);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureJson<T = unknown>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

export function makeCtx(request: Partial<ChatRequest> = {}): TranslationContext {
  return {
    completionId: 'chatcmpl-fixture01',
    created: 1767225600,
    request: { model: 'claude', messages: [{ role: 'user', content: 'hi' }], ...request } as ChatRequest,
  };
}

export interface EmittedChunk {
  json: string;
  kind: ChunkKind;
}

export interface StreamRun {
  chunks: EmittedChunk[];
  translator: StreamTranslator;
}

/** Bytes in the given pieces → SseParser → translator, as the attempt loop drives them. */
export function runStream(
  pieces: ReadonlyArray<Uint8Array | string>,
  ctx: TranslationContext = makeCtx(),
): StreamRun {
  const translator = createAnthropicStream(ctx);
  const chunks: EmittedChunk[] = [];
  const emit = (json: string, kind: ChunkKind) => chunks.push({ json, kind });
  const parser = new SseParser();
  for (const piece of pieces) parser.push(piece, (event) => translator.push(event, emit));
  parser.end((event) => translator.push(event, emit));
  translator.end(emit);
  return { chunks, translator };
}

export function splitAt(bytes: Uint8Array, cut: number): Uint8Array[] {
  return [bytes.subarray(0, cut), bytes.subarray(cut)];
}

/** Deterministic pieces of 1..maxPiece bytes (mulberry32), cutting anywhere, UTF-8 characters included. */
export function randomPieces(bytes: Uint8Array, seed: number, maxPiece = 23): Uint8Array[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pieces: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = 1 + Math.floor(next() * maxPiece);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

export interface Reassembled {
  model: string;
  message: ChatCompletionMessage;
  finish_reason: string | null;
  usage: Usage | undefined;
}

/**
 * Concatenates content, reasoning and tool-call arguments as an OpenAI client does, asserting the
 * chunk rules on the way.
 */
export function reassemble(chunks: readonly EmittedChunk[]): Reassembled {
  expect(chunks.length).toBeGreaterThan(0);
  const parsed = chunks.map((chunk) => ({
    kind: chunk.kind,
    value: JSON.parse(chunk.json) as ChatCompletionChunk,
  }));
  const first = parsed[0]?.value;
  expect(first?.choices[0]?.delta.role, 'the first chunk carries the role').toBe('assistant');
  const model = first?.model ?? '';
  let content: string | null = null;
  let reasoning: string | null = null;
  let signature: string | null = null;
  let finish: string | null = null;
  let usage: Usage | undefined;
  const toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> =
    [];
  parsed.forEach(({ kind, value }, i) => {
    expect(value.object).toBe('chat.completion.chunk');
    expect(value.model, 'every chunk names the same model').toBe(model);
    expect(value.id).toBe(first?.id);
    if (kind === 'usage') {
      expect(i, 'the usage chunk is last').toBe(parsed.length - 1);
      expect(value.choices).toEqual([]);
      usage = value.usage ?? undefined;
      return;
    }
    expect(finish, 'nothing follows the finish chunk but usage').toBeNull();
    const choice = value.choices[0];
    expect(value.choices).toHaveLength(1);
    if (choice === undefined) return;
    const delta = choice.delta;
    if (typeof delta.content === 'string') content = (content ?? '') + delta.content;
    if (typeof delta.reasoning_content === 'string') reasoning = (reasoning ?? '') + delta.reasoning_content;
    if (typeof delta.reasoning_signature === 'string') {
      expect(signature, 'reasoning_signature arrives whole, once').toBeNull();
      signature = delta.reasoning_signature;
    }
    for (const call of delta.tool_calls ?? []) {
      const existing = toolCalls[call.index];
      if (existing === undefined) {
        expect(call.id, 'a tool call starts with its id').toBeTypeOf('string');
        expect(call.type).toBe('function');
        expect(call.function?.name).toBeTypeOf('string');
        expect(call.function?.arguments).toBe('');
        toolCalls[call.index] = {
          id: call.id ?? '',
          type: 'function',
          function: { name: call.function?.name ?? '', arguments: '' },
        };
      } else {
        expect(call.id).toBeUndefined();
        existing.function.arguments += call.function?.arguments ?? '';
      }
    }
    if (choice.finish_reason !== null) finish = choice.finish_reason;
  });
  const message: ChatCompletionMessage = {
    role: 'assistant',
    content: content === '' && toolCalls.length > 0 ? null : content,
    refusal: null,
  };
  if (reasoning !== null) message.reasoning_content = reasoning;
  if (signature !== null) message.reasoning_signature = signature;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return { model, message, finish_reason: finish, usage };
}

/** The same shape from a non-streaming completion, for stream-equals-JSON comparisons. */
export function fromCompletion(completion: ChatCompletion): Reassembled {
  const choice = completion.choices[0];
  return {
    model: completion.model,
    message: choice?.message as ChatCompletionMessage,
    finish_reason: choice?.finish_reason ?? null,
    usage: completion.usage,
  };
}

/** The official OpenAI SDK's stream helper accepts the chunks and builds the same completion. */
export async function sdkFinalCompletion(chunks: readonly EmittedChunk[]): Promise<ChatCompletion> {
  const body = `${chunks.map((chunk) => chunk.json).join('\n')}\n`;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(body));
      controller.close();
    },
  });
  const stream = ChatCompletionStream.fromReadableStream(readable);
  return (await stream.finalChatCompletion()) as unknown as ChatCompletion;
}
