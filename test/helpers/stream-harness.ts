/**
 * Running a provider's stream translator in tests: wire bytes in pieces → SseParser → translator, as
 * the attempt loop drives it, collecting every emitted chunk; the ways of cutting the bytes (at one
 * byte, in seeded random pieces, every cut at once); a translation context; and a reader for the
 * recorded fixtures of one provider (test/fixtures/<provider>/). Reassembling what was emitted is in
 * chunk-reassembly.ts.
 */
import { readFileSync } from 'node:fs';
import type { ChatRequest } from '../../src/protocol/chat-request.ts';
import { SseParser } from '../../src/providers/shared/sse.ts';
import type { ChunkKind, StreamTranslator, TranslationContext } from '../../src/providers/types.ts';

export interface ProviderFixtures {
  bytes(name: string): Uint8Array;
  text(name: string): string;
  json<T = unknown>(name: string): T;
}

/** The recorded fixtures of one provider, read from test/fixtures/<provider>/. */
export function fixtures(provider: string): ProviderFixtures {
  const base = new URL(`../fixtures/${provider}/`, import.meta.url);
  const text = (name: string): string => readFileSync(new URL(name, base), 'utf8');
  return {
    bytes: (name) => new Uint8Array(readFileSync(new URL(name, base))),
    text,
    json: <T = unknown>(name: string): T => JSON.parse(text(name)) as T,
  };
}

/** A context with a fixed id and time, so emitted chunks compare byte for byte. */
export function makeCtx(request: Partial<ChatRequest> = {}, model = 'virtual-model'): TranslationContext {
  return {
    completionId: 'chatcmpl-fixture01',
    created: 1767225600,
    request: { model, messages: [{ role: 'user', content: 'hi' }], ...request } as ChatRequest,
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

/** A translator behind an SseParser that records what the translator emits. */
function feed(translator: StreamTranslator) {
  const chunks: EmittedChunk[] = [];
  const emit = (json: string, kind: ChunkKind) => chunks.push({ json, kind });
  const parser = new SseParser();
  return {
    push: (piece: Uint8Array | string) => parser.push(piece, (event) => translator.push(event, emit)),
    end: (): StreamRun => {
      parser.end((event) => translator.push(event, emit));
      translator.end(emit);
      return { chunks, translator };
    },
  };
}

/** Bytes in the given pieces → SseParser → translator, as the attempt loop drives it. */
export function runStream(
  factory: StreamFactory,
  pieces: ReadonlyArray<Uint8Array | string>,
  ctx: TranslationContext = makeCtx(),
): StreamRun {
  const run = feed(factory(ctx));
  for (const piece of pieces) run.push(piece);
  return run.end();
}

/** A response body read as it arrives (an undici body, say) → SseParser → translator. */
export async function runStreamBody(
  translator: StreamTranslator,
  body: AsyncIterable<unknown>,
): Promise<StreamRun> {
  const run = feed(translator);
  for await (const piece of body) run.push(piece as Uint8Array);
  return run.end();
}

export function splitAt(bytes: Uint8Array, cut: number): Uint8Array[] {
  return [bytes.subarray(0, cut), bytes.subarray(cut)];
}

/** One piece per byte: every position is a cut in a single run (inside fields, CRLFs, UTF-8 characters). */
export function bytewise(bytes: Uint8Array): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at++) pieces.push(bytes.subarray(at, at + 1));
  return pieces;
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

/**
 * The emitted chunks for every way of cutting the bytes: whole, at every byte, one byte at a time, and in
 * seeded random pieces. Returns the whole run; throws if any other cut emits anything different. Above
 * 8 KB (the 17 KB DeepSeek recording) the two-piece cuts step every third byte to keep the suite fast;
 * the one-byte-at-a-time run still puts a cut at every position.
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
  check(bytewise(bytes), 'one byte at a time');
  for (const seed of [1, 7, 42, 2026]) check(randomPieces(bytes, seed), `random pieces (seed ${seed})`);
  return whole;
}
