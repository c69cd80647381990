/** Opening a SQLite store retries the steps SQLite may refuse with SQLITE_BUSY at once (sqlite.ts). */
import { describe, expect, it } from 'vitest';
import { retryWhileBusy } from '../../src/store/sqlite.ts';

function sqliteError(errcode: number): Error {
  return Object.assign(new Error('database is locked'), { code: 'ERR_SQLITE_ERROR', errcode });
}

describe('retryWhileBusy', () => {
  it('runs the step again while SQLite says busy (extended codes included), then returns', () => {
    let calls = 0;
    retryWhileBusy(() => {
      calls++;
      if (calls === 1) throw sqliteError(5);
      if (calls === 2) throw sqliteError(517); // SQLITE_BUSY_SNAPSHOT
    }, 1000);
    expect(calls).toBe(3);
  });

  it('rethrows any other error at once', () => {
    let calls = 0;
    expect(() =>
      retryWhileBusy(() => {
        calls++;
        throw sqliteError(11); // SQLITE_CORRUPT
      }, 1000),
    ).toThrow('database is locked');
    expect(calls).toBe(1);
  });

  it('gives up after the busy timeout with the last error', () => {
    const started = Date.now();
    expect(() =>
      retryWhileBusy(() => {
        throw sqliteError(5);
      }, 100),
    ).toThrow('database is locked');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});
