/**
 * `switchyard start` as a user runs it: a real child process with a config file, reloading when the
 * file changes and draining in-flight streams on SIGTERM before it exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/cli/start.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { waitFor } from '../helpers/gateway.ts';
import { streamSignallingMidway } from '../helpers/signal-mid-stream.ts';

const bin = new URL('../../bin/switchyard.js', import.meta.url).pathname;
let fake: FakeServer;
let dir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-file'] });
  dir = await mkdtemp(join(tmpdir(), 'switchyard-start-'));
});
afterAll(async () => {
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

function configText(models: string): string {
  return `server:\n  port: 0\nproviders:\n  up:\n    type: openai\n    keys: [\${UP_KEY}]\n    base_url: ${fake.url}/v1\nmodels:\n${models}`;
}

async function startCli(
  configPath: string,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [bin, 'start', '--config', configPath], {
    env: { ...process.env, UP_KEY: 'sk-file', SWITCHYARD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => {
    output += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    output += data.toString();
  });
  await waitFor(() => /listening on (http:\/\/\S+)/.test(output), 15_000, 'the gateway to listen');
  const url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? '';
  return { child, url, output: () => output };
}

/** Runs the CLI until it exits on its own (a refusal to start) and returns its exit code and stderr. */
async function runCliToExit(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stderr };
}

describe('switchyard start', () => {
  it('serves the config file, reloads it on change, keeps the old one when the new one is invalid, and drains on SIGTERM', async () => {
    const path = join(dir, 'switchyard.yaml');
    await writeFile(path, configText('  first:\n    targets: [up/gpt-4.1]\n'));
    const { child, url, output } = await startCli(path);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    try {
      const first = await client.chat.completions.create({
        model: 'first',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(first.choices[0]?.message.content).toBeTruthy();

      // The new config carries a hedge, enforced since issue 13: the reload warns about nothing (the
      // not-yet-enforced list is empty; test/config/not-yet-enforced.test.ts).
      await writeFile(
        path,
        configText('  second:\n    targets: [up/gpt-4.1-mini, up/gpt-4.1]\n    hedge: { after_ms: 200 }\n'),
      );
      await waitFor(() => output().includes('config reloaded'), 10_000, 'the reload');
      expect(output()).not.toContain('models.second.hedge');
      const second = await client.chat.completions.create({
        model: 'second',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(second.choices[0]?.message.content).toBeTruthy();

      await writeFile(path, configText('  third:\n    targets: [nowhere/gpt-4.1]\n'));
      await waitFor(() => output().includes('config reload rejected'), 10_000, 'the rejection');
      const still = await client.chat.completions.create({
        model: 'second',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(still.choices[0]?.message.content).toBeTruthy();

      fake.control.enqueue({
        tokenIntervalMs: 30,
        reply: { content: 'one two three four five six seven eight nine ten' },
      });
      const text = await streamSignallingMidway(client, 'second', child, 'SIGTERM');
      expect(text).toBe('one two three four five six seven eight nine ten');
      expect(await exited).toBe(0);
      expect(output()).toContain('draining');
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('refuses to start on an invalid config and prints every problem with its path', async () => {
    const path = join(dir, 'broken.yaml');
    await writeFile(
      path,
      'providers:\n  up:\n    type: openia\n    keys: []\nmodels:\n  m:\n    targets: [ghost/x]\n',
    );
    const { code, stderr } = await runCliToExit(['start', '--config', path]);
    expect(code).toBe(1);
    expect(stderr).toContain('providers.up.type');
    expect(stderr).toContain('models.m.targets[0]');
  }, 20_000);
});

describe('switchyard start, reload on SIGHUP', () => {
  it('reloads on SIGHUP while a stream started before it finishes whole', async () => {
    const path = join(dir, 'hangup.yaml');
    await writeFile(path, configText('  first:\n    targets: [up/gpt-4.1]\n'));
    const { child, url, output } = await startCli(path);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const version = async () =>
      ((await (await fetch(`${url}/readyz`)).json()) as { config_version: number }).config_version;
    try {
      expect(await version()).toBe(1);
      fake.control.enqueue({
        tokenIntervalMs: 30,
        reply: { content: 'one two three four five six seven eight nine ten' },
      });
      // The file is unchanged, so only the signal can cause this reload.
      const text = await streamSignallingMidway(client, 'first', child, 'SIGHUP');
      expect(text).toBe('one two three four five six seven eight nine ten');
      await waitFor(() => output().includes('config reloaded'), 10_000, 'the SIGHUP reload');
      expect(await version()).toBe(2);
      const after = await client.chat.completions.create({
        model: 'first',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(after.choices[0]?.message.content).toBeTruthy();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});

describe('switchyard start without a config file', () => {
  const io = (env: Record<string, string>) => {
    let stderr = '';
    return {
      io: { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) }, env },
      stderr: () => stderr,
    };
  };

  // In-process and in an empty directory, so ./switchyard.yaml is absent and no request leaves the
  // machine (serving this config would pre-warm a connection to the real api.openai.com).
  async function inEmptyDir<T>(run: () => Promise<T>): Promise<T> {
    const empty = await mkdtemp(join(tmpdir(), 'switchyard-noconfig-'));
    const previous = process.cwd();
    process.chdir(empty);
    try {
      return await run();
    } finally {
      process.chdir(previous);
      await rm(empty, { recursive: true, force: true });
    }
  }

  it('builds its config from the provider keys in the environment, and says so', async () => {
    const { io: cliIo, stderr } = io({ OPENAI_API_KEY: 'sk-a,sk-b', MISTRAL_API_KEY: 'm-key' });
    const resolved = await inEmptyDir(() => resolveConfig(undefined, cliIo));
    expect(resolved?.path).toBeUndefined();
    expect(Object.keys(resolved?.config.providers ?? {})).toEqual(['openai', 'mistral']);
    expect(resolved?.config.providers.openai?.keys).toEqual(['sk-a', 'sk-b']);
    expect(stderr()).toContain('using providers from the environment: openai, mistral');
  });

  it('prefers ./switchyard.yaml over keys in the environment', async () => {
    const { io: cliIo, stderr } = io({ OPENAI_API_KEY: 'sk-env', UP_KEY: 'sk-file' });
    const resolved = await inEmptyDir(async () => {
      await writeFile('switchyard.yaml', configText('  first:\n    targets: [up/gpt-4.1]\n'));
      return resolveConfig(undefined, cliIo);
    });
    expect(resolved?.path).toBe('switchyard.yaml');
    expect(Object.keys(resolved?.config.providers ?? {})).toEqual(['up']);
    expect(stderr()).toBe('');
  });

  it('exits 1 and says what to do when there is neither a file nor a key', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'switchyard-nothing-'));
    try {
      const { code, stderr } = await runCliToExit(['start'], {
        cwd: empty,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(code).toBe(1);
      expect(stderr).toContain('No config');
      expect(stderr).toContain('OPENAI_API_KEY');
      expect(stderr).toContain('npm start');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  }, 20_000);
});
