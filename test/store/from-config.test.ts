/** The `store` setting to a store, and the errors a wrong one gives (never showing a password). */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeStoreSetting, openStore } from '../../src/store/from-config.ts';

const folder = mkdtempSync(join(tmpdir(), 'sy-store-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function failure(setting: string): Promise<Error> {
  try {
    const store = await openStore(setting);
    await store.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error(`openStore('${setting}') succeeded`);
}

describe('openStore', () => {
  it('opens sqlite::memory:', async () => {
    const store = await openStore('sqlite::memory:');
    expect(store.kind).toBe('sqlite');
    await store.ping();
    await store.close();
  });

  it('opens sqlite:PATH relative to the working directory, creating the folders', async () => {
    const path = join(folder, 'a', 'b', 'switchyard.db');
    const store = await openStore(`sqlite:${relative(process.cwd(), path)}`);
    expect(existsSync(path)).toBe(true);
    await store.close();
  });

  it('names the setting when the SQLite file cannot be created', async () => {
    const blocker = join(folder, 'a-file');
    writeFileSync(blocker, '');
    const error = await failure(`sqlite:${blocker}/db/switchyard.db`);
    expect(error.message).toContain(`Could not open the store 'sqlite:${blocker}/db/switchyard.db'`);
    expect(error.cause).toBeDefined();
    expect((await failure('sqlite:')).message).toContain('names no file');
  });

  it('names an unreachable PostgreSQL without its password', async () => {
    const error = await failure('postgres://switchyard:s3cr3t-pw@127.0.0.1:1/gateway');
    expect(error.message).toContain(
      "Could not open the store 'postgres://switchyard:***@127.0.0.1:1/gateway'",
    );
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('s3cr3t-pw');
  });

  it('refuses an unknown scheme, masking a password in it too', async () => {
    const error = await failure('mysql://root:hunter2@db/switchyard');
    expect(error.message).toContain('not supported');
    expect(error.message).toContain('mysql://root:***@db/switchyard');
    expect(error.message).not.toContain('hunter2');
  });

  it('describes a malformed URL by its scheme alone', () => {
    expect(describeStoreSetting('postgresql://u:p@[bad')).toBe('postgresql://… (not a valid URL)');
    expect(describeStoreSetting('sqlite:./data/x.db')).toBe('sqlite:./data/x.db');
  });
});
