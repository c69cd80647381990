/**
 * Demo mode serves the Batch API: a job's lines for `smart` go to the fake Anthropic's Message Batches,
 * those for `fast` through the live path, and the output file comes back through the `openai` SDK.
 */
import OpenAI, { toFile } from 'openai';
import { DEMO_TENANT_KEY } from '../../src/demo/demo-config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_LATENCY } from '../../src/demo/fakes/shared/index.ts';
import { type RunningDemo, startDemo } from '../../src/demo/start-demo.ts';
import { silentLogger } from '../../src/observability/logger.ts';

let demo: RunningDemo;
let client: OpenAI;

beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    host: '127.0.0.1',
    faultRate: 0,
    latency: NO_LATENCY,
    env: {},
    logger: silentLogger(),
  });
  client = new OpenAI({ baseURL: `${demo.serving.url}/v1`, apiKey: DEMO_TENANT_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await demo?.serving.stop();
});

describe('demo mode batches', () => {
  it('runs a job across a provider batch API and the live path', async () => {
    const lines = ['smart', 'smart', 'fast'].map((model, i) =>
      JSON.stringify({
        custom_id: `demo-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model, messages: [{ role: 'user', content: `Hello ${i}` }] },
      }),
    );
    const file = await client.files.create({
      file: await toFile(Buffer.from(lines.join('\n')), 'demo.jsonl'),
      purpose: 'batch',
    });
    const job = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    let batch = job;
    const deadline = Date.now() + 20_000;
    while (batch.status !== 'completed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      batch = await client.batches.retrieve(job.id);
    }
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    const text = await (await client.files.content(batch.output_file_id as string)).text();
    const rows = text
      .trim()
      .split('\n')
      .map((row) => JSON.parse(row) as { custom_id: string; response: { body: { object: string } } });
    expect(rows.map((row) => row.custom_id).sort()).toEqual(['demo-0', 'demo-1', 'demo-2']);
    for (const row of rows) expect(row.response.body.object).toBe('chat.completion');
  }, 30_000);
});
