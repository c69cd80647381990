/**
 * `npm start` as a newcomer runs it (issue 3, "Done when": it serves a completion to curl and to the
 * openai SDK): a real `npm start`, which prints the URL and the examples, answers them, and drains on
 * SIGTERM. Issue 10: the SIGTERM goes to the npm process, as a supervisor or Ctrl-C sends it; npm passes
 * it to the script's shell, so the script must `exec` the gateway for it to arrive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_KEY } from '../../src/demo/demo-config.ts';
import { waitFor } from '../helpers/gateway.ts';
import { streamSignallingMidway } from '../helpers/signal-mid-stream.ts';

const root = new URL('../../', import.meta.url).pathname;
let child: ChildProcess;
let output = '';
let url = '';
let exited: Promise<number | null>;

beforeAll(async () => {
  const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { scripts: { start: string } };
  expect(pkg.scripts.start).toBe('exec node bin/switchyard.js demo');
  // Plus a free port (8787 may be taken on a test machine) and no injected faults, so a single-target
  // request cannot fail by the luck of the draw.
  child = spawn('npm', ['start', '--', '--port', '0', '--fault-rate', '0'], {
    cwd: root,
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdout?.on('data', (data: Buffer) => {
    output += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    output += data.toString();
  });
  await waitFor(() => /demo is running at (http:\/\/\S+)/.test(output), 30_000, 'the demo banner');
  url = /demo is running at (http:\/\/\S+)/.exec(output)?.[1] ?? '';
}, 40_000);

afterAll(() => {
  child?.kill('SIGKILL');
});

describe('npm start (demo mode)', () => {
  it('prints the URL, a curl example and an OpenAI SDK example that point at it', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain(`curl ${url}/v1/chat/completions`);
    expect(output).toContain(`new OpenAI({ baseURL: '${url}/v1'`);
    expect(output).toContain(`${url}/v1/models`);
  });

  it("answers the banner's curl example, byte for byte the request it prints", async () => {
    const body = /-d '(\{.*\})'/.exec(output)?.[1];
    const authorization = /-H 'authorization: (Bearer \S+)'/.exec(output)?.[1];
    expect(body).toBeDefined();
    expect(authorization).toBe(`Bearer ${DEMO_TENANT_KEY}`);
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authorization as string },
      body,
    });
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('6000');
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const completion = (await response.json()) as OpenAI.ChatCompletion;
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBeTruthy();
  });

  it('serves the openai SDK, streaming and not, and lists its models', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: DEMO_TENANT_KEY, maxRetries: 0 });
    const reply = await client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'Hello!' }],
    });
    expect(reply.choices[0]?.message.content).toBeTruthy();
    const streamed = await client.chat.completions
      .stream({
        model: 'openai/gpt-4.1',
        messages: [{ role: 'user', content: 'Hello!' }],
        stream_options: { include_usage: true },
      })
      .finalChatCompletion();
    expect(streamed.choices[0]?.message.content).toBeTruthy();
    expect(streamed.usage?.completion_tokens).toBeGreaterThan(0);
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['smart', 'fast', 'sampled', 'reasoning']));
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('drains a stream in flight when npm gets SIGTERM, then the gateway and npm exit 0', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: DEMO_TENANT_KEY, maxRetries: 0 });
    const text = await streamSignallingMidway(client, 'openai/gpt-4.1', child, 'SIGTERM');
    expect(text.length).toBeGreaterThan(0);
    expect(await exited).toBe(0);
    expect(output).toContain('"signal":"SIGTERM"');
    expect(output).toContain('"msg":"stopped"');
    // The gateway itself is gone, not orphaned behind the npm process.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
