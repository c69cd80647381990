/**
 * Issue 10, item 2: demo mode injects upstream faults (500, 429 with retry-after, connection reset) for
 * the gateway to rescue; none may reach the client, on a `provider/model` name as on a virtual model.
 * Before the fix direct names got one round, so about 3 % of them failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_KEY } from '../../src/demo/demo-config.ts';
import { NO_LATENCY } from '../../src/demo/fakes/shared/index.ts';
import { type RunningDemo, startDemo } from '../../src/demo/start-demo.ts';
import { silentLogger } from '../../src/observability/logger.ts';

/** The rate `switchyard demo` runs with (src/cli/demo.ts). */
const DEMO_FAULT_RATE = 0.03;
const REQUESTS_PER_MODEL = 40;
const CONCURRENCY = 16;

let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    host: '127.0.0.1',
    faultRate: DEMO_FAULT_RATE,
    latency: NO_LATENCY,
    env: {},
    logger: silentLogger(),
  });
});
afterAll(async () => {
  await demo?.serving.stop();
});

async function complete(model: string, stream: boolean): Promise<{ status: number; body: string }> {
  const response = await fetch(`${demo.serving.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_TENANT_KEY}` },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Hello!' }] }),
  });
  return { status: response.status, body: await response.text() };
}

describe('demo mode under its own injected faults', () => {
  it('answers every listed model, direct names included, every time', async () => {
    const listed = (await (
      await fetch(`${demo.serving.url}/v1/models`, {
        headers: { authorization: `Bearer ${DEMO_TENANT_KEY}` },
      })
    ).json()) as {
      data: Array<{ id: string }>;
    };
    const models = listed.data.map((entry) => entry.id);
    expect(models.filter((id) => id.includes('/')).length).toBeGreaterThanOrEqual(12);

    const jobs = models.flatMap((model) =>
      Array.from({ length: REQUESTS_PER_MODEL }, (_, i) => ({ model, stream: i % 2 === 1 })),
    );
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++] as { model: string; stream: boolean };
        const { status, body } = await complete(job.model, job.stream);
        const streamFailed = job.stream && (!body.includes('[DONE]') || body.includes('"error"'));
        if (status !== 200 || streamFailed) failures.push(`${job.model} ${status} ${body.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const injected = demo.fakes.reduce(
      (sum, fake) => sum + fake.requests.filter((request) => request.method === 'POST').length,
      0,
    );
    console.log(
      `demo: ${jobs.length} requests on ${models.length} models, ${injected} upstream calls (faults retried: ${injected - jobs.length}), ${failures.length} failed`,
    );
    expect(failures).toEqual([]);
    // The faults were really there to rescue.
    expect(injected).toBeGreaterThan(jobs.length);
  }, 120_000);
});
