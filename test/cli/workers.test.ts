/**
 * `switchyard start --workers 2`: the primary and its workers all exit on SIGTERM once in-flight
 * streams have drained. A worker's IPC channel keeps its event loop alive, so each worker disconnects
 * itself after its own drain; a drained worker used to linger and the primary waited on it for ever.
 * Issue 10: /metrics answered from whichever worker took the connection, so counters jumped between
 * workers' values; every scrape must show the sum over all workers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { waitFor } from '../helpers/gateway.ts';
import { streamSignallingMidway } from '../helpers/signal-mid-stream.ts';

const bin = new URL('../../bin/switchyard.js', import.meta.url).pathname;
let fake: FakeServer;
let dir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-file'] });
  dir = await mkdtemp(join(tmpdir(), 'switchyard-workers-'));
});
afterAll(async () => {
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** One request on its own connection (no keep-alive), so node:cluster deals each to the next worker. */
function send(
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The sum of every switchyard_requests_total sample in a scrape. */
function requestsCounted(scrape: string): number {
  let total = 0;
  for (const line of scrape.split('\n')) {
    if (line.startsWith('switchyard_requests_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function startWorkers(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const path = join(dir, `switchyard-${port}.yaml`);
  await writeFile(
    path,
    `server:\n  port: ${port}\nproviders:\n  up:\n    type: openai\n    keys: [sk-file]\n    base_url: ${fake.url}/v1\nmodels:\n  m:\n    targets: [up/gpt-4.1]\n`,
  );
  const child = spawn(process.execPath, [bin, 'start', '--config', path, '--workers', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => {
    output += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    output += data.toString();
  });
  await waitFor(() => (output.match(/"msg":"listening"/g) ?? []).length === 2, 15_000, 'both workers');
  return { child, output: () => output };
}

describe('switchyard start --workers 2', () => {
  it('answers every /metrics scrape with the sum over both workers', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const { child } = await startWorkers(port);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      const sent = 7;
      for (let i = 0; i < sent; i++)
        expect((await send(port, 'POST', '/v1/chat/completions', body)).status).toBe(200);
      // Each scrape on a new connection, so both workers take some of them.
      for (let i = 0; i < 6; i++) {
        const scrape = await send(port, 'GET', '/metrics');
        expect(scrape.status).toBe(200);
        expect(requestsCounted(scrape.text)).toBe(sent);
        expect(scrape.text).toContain(
          'switchyard_requests_total{provider="up",status_class="2xx",stream="false"} 7',
        );
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('serves from every worker, drains an in-flight stream on SIGTERM and then exits', async () => {
    // Port 0 would give each worker its own port; a fixed one is what --workers shares.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const { child, output: logs } = await startWorkers(port);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
      const first = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(first.choices[0]?.message.content).toBeTruthy();

      fake.control.enqueue({ tokenIntervalMs: 30, reply: { content: 'one two three four five six' } });
      const text = await streamSignallingMidway(client, 'm', child, 'SIGTERM');
      expect(text).toBe('one two three four five six');
      expect(await exited).toBe(0);
      expect((logs().match(/"msg":"stopped"/g) ?? []).length).toBe(2);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
