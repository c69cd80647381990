// The fake's JSON and chunks must have exactly the keys of real OpenAI responses at every level
// (values ignored), so the fake cannot drift from what the API sends. Recordings: recorded/SOURCES.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_KEY, startFake } from './fake-openai-fixture.ts';

const recordedDir = new URL('./recorded/', import.meta.url);
const recordedJson: unknown = JSON.parse(readFileSync(new URL('openai-text.json', recordedDir), 'utf8'));
const recordedChunks: unknown[] = readFileSync(new URL('openai-text.chunks.txt', recordedDir), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));

/** Every key path in a value, arrays written as []: "choices[].message.content". */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [`${prefix}[]`, ...value.flatMap((item) => keyPaths(item, `${prefix}[]`))];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...keyPaths(child, path)];
  });
}

function shape(value: unknown): string[] {
  return [...new Set(keyPaths(value))].sort();
}

type Chunk = { choices: { delta: Record<string, unknown>; finish_reason: string | null }[] };

// Which part of the stream a chunk is: role, content delta, finish or usage.
function kindOf(chunk: unknown): string {
  const { choices } = chunk as Chunk;
  const choice = choices[0];
  if (choice === undefined) return 'usage';
  if (choice.finish_reason !== null) return 'finish';
  if ('role' in choice.delta) return 'role';
  return 'content';
}

function shapesByKind(chunks: unknown[]): Map<string, string[]> {
  const byKind = new Map<string, Set<string>>();
  for (const chunk of chunks) {
    const set = byKind.get(kindOf(chunk)) ?? new Set<string>();
    for (const path of keyPaths(chunk)) set.add(path);
    byKind.set(kindOf(chunk), set);
  }
  return new Map([...byKind].map(([kind, set]) => [kind, [...set].sort()]));
}

const request = {
  model: 'gpt-4.1-nano',
  messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }],
};

describe('fake OpenAI output has the shape of recorded real responses', () => {
  it('non-streamed chat.completion: same keys at every level', async () => {
    const { client } = await startFake();
    const completion = await client.chat.completions.create({
      ...request,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(shape(completion)).toEqual(shape(recordedJson));
  });

  it('streamed chunks with include_usage: same keys per kind of chunk, same order of kinds', async () => {
    const { fake } = await startFake();
    // Raw SSE, not the SDK, so nothing is reshaped on the way.
    const res = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await res.text();
    const events = text.split('\n\n').filter((e) => e !== '');
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));

    expect(shapesByKind(chunks)).toEqual(shapesByKind(recordedChunks));
    const kinds = (list: unknown[]): string[] => list.map(kindOf).filter((k, i, all) => k !== all[i - 1]);
    expect(kinds(chunks)).toEqual(kinds(recordedChunks));
    expect(kinds(chunks)).toEqual(['role', 'content', 'finish', 'usage']);
  });
});
