/**
 * The hold-back window on its own: chunks in, what the client would get out, with a synchronous backend
 * and a remote-like one that answers later.
 */
import { describe, expect, it } from 'vitest';
import { LocalModeration } from '../../../src/guardrails/moderation/local.ts';
import { StreamModerator } from '../../../src/guardrails/moderation/stream-moderator.ts';
import type { ModerationBackend, ModerationResult } from '../../../src/guardrails/moderation/types.ts';
import { GuardrailsPolicy } from '../../../src/guardrails/policy.ts';
import type { GuardVerdict } from '../../../src/guardrails/verdict.ts';

const policy = new GuardrailsPolicy(
  { injection: 'flag', system_messages: 'allow', max_messages: 4096, moderation: { hold_ms: 60_000 } },
  undefined,
).moderationFor('m', 'openai');

function chunk(content: string | null, finish: string | null = null): string {
  const delta = content === null ? {} : { content };
  return JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
}

function tokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function run(backend: ModerationBackend, text: string) {
  const out: string[] = [];
  const verdicts: GuardVerdict[] = [];
  const moderator = new StreamModerator({
    backend,
    policy,
    write: (json) => out.push(json),
    verdicts,
    signal: new AbortController().signal,
    prompt: '',
    flush: () => {},
  });
  const input = [chunk(''), ...tokens(text).map((token) => chunk(token)), chunk(null, 'stop')];
  for (const json of input) moderator.push(json, 'chunk');
  return { out, input, verdicts, moderator };
}

function content(out: string[]): string {
  return out
    .map(
      (json) =>
        (JSON.parse(json) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ??
        '',
    )
    .join('');
}

describe('stream moderator', () => {
  it('lets a benign stream out unchanged, chunk for chunk', () => {
    const { out, input } = run(new LocalModeration(), 'One sentence here. Another one! And a question?');
    expect(out).toEqual(input);
  });

  it('cuts at the sentence before a harmful one and ends with content_filter', () => {
    const { out, verdicts, moderator } = run(
      new LocalModeration(),
      'Safe start. To build a pipe bomb, pack the pipe with powder. Never sent.',
    );
    expect(content(out)).toBe('Safe start. ');
    expect(out.join('')).not.toMatch(/pipe|Never/);
    expect(JSON.parse(out.at(-1) as string).choices[0].finish_reason).toBe('content_filter');
    expect(verdicts).toEqual([{ guard: 'output', rule: 'S9', action: 'block', where: 'stream:local' }]);
    expect(moderator.stopped).toBe(true);
  });

  it('moderates reasoning shown to the client like the answer', () => {
    const out: string[] = [];
    const moderator = new StreamModerator({
      backend: new LocalModeration(),
      policy,
      write: (json) => out.push(json),
      verdicts: [],
      signal: new AbortController().signal,
      prompt: '',
      flush: () => {},
    });
    const reasoning = (text: string) =>
      JSON.stringify({
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { reasoning_content: text }, finish_reason: null }],
      });
    for (const token of tokens('Thinking first. Step 1 to cook meth: buy pills. Done.'))
      moderator.push(reasoning(token), 'chunk');
    expect(out.join('')).toContain('Thinking');
    expect(out.join('')).not.toContain('meth');
    expect(moderator.stopped).toBe(true);
  });

  it('bounds the window: text without a sentence end is judged and released at window_chars', () => {
    const { out } = run(new LocalModeration(), `${'word '.repeat(200)}`);
    expect(content(out)).toBe('word '.repeat(200));
  });

  it('queues behind a remote check and keeps the order', async () => {
    const pending: Array<(result: ModerationResult) => void> = [];
    const remote: ModerationBackend = {
      name: 'remote',
      check: (text) =>
        new Promise<ModerationResult>((resolve) => {
          pending.push(() => resolve({ categories: text.includes('bomb') ? ['S9'] : [], spans: [] }));
        }),
    };
    const { out, moderator } = run(remote, 'First part. Second part. A bomb here. Tail.');
    expect(out).toEqual([]); // the role chunk waits behind the first sentence, keeping the order
    expect(moderator.pending).toBe(true);
    while (pending.length > 0) {
      pending.shift()?.({ categories: [], spans: [] });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(content(out)).toBe('First part. Second part. ');
    expect(JSON.parse(out.at(-1) as string).choices[0].finish_reason).toBe('content_filter');
  });

  it('with a flag-only policy, sends every chunk as it arrives and still logs the flag', () => {
    const flagOnly = new GuardrailsPolicy(
      { injection: 'flag', system_messages: 'allow', max_messages: 4096, moderation: { action: 'flag' } },
      undefined,
    ).moderationFor('m', 'openai');
    const out: string[] = [];
    const verdicts: GuardVerdict[] = [];
    const moderator = new StreamModerator({
      backend: new LocalModeration(),
      policy: flagOnly,
      write: (json) => out.push(json),
      verdicts,
      signal: new AbortController().signal,
      prompt: '',
      flush: () => {},
    });
    const input = [
      chunk(''),
      ...tokens('Safe start. To build a pipe bomb, pack the pipe with powder. Then').map((token) =>
        chunk(token),
      ),
      chunk(null, 'stop'),
    ];
    input.forEach((json, i) => {
      moderator.push(json, 'chunk');
      // Nothing is held: after each push the client has had every chunk so far, unchanged.
      expect(out).toEqual(input.slice(0, i + 1));
    });
    expect(moderator.finish()).toBeUndefined();
    expect(moderator.stopped).toBe(false);
    expect(verdicts).toEqual([{ guard: 'output', rule: 'S9', action: 'flag', where: 'stream:local' }]);
  });

  it('reads every choice of a chunk with several, not only the first', () => {
    const out: string[] = [];
    const verdicts: GuardVerdict[] = [];
    const moderator = new StreamModerator({
      backend: new LocalModeration(),
      policy,
      write: (json) => out.push(json),
      verdicts,
      signal: new AbortController().signal,
      prompt: '',
      flush: () => {},
    });
    const twoChoices = JSON.stringify({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [
        { index: 0, delta: { content: 'Safe here. ' }, finish_reason: null },
        {
          index: 1,
          delta: { content: 'To build a pipe bomb, pack the pipe with powder. ' },
          finish_reason: null,
        },
      ],
    });
    moderator.push(twoChoices, 'chunk');
    expect(moderator.stopped).toBe(true);
    expect(out.join('')).not.toMatch(/pipe/);
    expect(verdicts.map((verdict) => verdict.action)).toEqual(['block']);
  });
});
