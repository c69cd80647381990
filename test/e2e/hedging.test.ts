/**
 * Hedged requests (issue 13): with `hedge.after_ms` on a two-target model and the first target stalling
 * one request in ten for 5 s, the p99 stays under the hedge delay plus the healthy target's own p99 plus
 * 20 ms, and every loser is aborted (the fake sees its request cut).
 */
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { waitFor } from '../helpers/gateway.ts';
import { requestLines, startGateway, UNLIMITED } from './resilience-harness.ts';

const HEDGE_MS = 100;
const REQUESTS = 100;
const LATENCY = { firstByteMs: 30, tokenIntervalMs: 1 };

let primary: FakeServer;
let backup: FakeServer;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-p'], rateLimits: UNLIMITED, latency: LATENCY });
  backup = await startFakeOpenAI({ keys: ['sk-b'], rateLimits: UNLIMITED, latency: LATENCY });
});
afterAll(async () => {
  await primary?.stop();
  await backup?.stop();
});

async function streamed(
  client: OpenAI,
  model: string,
): Promise<{ ms: number; text: string; finish: string | null }> {
  const started = performance.now();
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  let text = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  return { ms: performance.now() - started, text, finish };
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

describe('hedged requests', () => {
  it('keeps p99 under the hedge delay plus the healthy p99 plus 20 ms, and aborts every loser', async () => {
    const g = await startGateway({
      providers: {
        primary: { type: 'openai', keys: ['sk-p'], base_url: `${primary.url}/v1` },
        backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
      },
      models: { smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'], hedge: { after_ms: HEDGE_MS } } },
    });
    try {
      // The healthy target's own p99, through the same gateway (a direct name: never hedged).
      const healthy: number[] = [];
      for (let i = 0; i < REQUESTS; i++) healthy.push((await streamed(g.client, 'backup/gpt-4.1')).ms);

      const stallsBefore = primary.requests.length;
      const hedged: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        if (i % 10 === 0) primary.control.enqueue({ firstByteMs: 5_000 });
        const answer = await streamed(g.client, 'smart');
        expect(answer.finish).toBe('stop');
        expect(answer.text.length).toBeGreaterThan(0);
        hedged.push(answer.ms);
      }
      const bound = HEDGE_MS + p99(healthy) + 20;
      console.log(
        `[hedging] healthy p99 ${p99(healthy).toFixed(1)} ms; hedged p99 ${p99(hedged).toFixed(1)} ms (bound ${bound.toFixed(1)} ms = ${HEDGE_MS} + healthy p99 + 20); max ${Math.max(...hedged).toFixed(1)} ms`,
      );
      expect(p99(hedged)).toBeLessThan(bound);

      // Every stalled first attempt lost the race and was cut: the fake saw each of them aborted.
      const stalled = primary.requests
        .slice(stallsBefore)
        .filter((record) => record.script?.source === 'queue');
      expect(stalled).toHaveLength(REQUESTS / 10);
      await waitFor(() => stalled.every((record) => record.aborted === true), 2_000, 'losers aborted');
      await waitFor(() => requestLines(g.logs).length >= 2 * REQUESTS);
      const lines = requestLines(g.logs).slice(REQUESTS);
      // Each stalled request was hedged, and every hedged request has exactly one loser (an unstalled
      // first attempt slower than the delay on a busy machine is hedged too, as it should be).
      const hedgedLines = lines.filter((line) => line.attempts.length > 1);
      expect(hedgedLines.length).toBeGreaterThanOrEqual(REQUESTS / 10);
      for (const line of hedgedLines) {
        expect(line.attempts.filter((a) => a.outcome === 'hedge_lost')).toHaveLength(1);
        expect(line.attempts.filter((a) => a.outcome === 'ok')).toHaveLength(1);
      }
    } finally {
      await g.stop();
    }
  });

  it('hedges a JSON request too: the first whole answer wins', async () => {
    const g = await startGateway({
      providers: {
        primary: { type: 'openai', keys: ['sk-p'], base_url: `${primary.url}/v1` },
        backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
      },
      models: { smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'], hedge: { after_ms: HEDGE_MS } } },
    });
    try {
      primary.control.enqueue({ firstByteMs: 5_000 });
      const started = performance.now();
      const { response } = await g.client.chat.completions
        .create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      const ms = performance.now() - started;
      expect(response.headers.get('x-switchyard-provider')).toBe('backup');
      expect(ms).toBeLessThan(2_000);
      await waitFor(() => requestLines(g.logs).length > 0);
      // Records are written as attempts end: the winner's first, the loser's when its abort lands.
      const attempts = requestLines(g.logs)[0]?.attempts.map((a) => [a.target, a.outcome]);
      expect(attempts).toHaveLength(2);
      expect(attempts).toContainEqual(['primary/gpt-4.1', 'hedge_lost']);
      expect(attempts).toContainEqual(['backup/gpt-4.1', 'ok']);
      // The routing decision names the attempt that answered, and the loser, which sent no byte, has no
      // first-byte time (the winner's is not its own).
      const line = requestLines(g.logs)[0] as unknown as {
        routing: { chosen: string; reason: string };
        attempts: Array<{ outcome: string; first_byte_ms: number | null }>;
      };
      expect(line.routing).toMatchObject({ chosen: 'backup/gpt-4.1', reason: 'hedge' });
      expect(line.attempts.find((a) => a.outcome === 'hedge_lost')?.first_byte_ms).toBeNull();
    } finally {
      await g.stop();
    }
  });
});
