// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text, and ${VAR} is its syntax.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../../src/config/errors.ts';
import type { Config } from '../../src/config/schema.ts';
import type { ConfigWatcher } from '../../src/config/watch.ts';
import { watchConfig } from '../../src/config/watch.ts';

const configWithPort = (port: number) =>
  `server:\n  port: ${port}\nproviders:\n  openai: {type: openai, keys: [\${KEY}]}\n`;
const env = { KEY: 'sk-watch-test' };

// Writes the way careful editors do (a new file renamed over the old), so no
// reader can see a half-written file.
async function replace(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('watchConfig', () => {
  let dir: string;
  let file: string;
  let watcher: ConfigWatcher | undefined;
  let reloaded: Config[];
  let rejected: ConfigIssue[][];

  const start = async () => {
    watcher = watchConfig(file, env, {
      onReload: (config) => reloaded.push(config),
      onReject: (issues) => rejected.push(issues),
    });
    await watcher.ready;
    return watcher;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-watch-'));
    file = join(dir, 'switchyard.yaml');
    await writeFile(file, configWithPort(8000));
    reloaded = [];
    rejected = [];
  });

  afterEach(async () => {
    watcher?.close();
    watcher = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('reloads when the file is written in place', async () => {
    await start();
    await writeFile(file, configWithPort(8001));
    await until(() => reloaded.length > 0, 'a reload');
    expect(reloaded.at(-1)?.server.port).toBe(8001);
    expect(rejected).toEqual([]);
  });

  it('reloads when an editor replaces the file by renaming a new one over it', async () => {
    await start();
    const temporary = join(dir, '.switchyard.yaml.swp');
    await writeFile(temporary, configWithPort(8002));
    await rename(temporary, file);
    await until(() => reloaded.some((config) => config.server.port === 8002), 'a reload after rename');
    // And keeps watching the new file.
    await writeFile(file, configWithPort(8003));
    await until(() => reloaded.some((config) => config.server.port === 8003), 'a second reload');
  });

  it('rejects an invalid change, and reloads once it is fixed', async () => {
    await start();
    await replace(file, 'server:\n  prot: 1\nproviders:\n  openai: {type: openai, keys: [${KEY}]}\n');
    await until(() => rejected.length > 0, 'a rejection');
    expect(rejected[0]).toEqual([{ path: 'server.prot', message: 'unknown key (did you mean "port"?)' }]);
    expect(reloaded).toEqual([]);

    await replace(file, configWithPort(8004));
    await until(() => reloaded.length > 0, 'a reload after the fix');
    expect(reloaded[0]?.server.port).toBe(8004);
  });

  it('does not reload when a save leaves the text unchanged, or another file changes', async () => {
    await start();
    await replace(file, configWithPort(8000));
    await writeFile(join(dir, 'notes.txt'), 'unrelated');
    // A real change afterwards proves the earlier events were seen and skipped, not still pending.
    await replace(file, configWithPort(8005));
    await until(() => reloaded.length > 0, 'a reload');
    expect(reloaded.map((config) => config.server.port)).toEqual([8005]);
  });

  it('reloads on SIGHUP even when nothing changed', async () => {
    await start();
    process.emit('SIGHUP', 'SIGHUP');
    await until(() => reloaded.length > 0, 'a reload on SIGHUP');
    expect(reloaded[0]?.server.port).toBe(8000);
  });

  it('reload() reports a deleted file and keeps the old config', async () => {
    const running = await start();
    await rm(file);
    await running.reload();
    expect(rejected.at(-1)).toEqual([{ path: file, message: 'config file not found' }]);
    expect(reloaded).toEqual([]);
  });

  it('reports a failure to apply a valid config as a rejection', async () => {
    watcher = watchConfig(file, env, {
      onReload: () => {
        throw new Error('port in use');
      },
      onReject: (issues) => rejected.push(issues),
    });
    await watcher.ready;
    await watcher.reload();
    expect(rejected).toEqual([
      [{ path: file, message: 'the new config is valid but applying it failed: port in use' }],
    ]);
  });

  it('stops reloading once closed', async () => {
    const running = await start();
    const listeners = process.listenerCount('SIGHUP');
    running.close();
    expect(process.listenerCount('SIGHUP')).toBe(listeners - 1);
    await running.reload();
    expect(reloaded).toEqual([]);
  });
});
