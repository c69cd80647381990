/**
 * Batch lines bound for Anthropic go out as one Message Batch (each line translated by the Anthropic
 * adapter, results translated back into OpenAI completions at the batch discount); lines bound for a
 * provider without a batch API (Mistral) go through the live path, billed at the full price. An errored
 * 400 is relayed in the error file; an errored 5xx is retried once in a new Message Batch and then
 * reported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessageBatchOptions } from '../../src/demo/fakes/anthropic/batches.ts';
import { startAnthropicFake } from '../../src/demo/fakes/anthropic/index.ts';
import { startMistralFake } from '../../src/demo/fakes/mistral/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

// biome-ignore lint/suspicious/noExplicitAny: output lines are loose JSON read field by field
type Json = any;

const PRICE = { input: 3, output: 15, batch_discount: 0.5 };
let anthropic: FakeServer;
let mistral: FakeServer;
let gw: TestGateway;
let dir: string;
const messageBatches: FakeMessageBatchOptions = {
  erroredStatus: (params) => {
    const text = JSON.stringify(params.messages);
    if (text.includes('reject me')) return 400;
    if (text.includes('server trouble')) return 500;
    return undefined;
  },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-batch-providers-'));
  anthropic = await startAnthropicFake({ keys: ['sk-ant'], batches: messageBatches });
  mistral = await startMistralFake({ keys: ['mistral-key'] });
  gw = await startTestGateway(
    {
      providers: {
        claude: { type: 'anthropic', keys: ['sk-ant'], base_url: anthropic.url },
        mistral: { type: 'mistral', keys: ['mistral-key'], base_url: `${mistral.url}/v1` },
      },
      models: {
        sonnet: { targets: ['claude/claude-sonnet-4-5'] },
        large: { targets: ['mistral/mistral-large-latest'] },
      },
      pricing: {
        models: { 'claude/claude-sonnet-4-5': PRICE, 'mistral/mistral-large-latest': PRICE },
      },
      batch: {
        flush_interval_s: 0.2,
        poll_interval_s: 0.02,
        max_poll_interval_s: 0.1,
        files_dir: join(dir, 'files'),
      },
    },
    { store: await openStore('sqlite::memory:') },
  );
});

afterAll(async () => {
  await gw?.stop();
  await anthropic?.stop();
  await mistral?.stop();
  await rm(dir, { recursive: true, force: true });
});

function line(customId: string, model: string, content: string): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, max_tokens: 32, messages: [{ role: 'user', content }] },
  });
}

async function rows(client: OpenAI, fileId: string | null | undefined): Promise<Json[]> {
  if (fileId == null) return [];
  return (await (await client.files.content(fileId)).text())
    .split('\n')
    .filter((row) => row !== '')
    .map((row) => JSON.parse(row));
}

describe('batch lines to Anthropic and to a provider without a batch API', () => {
  it('sends Anthropic lines as one Message Batch, Mistral lines live, and splits every answer back', async () => {
    const client = gw.client;
    const file = await client.files.create({
      file: await toFile(
        Buffer.from(
          [
            line('s-1', 'sonnet', 'first question'),
            line('s-2', 'sonnet', 'second question'),
            line('s-bad', 'sonnet', 'reject me please'),
            line('s-500', 'sonnet', 'server trouble ahead'),
            line('m-1', 'large', 'live one'),
            line('m-2', 'large', 'live two'),
          ].join('\n'),
        ),
        'mixed.jsonl',
      ),
      purpose: 'batch',
    });
    const job = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    let done: OpenAI.Batch = job;
    const deadline = Date.now() + 15_000;
    while (!['completed', 'failed', 'cancelled'].includes(done.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      done = await client.batches.retrieve(job.id);
    }
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 6, completed: 4, failed: 2 });

    // One Message Batch for the four Anthropic lines, one more for the 5xx line's single retry.
    const creates = anthropic.requests.filter(
      (r) => r.method === 'POST' && r.path === '/v1/messages/batches',
    );
    expect(creates).toHaveLength(2);
    expect((creates[0] as Json).body.requests).toHaveLength(4);
    expect((creates[0] as Json).body.requests[0].params).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 32,
    });
    expect((creates[1] as Json).body.requests).toHaveLength(1);
    expect(mistral.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);

    const output = await rows(client, done.output_file_id);
    expect(output.map((row) => row.custom_id).sort()).toEqual(['m-1', 'm-2', 's-1', 's-2']);
    for (const row of output) {
      expect(row.response.status_code).toBe(200);
      expect(row.response.body.object).toBe('chat.completion');
      expect(typeof row.response.body.choices[0].message.content).toBe('string');
    }
    const errors = await rows(client, done.error_file_id);
    const byId = new Map(errors.map((row) => [row.custom_id, row]));
    expect(byId.get('s-bad').response.status_code).toBe(400);
    expect(byId.get('s-bad').response.body.error.type).toBe('invalid_request_error');
    expect(byId.get('s-500').response.status_code).toBe(500);

    const priced = gw.logs.filter((entry) => entry.msg === 'batch line' && entry.provider === 'claude');
    expect(priced).toHaveLength(2);
    for (const entry of priced) {
      const usage = entry.usage as { prompt: number; completion: number };
      expect(entry.cost_usd).toBeCloseTo(
        ((usage.prompt * PRICE.input + usage.completion * PRICE.output) / 1e6) * 0.5,
        12,
      );
    }
    // Batch audit #6: the live path's calls are ordinary requests, billed in full (no batch discount).
    const live = gw.logs.filter((entry) => entry.msg === 'batch line' && entry.provider === 'mistral');
    expect(live).toHaveLength(2);
    for (const entry of live) {
      const usage = entry.usage as { prompt: number; completion: number };
      expect(entry.cost_usd).toBeGreaterThan(0);
      expect(entry.cost_usd).toBeCloseTo(
        (usage.prompt * PRICE.input + usage.completion * PRICE.output) / 1e6,
        12,
      );
    }
  });
});
