/**
 * Issue 15: fuzzing every provider's SSE parser, stream translator and response translator with mutated
 * recorded answers (test/fixtures/<provider>/): split anywhere, truncated, events dropped, duplicated or
 * swapped, garbage events and bytes spliced in. Each run must end in a clean answer (every emitted chunk
 * valid JSON) or one of the typed upstream errors the attempt loop turns into a clean OpenAI error
 * (UpstreamProtocolError, StreamProtocolError, UpstreamStreamError); never another exception, never a
 * hang. Error classification must never throw.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/protocol/chat-request.ts';
import { getAdapter, type ProviderType } from '../../src/providers/registry.ts';
import { checkedFinalEvent } from '../../src/providers/shared/final-event.ts';
import { SseParser } from '../../src/providers/shared/sse.ts';
import {
  type ProviderAdapter,
  type TranslationContext,
  UpstreamProtocolError,
  UpstreamStreamError,
} from '../../src/providers/types.ts';

/** Fixture folder → the adapters whose wire format it records. */
const FORMATS: ReadonlyArray<[string, ProviderType[]]> = [
  ['openai', ['openai', 'openai-compatible']],
  ['anthropic', ['anthropic']],
  ['gemini', ['gemini']],
  ['mistral', ['mistral']],
  ['deepseek', ['deepseek']],
  ['qwen', ['qwen']],
];

const RUNS = 300;

function ctx(stream: boolean): TranslationContext {
  return {
    completionId: 'chatcmpl-fuzz',
    created: 1767225600,
    request: {
      model: 'fuzz-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream,
      stream_options: stream ? { include_usage: true } : undefined,
    } as ChatRequest,
  };
}

function fixtureFiles(folder: string, suffix: string): Array<{ name: string; text: string }> {
  const base = new URL(`../fixtures/${folder}/`, import.meta.url);
  return readdirSync(base)
    .filter((name) => name.endsWith(suffix) && !name.endsWith('.expected.json'))
    .map((name) => ({ name, text: readFileSync(new URL(name, base), 'utf8') }));
}

/** Events as the wire separates them (a blank line), each with its terminator. */
function splitEvents(text: string): string[] {
  return text.split(/(?<=\r?\n\r?\n)/).filter((event) => event.length > 0);
}

const garbageEvent = fc.oneof(
  fc.string({ maxLength: 40 }).map((text) => `data: ${text}\n\n`),
  fc.json({ maxDepth: 3 }).map((json) => `data: ${json}\n\n`),
  fc.constantFrom(
    'data: {"choices":[{"index":0,"delta":{"content":null}}]}\n\n',
    'data: {"choices":[{"index":7,"delta":{"tool_calls":[{"index":3}]}}]}\n\n',
    'event: message_start\ndata: {"type":"message_start","message":{}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":9,"delta":{"type":"text_delta","text":"x"}}\n\n',
    'data: {"candidates":[{"content":{"parts":[{"text":1}]}}]}\n\n',
    'data: {"error":{"message":"boom","type":"server_error"}}\n\n',
    ': ping\n\n',
    'event: ping\ndata: {}\n\n',
    'data: [DONE]\n\n',
    'data: {"usage":{"prompt_tokens":"many"}}\n\n',
    '\ufeffdata: {}\r\n\r\n',
  ),
  fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

type Mutation =
  | { kind: 'drop'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'swap'; at: number }
  | { kind: 'insert'; at: number; event: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), event: garbageEvent }),
);

function mutate(events: string[], mutations: readonly Mutation[]): string[] {
  const out = events.slice();
  for (const change of mutations) {
    const at = out.length === 0 ? 0 : change.at % out.length;
    if (change.kind === 'drop') out.splice(at, 1);
    else if (change.kind === 'duplicate' && out[at] !== undefined) out.splice(at, 0, out[at] as string);
    else if (change.kind === 'swap' && at + 1 < out.length) {
      [out[at], out[at + 1]] = [out[at + 1] as string, out[at] as string];
    } else if (change.kind === 'insert') out.splice(at, 0, change.event);
  }
  return out;
}

function isTypedUpstreamError(error: unknown): boolean {
  return error instanceof UpstreamProtocolError || error instanceof UpstreamStreamError;
}

/** Runs the bytes through parser and translator in the given pieces; the outcome or the thrown error. */
function runStream(
  adapter: ProviderAdapter,
  bytes: Buffer,
  cuts: readonly number[],
): { error?: unknown; chunks: string[] } {
  const translator = adapter.createStreamTranslator(ctx(true));
  const parser = new SseParser();
  const chunks: string[] = [];
  const emit = (json: string) => {
    chunks.push(json);
  };
  try {
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      const to = Math.min(bytes.length, cut);
      if (to <= from) continue;
      parser.push(bytes.subarray(from, to), (event) => translator.push(event, emit));
      from = to;
    }
    parser.push(bytes.subarray(from), (event) => translator.push(event, emit));
    // As the attempt loop ends a stream (pipeline/exchange.ts).
    parser.end(checkedFinalEvent((event) => translator.push(event, emit)));
    translator.end(emit);
  } catch (error) {
    return { error, chunks };
  }
  return { chunks };
}

for (const [folder, types] of FORMATS) {
  for (const type of types) {
    const adapter = getAdapter(type);
    describe(`${type} stream translator under mutated ${folder} recordings`, () => {
      for (const fixture of fixtureFiles(folder, '.sse')) {
        it(`${fixture.name}: a clean answer or a typed upstream error, whatever the mutation`, () => {
          const events = splitEvents(fixture.text);
          fc.assert(
            fc.property(
              fc.array(mutation, { maxLength: 6 }),
              fc.array(fc.nat({ max: fixture.text.length * 2 }), { maxLength: 12 }),
              fc.option(fc.nat({ max: fixture.text.length * 2 }), { nil: undefined }),
              (mutations, cuts, truncateAt) => {
                let bytes = Buffer.from(mutate(events, mutations).join(''), 'utf8');
                if (truncateAt !== undefined) bytes = bytes.subarray(0, truncateAt);
                const { error, chunks } = runStream(adapter, bytes, cuts);
                if (error !== undefined && !isTypedUpstreamError(error)) throw error;
                for (const chunk of chunks) JSON.parse(chunk);
              },
            ),
            { numRuns: RUNS, seed: 15 },
          );
        });
      }
    });

    describe(`${type} response translator under mutated ${folder} recordings`, () => {
      for (const fixture of fixtureFiles(folder, '.json')) {
        it(`${fixture.name}: parses, or throws a typed upstream error; classification never throws`, () => {
          fc.assert(
            fc.property(
              fc.nat({ max: fixture.text.length }),
              fc.nat({ max: fixture.text.length }),
              fc.string({ maxLength: 12 }),
              fc.integer({ min: 100, max: 599 }),
              (cutAt, insertAt, inserted, status) => {
                const mutated =
                  fixture.text.slice(0, insertAt) +
                  inserted +
                  fixture.text.slice(insertAt, cutAt > insertAt ? undefined : fixture.text.length);
                for (const body of [mutated, fixture.text.slice(0, cutAt)]) {
                  try {
                    const translated = adapter.fromResponse(body, ctx(false));
                    JSON.parse(translated.body);
                  } catch (error) {
                    if (!isTypedUpstreamError(error)) throw error;
                  }
                  const failure = adapter.classifyError(status, { 'retry-after': inserted }, body);
                  expect(typeof failure.errorClass).toBe('string');
                }
              },
            ),
            { numRuns: RUNS, seed: 15 },
          );
        });
      }
    });
  }
}
