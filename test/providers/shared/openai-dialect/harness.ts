/**
 * Test helpers shared by the OpenAI-dialect adapters (Mistral, DeepSeek, Qwen): fixtures, a translation
 * context, running wire bytes through the SSE parser and a stream translator (whole, split at every
 * byte, in seeded random pieces), and reassembling the emitted chunks into messages while checking the
 * chunk-order rules of providers.md §1.7.
 */
import { readFileSync } from 'node:fs';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import type { ChatRequest } from '../../../../src/protocol/chat-request.ts';
import type {
  ChatCompletionChunk,
  ChatCompletionMessage,
  Usage,
} from '../../../../src/protocol/chat-response.ts';
import { SseParser } from '../../../../src/providers/shared/sse.ts';
import type {
  ChunkKind,
  StreamTranslator,
  TranslatedResponse,
  TranslationContext,
} from '../../../../src/providers/types.ts';

export function fixtures(provider: string) {
  const base = new URL(`../../../fixtures/${provider}/`, import.meta.url);
  return {
    bytes: (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, base))),
    text: (name: string): string => readFileSync(new URL(name, base), 'utf8'),
    json: <T = unknown>(name: string): T => JSON.parse(readFileSync(new URL(name, base), 'utf8')) as T,
  };
}

export function makeCtx(request: Partial<ChatRequest> = {}): TranslationContext {
  return {
    completionId: 'chatcmpl-fixture01',
    created: 1767225600,
    request: {
      model: 'virtual-model',
      messages: [{ role: 'user', content: 'hi' }],
      ...request,
    } as ChatRequest,
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

export type StreamFactory = (ctx: TranslationContext) => StreamTranslator;

/** Bytes in the given pieces → SseParser → translator, as the attempt loop drives it. */
export function runStream(
  factory: StreamFactory,
  pieces: ReadonlyArray<Uint8Array | string>,
  ctx: TranslationContext = makeCtx(),
): StreamRun {
  const translator = factory(ctx);
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

/** Deterministic pieces of 1..maxPiece bytes (mulberry32), cutting UTF-8 characters and CRLFs too. */
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
  /** OpenAI's `{content: [...]}`, present only when the answer carried logprobs. */
  logprobs?: { content: unknown[] };
}

export interface Reassembled {
  model: string;
  choices: ReassembledChoice[];
  usage: Usage | null;
}

/**
 * Folds chunks into messages the way OpenAI clients do (content, reasoning and arguments concatenated;
 * tool calls keyed by index), failing on any break of the §1.7 rules: role first, first tool-call
 * fragment with id/type/name/arguments "", later fragments with arguments only, one finish per choice,
 * the usage chunk last with `choices: []`.
 */
export function reassemble(chunks: ReadonlyArray<EmittedChunk>): Reassembled {
  const choices = new Map<number, ReassembledChoice & { finished: boolean; logprobEntries: unknown[] }>();
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
    if (chunk.choices.length === 0)
      throw new Error(`chunk ${position}: a chunk without choices that is not kind usage`);
    for (const choice of chunk.choices) {
      let state = choices.get(choice.index);
      if (state === undefined) {
        if (choice.delta.role !== 'assistant')
          throw new Error(`chunk ${position}: first chunk of choice ${choice.index} has no role`);
        state = {
          index: choice.index,
          message: { role: 'assistant', content: null, refusal: null },
          finish_reason: null,
          finished: false,
          logprobEntries: [],
        };
        choices.set(choice.index, state);
      }
      if (state.finished)
        throw new Error(`chunk ${position}: choice ${choice.index} continues after its finish chunk`);
      const delta = choice.delta;
      const message = state.message;
      if (typeof delta.content === 'string' && delta.content !== '')
        message.content = (message.content ?? '') + delta.content;
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
        message.reasoning_content = (message.reasoning_content ?? '') + delta.reasoning_content;
      }
      for (const call of delta.tool_calls ?? []) {
        message.tool_calls ??= [];
        const existing = message.tool_calls[call.index];
        if (existing === undefined) {
          if (call.index !== message.tool_calls.length)
            throw new Error(`chunk ${position}: tool call index skipped`);
          if (
            !call.id ||
            call.type !== 'function' ||
            !call.function?.name ||
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
          if (call.id !== undefined || call.type !== undefined || call.function?.name !== undefined) {
            throw new Error(`chunk ${position}: a later tool-call fragment repeats id, type or name`);
          }
          existing.function.arguments += call.function?.arguments ?? '';
        }
      }
      if (choice.logprobs?.content) state.logprobEntries.push(...choice.logprobs.content);
      if (choice.finish_reason !== null) {
        state.finish_reason = choice.finish_reason;
        state.finished = true;
      }
    }
  });
  for (const state of choices.values()) {
    if (!state.finished) throw new Error(`choice ${state.index} never got a finish chunk`);
  }
  return {
    model: model ?? '',
    choices: [...choices.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ index, message, finish_reason, logprobEntries }) => ({
        index,
        message,
        finish_reason,
        ...(logprobEntries.length > 0 ? { logprobs: { content: logprobEntries } } : {}),
      })),
    usage,
  };
}

/** The non-streaming translation in the same shape as `reassemble`, for stream/non-stream agreement. */
export function asReassembled(translated: TranslatedResponse): Reassembled {
  return {
    model: translated.completion.model,
    choices: translated.completion.choices.map((choice) => ({
      index: choice.index,
      message: choice.message,
      finish_reason: choice.finish_reason,
      ...(choice.logprobs?.content ? { logprobs: { content: choice.logprobs.content } } : {}),
    })),
    usage: translated.usage ?? null,
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

/** Runs `fn` and returns what it threw (fails when it threw nothing). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

export interface Expected {
  model: string;
  choices: ReassembledChoice[];
  finish_reason: string | null;
  raw_finish_reason: string | null;
  usage: Usage | null;
}

/** A stream run in the `.expected.json` shape. */
export function streamOutcome(run: StreamRun): Expected {
  const reassembled = reassemble(run.chunks);
  return {
    model: reassembled.model,
    choices: reassembled.choices,
    finish_reason: run.translator.finishReason,
    raw_finish_reason: run.translator.rawFinishReason,
    usage: run.translator.usage ?? null,
  };
}

/** A non-streaming translation in the `.expected.json` shape. */
export function responseOutcome(translated: TranslatedResponse): Expected {
  const reassembled = asReassembled(translated);
  return {
    model: reassembled.model,
    choices: reassembled.choices,
    finish_reason: translated.finishReason,
    raw_finish_reason: translated.rawFinishReason,
    usage: translated.usage ?? null,
  };
}

/**
 * The emitted chunks for every way of cutting the bytes: whole, at every byte, and in seeded random
 * pieces. Returns the whole run; throws if any other cut emits anything different. Above 8 KB (the
 * 17 KB DeepSeek recording) every third byte is cut, which still lands on every kind of position
 * (inside a field, on each CR/LF, inside a multi-byte character) and keeps the suite fast.
 */
export function runEveryCut(factory: StreamFactory, bytes: Uint8Array, ctx?: TranslationContext): StreamRun {
  const stride = bytes.length > 8192 ? 3 : 1;
  const whole = runStream(factory, [bytes], ctx);
  const expected = JSON.stringify(whole.chunks);
  const check = (pieces: Uint8Array[], label: string) => {
    const got = JSON.stringify(runStream(factory, pieces, ctx).chunks);
    if (got !== expected) throw new Error(`${label}: emitted chunks differ from the whole run`);
  };
  for (let cut = 1; cut < bytes.length; cut += stride) check(splitAt(bytes, cut), `cut at byte ${cut}`);
  for (const seed of [1, 7, 42, 2026]) check(randomPieces(bytes, seed), `random pieces (seed ${seed})`);
  return whole;
}

/** An AdapterCall as config compile builds it from a base URL and a key. */
export function makeCall(
  provider: string,
  model: string,
  baseUrl: string,
  headers: Record<string, string> = {},
) {
  const url = new URL(baseUrl);
  return {
    target: { provider, model, baseUrl, origin: url.origin, basePath: url.pathname.replace(/\/$/, '') },
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
  };
}

/** Freezes a value deeply so a test proves a translation never mutates its input. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
