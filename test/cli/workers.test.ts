/**
 * `switchyard start --workers 2`: the primary and its workers all exit on SIGTERM once in-flight
 * streams have drained. A worker's IPC channel keeps its event loop alive, so each worker disconnects
 * itself after its own drain; a drained worker used to linger and the primary waited on it for ever.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

describe('switchyard start --workers 2', () => {
  it('serves from every worker, drains an in-flight stream on SIGTERM and then exits', async () => {
    // Port 0 would give each worker its own port; a fixed one is what --workers shares.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const path = join(dir, 'switchyard.yaml');
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
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => (output.match(/"msg":"listening"/g) ?? []).length === 2, 15_000, 'both workers');
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
      expect((output.match(/"msg":"stopped"/g) ?? []).length).toBe(2);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
