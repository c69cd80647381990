/**
 * Test helpers for the Gemini adapter: fixtures, a translation context, running wire bytes through
 * the SSE parser and the stream translator, and reassembling the OpenAI chunks into a message while
 * checking the chunk-order rules of providers.md §1.7.
 */
import { readFileSync } from 'node:fs';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';
import type {
  ChatCompletionChunk,
  ChatCompletionMessage,
  Usage,
} from '../../../src/protocol/chat-response.ts';
import { createGeminiStream } from '../../../src/providers/gemini/stream.ts';
import { SseParser } from '../../../src/providers/shared/sse.ts';
import type { ChunkKind, StreamTranslator, TranslationContext } from '../../../src/providers/types.ts';

const FIXTURES = new URL('../../fixtures/gemini/', import.meta.url);

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
    request: { model: 'gemini-test', messages: [{ role: 'user', content: 'hi' }], ...request } as ChatRequest,
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

/** Bytes in the given pieces → SseParser → translator, as the attempt loop drives it. */
export function runStream(
  pieces: ReadonlyArray<Uint8Array | string>,
  ctx: TranslationContext = makeCtx(),
): StreamRun {
  const translator = createGeminiStream(ctx);
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

/** Deterministic pieces of 1..maxPiece bytes (mulberry32). */
export function randomPieces(bytes: Uint8Array, seed: number, maxPiece = 17): Uint8Array[] {
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

export interface ReassembledChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: string | null;
  logprobs?: unknown;
}

export interface Reassembled {
  model: string;
  choices: ReassembledChoice[];
  usage: Usage | null;
}

/**
 * Folds chunks into messages the way OpenAI clients do (content, reasoning and arguments
 * concatenated; tool calls keyed by index), failing on any break of the §1.7 rules.
 */
export function reassemble(chunks: ReadonlyArray<EmittedChunk>): Reassembled {
  const choices = new Map<number, ReassembledChoice & { roleSeen: boolean; finished: boolean }>();
  let usage: Usage | null = null;
  let model: string | undefined;
  let id: string | undefined;
  chunks.forEach(({ json, kind }, position) => {
    const chunk = JSON.parse(json) as ChatCompletionChunk;
    if (chunk.object !== 'chat.completion.chunk')
      throw new Error(`chunk ${position}: object is ${chunk.object}`);
    model ??= chunk.model;
    id ??= chunk.id;
    if (chunk.model !== model || chunk.id !== id) throw new Error(`chunk ${position}: id or model changed`);
    if (usage !== null) throw new Error(`chunk ${position}: a chunk after the usage chunk`);
    if (kind === 'usage') {
      if (chunk.choices.length !== 0 || chunk.usage == null)
        throw new Error(`chunk ${position}: usage chunk shape`);
      usage = chunk.usage;
      return;
    }
    if (chunk.choices.length !== 1) throw new Error(`chunk ${position}: expected one choice`);
    const [choice] = chunk.choices;
    if (choice === undefined) return;
    let state = choices.get(choice.index);
    if (state === undefined) {
      if (choice.delta.role !== 'assistant')
        throw new Error(`chunk ${position}: first chunk of choice ${choice.index} has no role`);
      state = {
        index: choice.index,
        message: { role: 'assistant', content: null, refusal: null },
        finish_reason: null,
        roleSeen: true,
        finished: false,
      };
      choices.set(choice.index, state);
    }
    if (state.finished)
      throw new Error(`chunk ${position}: choice ${choice.index} continues after its finish chunk`);
    const delta = choice.delta;
    const message = state.message;
    if (typeof delta.content === 'string' && delta.content !== '')
      message.content = (message.content ?? '') + delta.content;
    if (typeof delta.reasoning_content === 'string') {
      message.reasoning_content = (message.reasoning_content ?? '') + delta.reasoning_content;
    }
    if (typeof delta.reasoning_signature === 'string')
      message.reasoning_signature = delta.reasoning_signature;
    for (const call of delta.tool_calls ?? []) {
      message.tool_calls ??= [];
      const existing = message.tool_calls[call.index];
      if (existing === undefined) {
        if (call.index !== message.tool_calls.length)
          throw new Error(`chunk ${position}: tool call index skipped`);
        if (
          call.id === undefined ||
          call.type !== 'function' ||
          call.function?.name === undefined ||
          call.function.arguments !== ''
        ) {
          throw new Error(
            `chunk ${position}: first tool-call fragment must carry id, type, name and arguments ""`,
          );
        }
        message.tool_calls.push({
          id: call.id,
          type: 'function',
          function: { name: call.function.name, arguments: '' },
        });
      } else {
        if (existing.type !== 'function') throw new Error('not a function call');
        if (call.function?.name !== undefined && call.function.name !== existing.function.name) {
          throw new Error(`chunk ${position}: tool call name changed`);
        }
        existing.function.arguments += call.function?.arguments ?? '';
      }
    }
    if (choice.logprobs?.content) {
      const logprobs = (state.logprobs as { content: unknown[]; refusal: null } | undefined) ?? {
        content: [],
        refusal: null,
      };
      logprobs.content.push(...choice.logprobs.content);
      state.logprobs = logprobs;
    }
    if (choice.finish_reason !== null) {
      state.finish_reason = choice.finish_reason;
      state.finished = true;
    }
  });
  for (const state of choices.values()) {
    if (!state.finished) throw new Error(`choice ${state.index} never got a finish chunk`);
  }
  return {
    model: model ?? '',
    choices: [...choices.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ index, message, finish_reason, logprobs }) => ({
        index,
        message,
        finish_reason,
        ...(logprobs === undefined ? {} : { logprobs }),
      })),
    usage,
  };
}

/** The same chunks through the official OpenAI SDK's stream helper, which enforces §1.7 itself. */
export async function sdkFinalCompletion(chunks: ReadonlyArray<EmittedChunk>) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const { json } of chunks) controller.enqueue(encoder.encode(`${json}\n`));
      controller.close();
    },
  });
  return ChatCompletionStream.fromReadableStream(body).finalChatCompletion();
}
