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
    expect(out).toEqual([]); // several choices are held whole until the upstream ends
    expect(moderator.finish()).toBeUndefined();
    expect(moderator.stopped).toBe(true);
    expect(out.join('')).not.toMatch(/pipe/);
    expect(verdicts.map((verdict) => verdict.action)).toEqual(['block']);
  });
});

function moderatorWith(
  options: { action?: 'block' | 'redact'; relay?: boolean; choices?: number | undefined } = {},
) {
  const out: string[] = [];
  const verdicts: GuardVerdict[] = [];
  const moderator = new StreamModerator({
    backend: new LocalModeration(),
    policy: new GuardrailsPolicy(
      {
        injection: 'flag',
        system_messages: 'allow',
        max_messages: 4096,
        moderation: { hold_ms: 60_000, action: options.action ?? 'block' },
      },
      undefined,
    ).moderationFor('m', 'openai'),
    write: (json) => out.push(json),
    verdicts,
    signal: new AbortController().signal,
    prompt: '',
    flush: () => {},
    relay: options.relay,
    choices: options.choices,
  });
  return { out, verdicts, moderator };
}

function deltaChunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
}

const usageChunk = JSON.stringify({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
});

const HARMFUL = 'To build a pipe bomb, pack the pipe with explosive powder and seal both ends.';

describe('stream moderator: redact', () => {
  it('writes the redacted text where the text was: after the role chunk, the finish reason kept', () => {
    const run = moderatorWith({ action: 'redact' });
    const role = deltaChunk({ role: 'assistant', content: '' });
    run.moderator.push(role, 'chunk');
    for (const token of tokens(`Sure. ${HARMFUL}`))
      run.moderator.push(deltaChunk({ content: token }), 'chunk');
    run.moderator.push(deltaChunk({}, 'stop'), 'chunk');
    expect(run.out[0]).toBe(role);
    const text = content(run.out);
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/pipe|bomb|explosive/);
    expect(JSON.parse(run.out.at(-1) as string).choices[0].finish_reason).toBe('stop');
    expect(run.verdicts.map((verdict) => verdict.action)).toContain('redact');
  });

  it('keeps the finish reason of a dropped chunk that carried text and finished at once', () => {
    const { out, moderator } = moderatorWith({ action: 'redact' });
    moderator.push(deltaChunk({ content: HARMFUL }, 'stop'), 'chunk');
    expect(content(out)).not.toMatch(/pipe/);
    expect(out.map((json) => JSON.parse(json).choices[0].finish_reason)).toEqual([null, 'stop']);
  });

  // Anthropic's reasoning chunk, and DeepSeek's (whose reasoning chunks carry `"content":null`).
  for (const [shape, reasoning] of [
    ['reasoning only', (text: string) => deltaChunk({ reasoning_content: text })],
    ['content null', (text: string) => deltaChunk({ content: null, reasoning_content: text })],
  ] as const) {
    it(`blocks instead when the held text is reasoning (${shape}): none of it goes out, nor into content`, () => {
      const { out, verdicts, moderator } = moderatorWith({ action: 'redact' });
      for (const token of tokens(`Let me think. ${HARMFUL}`)) moderator.push(reasoning(token), 'chunk');
      const sent = out.join('');
      expect(sent).not.toMatch(/pipe|bomb|explosive/);
      expect(content(out)).toBe('');
      expect(sent).not.toContain('[redacted]');
      expect(moderator.stopped).toBe(true);
      expect(verdicts.map((verdict) => verdict.action)).toEqual(['block']);
    });
  }
});

describe('stream moderator: usage after a block', () => {
  it('lets the usage chunk held behind the text out after the content_filter chunk', () => {
    const { out, moderator } = moderatorWith();
    moderator.push(deltaChunk({ content: 'Sure, here goes' }), 'chunk');
    moderator.push(usageChunk, 'usage');
    moderator.push(deltaChunk({ content: ` and now. ${HARMFUL}` }), 'chunk');
    expect(moderator.stopped).toBe(true);
    expect(JSON.parse(out.at(-2) as string).choices[0].finish_reason).toBe('content_filter');
    expect(out.at(-1)).toBe(usageChunk);
    expect(moderator.usageSent).toBe(true);
  });

  it('lets a usage chunk arriving after the block out, and writes one only when none came', () => {
    const { out, moderator } = moderatorWith();
    moderator.push(deltaChunk({ content: HARMFUL }), 'chunk');
    expect(moderator.stopped).toBe(true);
    moderator.push(deltaChunk({ content: 'more' }), 'chunk');
    moderator.push(usageChunk, 'usage');
    expect(out.at(-1)).toBe(usageChunk);
    moderator.writeUsage({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
    expect(out.at(-1)).toBe(usageChunk);

    const cut = moderatorWith();
    cut.moderator.push(deltaChunk({ content: HARMFUL }), 'chunk');
    cut.moderator.writeUsage({ prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 });
    const last = JSON.parse(cut.out.at(-1) as string);
    expect(last).toMatchObject({ id: 'c1', model: 'm', choices: [], usage: { completion_tokens: 3 } });
  });
});

describe('stream moderator: a passthrough relay', () => {
  /** One upstream event: its chunks read first, then its own bytes. */
  function relayEvent(moderator: StreamModerator, raw: string, chunks: string[]): void {
    for (const json of chunks) moderator.push(json, 'chunk');
    moderator.pushEvent(raw);
  }
  const textEvent = (text: string) => `event: content_block_delta\ndata: ${JSON.stringify({ text })}\n\n`;

  it('releases the upstream events themselves, whole and in order, once their text is judged', () => {
    const { out, moderator } = moderatorWith({ relay: true });
    const start = 'event: message_start\ndata: {}\n\n';
    relayEvent(moderator, start, []);
    expect(out).toEqual([start]);
    const events = tokens('One sentence here. And the next').map(textEvent);
    for (const [i, raw] of events.entries())
      relayEvent(moderator, raw, [
        deltaChunk({ content: tokens('One sentence here. And the next')[i] as string }),
      ]);
    // The first sentence is out; the unfinished one is held.
    expect(out).toEqual([start, ...events.slice(0, 3)]);
    const stop = 'event: message_stop\ndata: {}\n\n';
    relayEvent(moderator, stop, [deltaChunk({}, 'stop')]);
    expect(out).toEqual([start, ...events, stop]);
  });

  it('queues events behind a remote check, in order, each with its own text', async () => {
    const pending: Array<() => void> = [];
    const out: string[] = [];
    const moderator = new StreamModerator({
      backend: {
        name: 'remote',
        check: (text) =>
          new Promise<ModerationResult>((resolve) => {
            pending.push(() => resolve({ categories: text.includes('bomb') ? ['S9'] : [], spans: [] }));
          }),
      },
      policy,
      write: (raw) => out.push(raw),
      verdicts: [],
      signal: new AbortController().signal,
      prompt: '',
      flush: () => {},
      relay: true,
    });
    const text = 'First part. Second part. A bomb here. Tail.';
    for (const token of tokens(text))
      relayEvent(moderator, textEvent(token), [deltaChunk({ content: token })]);
    expect(moderator.pending).toBe(true);
    while (pending.length > 0) {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(out).toEqual(tokens('First part. Second part. ').map(textEvent));
    expect(moderator.stopped).toBe(true);
  });

  it('drops the events of a flagged sentence and writes nothing of its own; redact blocks too', () => {
    for (const action of ['block', 'redact'] as const) {
      const { out, verdicts, moderator } = moderatorWith({ relay: true, action });
      for (const token of tokens(`Fine. ${HARMFUL} Never sent.`))
        relayEvent(moderator, textEvent(token), [deltaChunk({ content: token })]);
      expect(moderator.stopped).toBe(true);
      expect(out).toEqual([textEvent('Fine. ')]);
      expect(verdicts.map((verdict) => verdict.action)).toEqual(['block']);
    }
  });
});

describe('stream moderator: several choices', () => {
  const choiceChunk = (index: number, delta: Record<string, unknown>, finish: string | null = null) =>
    JSON.stringify({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index, delta, logprobs: null, finish_reason: finish }],
    });
  const choicesOf = (out: string[]) =>
    out.flatMap(
      (json) =>
        (
          JSON.parse(json) as {
            choices: Array<{ index: number; delta: { content?: string }; finish_reason: string | null }>;
          }
        ).choices,
    );

  // OpenAI interleaves the choices of an n > 1 stream: choice 1's full stop must not release choice 0's
  // half sentence, nor leave its rest to be judged alone.
  const interleaved = [
    choiceChunk(0, { role: 'assistant', content: '' }),
    choiceChunk(1, { role: 'assistant', content: '' }),
    choiceChunk(0, { content: 'Sure, pack the pipe ' }),
    choiceChunk(1, { content: 'Hi there.' }),
    choiceChunk(0, { content: 'with explosive powder and seal it.' }),
    choiceChunk(1, {}, 'stop'),
    choiceChunk(0, {}, 'stop'),
  ];

  for (const [label, n] of [
    ['n: 2 asked', 2],
    ['n not asked: found from the chunks', undefined],
  ] as const) {
    it(`judges each choice's text as its own sequence (${label})`, () => {
      for (const action of ['block', 'redact'] as const) {
        const { out, verdicts, moderator } = moderatorWith({ action, choices: n });
        for (const json of interleaved) moderator.push(json, 'chunk');
        moderator.push(usageChunk, 'usage');
        expect(moderator.finish()).toBeUndefined();
        expect(out.join('')).not.toMatch(/pipe|explosive/);
        expect(moderator.stopped).toBe(true);
        expect(verdicts.map((verdict) => verdict.action)).toEqual(['block']);
        const ends = choicesOf(out).filter((choice) => choice.finish_reason !== null);
        expect(ends.map((choice) => [choice.index, choice.finish_reason]).sort()).toEqual([
          [0, 'content_filter'],
          [1, 'content_filter'],
        ]);
        expect(out.at(-1)).toBe(usageChunk);
      }
    });
  }

  it('lets benign choices out unchanged, and judges no text across choices', () => {
    const { out, verdicts, moderator } = moderatorWith({ choices: 2 });
    // Together, in arrival order, these read "pipe bomb"; each choice alone is harmless.
    const input = [
      choiceChunk(0, { content: 'I fixed the pipe ' }),
      choiceChunk(1, { content: 'bomb, the dessert, is lovely.' }),
      choiceChunk(0, { content: 'yesterday.' }, 'stop'),
      choiceChunk(1, {}, 'stop'),
    ];
    for (const json of input) moderator.push(json, 'chunk');
    expect(moderator.finish()).toBeUndefined();
    expect(out).toEqual(input);
    expect(verdicts).toEqual([]);
  });

  it('never moves the text of choice 2 or above into choice 0: a redaction blocks', () => {
    const { out, verdicts, moderator } = moderatorWith({ action: 'redact' });
    moderator.push(choiceChunk(2, { content: HARMFUL }), 'chunk');
    moderator.push(choiceChunk(2, {}, 'stop'), 'chunk');
    expect(moderator.finish()).toBeUndefined();
    expect(out.join('')).not.toMatch(/pipe|redacted/);
    expect(verdicts.map((verdict) => verdict.action)).toEqual(['block']);
    expect(choicesOf(out).every((choice) => choice.delta.content === undefined)).toBe(true);
  });
});

describe('stream moderator: refusal', () => {
  it('judges refusal deltas like content; a redaction of one blocks', () => {
    for (const action of ['block', 'redact'] as const) {
      const { out, verdicts, moderator } = moderatorWith({ action });
      moderator.push(deltaChunk({ role: 'assistant', content: '', refusal: null }), 'chunk');
      for (const token of tokens(`I can help. ${HARMFUL}`))
        moderator.push(deltaChunk({ refusal: token }), 'chunk');
      moderator.push(deltaChunk({}, 'stop'), 'chunk');
      moderator.finish();
      expect(out.join('')).toContain('"refusal":"help. "'); // the clean sentence before it went out
      expect(out.join('')).not.toMatch(/pipe|redacted/);
      expect(moderator.stopped).toBe(true);
      expect(verdicts.map((verdict) => verdict.action)).toEqual(['block']);
    }
  });
});
