/**
 * Issue 10: a taken port printed a stack trace. `start`, `start --workers 2` and `demo` must say so in one
 * line on stderr that names the address and --port, and exit 1 (the workers case once, not per worker,
 * and without respawning workers for ever).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeListenError } from '../../src/cli/listen-error.ts';

const bin = new URL('../../bin/switchyard.js', import.meta.url).pathname;
let taken: Server;
let port: number;
let dir: string;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as { port: number }).port;
  dir = await mkdtemp(join(tmpdir(), 'switchyard-listen-'));
});
afterAll(async () => {
  await new Promise((resolve) => taken?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function expectOneHintLine(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toEqual([
    `Cannot listen on 127.0.0.1:${port}: the port is already in use. Pick a free one with --port N (or stop what is using it).`,
  ]);
}

describe('a port that is already in use', () => {
  it('switchyard demo says so in one line and exits 1', async () => {
    const { code, stderr } = await runCli(['demo', '--port', String(port)]);
    expect(code).toBe(1);
    expectOneHintLine(stderr);
  });

  it('switchyard start says so in one line and exits 1', async () => {
    const path = join(dir, 'one.yaml');
    await writeFile(
      path,
      `server:\n  port: ${port}\nproviders:\n  up:\n    type: openai\n    keys: [sk-x]\n    base_url: http://127.0.0.1:9/v1\nmodels:\n  m:\n    targets: [up/gpt-4.1]\n`,
    );
    const { code, stderr } = await runCli(['start', '--config', path]);
    expect(code).toBe(1);
    expectOneHintLine(stderr);
  });

  it('switchyard start --workers 2 says so once, stops its workers and exits 1', async () => {
    const path = join(dir, 'two.yaml');
    await writeFile(
      path,
      `providers:\n  up:\n    type: openai\n    keys: [sk-x]\n    base_url: http://127.0.0.1:9/v1\nmodels:\n  m:\n    targets: [up/gpt-4.1]\n`,
    );
    const { code, stderr } = await runCli([
      'start',
      '--config',
      path,
      '--port',
      String(port),
      '--workers',
      '2',
    ]);
    expect(code).toBe(1);
    expectOneHintLine(stderr);
  });
});

describe('describeListenError', () => {
  const failure = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

  it('names the address and the flag that fixes it', () => {
    expect(describeListenError(failure('EACCES'), 80, '0.0.0.0')).toContain('0.0.0.0:80: permission denied');
    expect(describeListenError(failure('EACCES'), 80, '0.0.0.0')).toContain('--port N');
    expect(describeListenError(failure('EADDRNOTAVAIL'), 8787, '10.9.9.9')).toContain('--host H');
  });

  it('leaves other errors to surface as they are', () => {
    expect(describeListenError(new Error('boom'), 8787, '127.0.0.1')).toBeUndefined();
    expect(describeListenError(undefined, 8787, '127.0.0.1')).toBeUndefined();
  });
});

describe('a store that cannot be opened at start', () => {
  it('switchyard start says so in one line, without the password, and exits 1', async () => {
    const path = join(dir, 'store.yaml');
    // The port `taken` listens on speaks no PostgreSQL; a closed one refuses: either way, no store.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    await writeFile(
      path,
      `store: postgres://sy:hunter2secret@127.0.0.1:${closedPort}/switchyard\nproviders:\n  up:\n    type: openai\n    keys: [sk-x]\n    base_url: http://127.0.0.1:9/v1\nmodels:\n  m:\n    targets: [up/gpt-4.1]\n`,
    );
    const { code, stderr } = await runCli(['start', '--config', path, '--port', '0']);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot open the store postgres:\/\/.*ECONNREFUSED/);
    expect(stderr).not.toContain('hunter2secret');
  });
});
