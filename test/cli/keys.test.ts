/**
 * `switchyard keys create|list|revoke` (docs/design.md §1, issue 11): the key alone on stdout's last line,
 * stored hashed, seen by a running gateway on the same store without a restart.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeys } from '../../src/cli/keys.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway } from '../helpers/gateway.ts';

let dir: string;
let configPath: string;
let fake: FakeServer;

async function keys(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runKeys(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {},
  });
  return { code, stdout, stderr };
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function document(url: string) {
  return {
    providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${url}/v1` } },
    tenants: { acme: {} },
    limits: { key_refresh_ms: 100 },
    store: `sqlite:${join(dir, 'store.db')}`,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-keys-'));
  fake = await startFakeOpenAI({ keys: ['sk-up'] });
  configPath = join(dir, 'switchyard.yaml');
  await writeFile(configPath, JSON.stringify(document(fake.url)));
});

afterAll(async () => {
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('switchyard keys', () => {
  it('answers --help and refuses a bad command line', async () => {
    const help = await keys(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('keys create --tenant NAME');
    expect((await keys(['create', '--help'])).code).toBe(0);
    expect((await keys(['create', '--config', configPath])).code).toBe(2);
    expect((await keys(['frobnicate'])).code).toBe(2);
    // A stray word is a mistake to say, not to drop: `keys create extra --tenant acme` would create a key.
    const stray = await keys(['create', 'extra', '--tenant', 'acme', '--config', configPath]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("got 'extra'");
    expect((await keys(['list', 'extra', '--config', configPath])).code).toBe(2);
  });

  it('refuses an empty --models, which would make a key no model accepts', async () => {
    const empty = await keys(['create', '--tenant', 'acme', '--models', ' , ', '--config', configPath]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("'models' must name at least one model");
    expect(empty.stdout).toBe('');
  });

  it('creates a key a running gateway accepts within seconds, lists it without the key, revokes it', async () => {
    const gw = await startTestGateway(document(fake.url), {
      store: await openStore(`sqlite:${join(dir, 'store.db')}`),
    });
    try {
      const created = await keys(['create', '--tenant', 'acme', '--name', 'ci', '--config', configPath]);
      expect(created.code).toBe(0);
      const key = created.stdout.trimEnd().split('\n').at(-1) ?? '';
      expect(key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
      const raw = await readFile(join(dir, 'store.db'));
      expect(raw.includes(Buffer.from(key))).toBe(false);

      const ask = () =>
        fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
      await eventually(async () => (await ask()) === 200, 'the gateway to accept the new key');

      const listed = await keys(['list', '--tenant', 'acme', '--config', configPath]);
      expect(listed.stdout).not.toContain(key);
      const id = JSON.parse(listed.stdout.trim().split('\n')[0] ?? '{}').id as string;
      expect(id).toMatch(/^key_/);

      expect((await keys(['revoke', id, '--config', configPath])).code).toBe(0);
      await eventually(async () => (await ask()) === 401, 'the gateway to refuse the revoked key');
      expect((await keys(['revoke', id, '--config', configPath])).code).toBe(1);
    } finally {
      await gw.stop();
    }
  });

  it('refuses a key for an unknown tenant, naming it', async () => {
    const result = await keys(['create', '--tenant', 'nobody', '--config', configPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("'nobody'");
  });
});
