/**
 * `npm start` as a newcomer runs it (issue 3, "Done when": it serves a completion to curl and to the
 * openai SDK): a real child process running exactly the package's start script, which prints the URL
 * and the examples, answers them, and drains on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/gateway.ts';

const root = new URL('../../', import.meta.url).pathname;
let child: ChildProcess;
let output = '';
let url = '';
let exited: Promise<number | null>;

beforeAll(async () => {
  const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { scripts: { start: string } };
  expect(pkg.scripts.start).toBe('node src/cli/main.ts demo');
  // The start script's own arguments, plus a free port (8787 may be taken on a test machine) and no
  // injected faults, so a single-target request cannot fail by the luck of the draw.
  child = spawn(process.execPath, ['src/cli/main.ts', 'demo', '--port', '0', '--fault-rate', '0'], {
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
  await waitFor(() => /demo is running at (http:\/\/\S+)/.test(output), 15_000, 'the demo banner');
  url = /demo is running at (http:\/\/\S+)/.exec(output)?.[1] ?? '';
});

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
    expect(body).toBeDefined();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const completion = (await response.json()) as OpenAI.ChatCompletion;
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBeTruthy();
  });

  it('serves the openai SDK, streaming and not, and lists its models', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-in-demo', maxRetries: 0 });
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

  it('stops on SIGTERM with exit code 0', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('stopped');
  });
});
