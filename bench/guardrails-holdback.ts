/**
 * What output moderation's hold-back costs a stream's time to first token (docs/performance.md "Output
 * moderation"). One process: the fake OpenAI upstream answering a fixed three-sentence reply at a fixed
 * token interval, the fake Llama Guard, and the gateway with three tenants (moderation off, `local`,
 * `llama-guard`). Streams run one at a time, alternating tenants, and the time from sending the request
 * to the first content delta is recorded per tenant.
 *
 *   node bench/guardrails-holdback.ts [COUNT=60] [TOKEN_INTERVAL_MS=20]
 */
import pino from 'pino';
import { validateConfig } from '../src/config/schema.ts';
import { startFakeLlamaGuard } from '../src/demo/fakes/moderation/index.ts';
import { startFakeOpenAI } from '../src/demo/fakes/openai/index.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { Gateway } from '../src/server/gateway.ts';
import { scriptArgs } from '../scripts/command-line.ts';

const [countArg, intervalArg] = scriptArgs({ allowPositionals: true }).positionals;
const count = Number(countArg ?? 60);
const tokenIntervalMs = Number(intervalArg ?? 20);
const REPLY =
  'The first sentence of the answer has about a dozen words in it. A second one follows. And a third closes it.';

const upstream = await startFakeOpenAI({ keys: ['sk-up'] });
const guard = await startFakeLlamaGuard({ keys: ['sk-guard'] });
upstream.control.setModelScript('gpt-4.1', { reply: { content: REPLY }, tokenIntervalMs, firstByteMs: 0 });
const result = validateConfig({
  providers: {
    main: { type: 'openai', keys: ['sk-up'], base_url: `${upstream.url}/v1` },
    guard: { type: 'openai-compatible', keys: ['sk-guard'], base_url: `${guard.url}/v1` },
  },
  tenants: {
    off: { keys: ['k-off'], guardrails: { moderation: { backend: 'off' } } },
    local: { keys: ['k-local'] },
    'llama-guard': {
      keys: ['k-lg'],
      guardrails: { moderation: { backend: 'llama-guard', target: 'guard/llama-guard-3-8b' } },
    },
  },
});
if (!result.ok) throw new Error(JSON.stringify(result.errors));
const gateway = new Gateway({
  config: result.config,
  services: {
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
    random: Math.random,
  },
});
const address = await gateway.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${address.port}/v1/chat/completions`;

async function firstTokenMs(key: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'main/gpt-4.1',
      stream: true,
      messages: [{ role: 'user', content: 'Go.' }],
    }),
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let first = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (first < 0 && /"content":"[^"]/.test(text)) first = performance.now() - started;
  }
  return first;
}

const tenants: Array<[string, string]> = [
  ['off', 'k-off'],
  ['local', 'k-local'],
  ['llama-guard', 'k-lg'],
];
const samples = new Map<string, number[]>(tenants.map(([name]) => [name, []]));
for (let i = 0; i < 5; i++) for (const [, key] of tenants) await firstTokenMs(key); // warm-up
for (let i = 0; i < count; i++) {
  for (const [name, key] of tenants) samples.get(name)?.push(await firstTokenMs(key));
}
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const firstSentenceTokens = REPLY.slice(0, REPLY.indexOf('.') + 1).split(' ').length;
const report: Record<string, unknown> = { count, tokenIntervalMs, firstSentenceTokens };
for (const [name, values] of samples) {
  report[name] = {
    p50_ms: Number(quantile(values, 0.5).toFixed(1)),
    p95_ms: Number(quantile(values, 0.95).toFixed(1)),
  };
}
process.stdout.write(`${JSON.stringify(report)}\n`);
await gateway.shutdown(1000);
await upstream.stop();
await guard.stop();
