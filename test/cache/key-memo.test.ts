/**
 * The key memo: a body that hit is remembered with its key, for the tenant that sent it and the config
 * snapshot it was computed under only; long bodies are not remembered.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledTenant, Snapshot } from '../../src/config/compile.ts';
import { KeyMemo, keyMemoFor } from '../../src/cache/key-memo.ts';

const acme = { name: 'acme' } as CompiledTenant;
const beta = { name: 'beta' } as CompiledTenant;

describe('KeyMemo', () => {
  it('answers with the remembered key for the same body and tenant only', () => {
    const memo = new KeyMemo();
    const body = '{"model":"smart","messages":[{"role":"user","content":"Hi"}]}';
    expect(memo.get(body, acme)).toBeUndefined();
    memo.remember(body, acme, 'key-acme');
    expect(memo.get(body, acme)).toBe('key-acme');
    expect(memo.get(body, beta)).toBeUndefined();
    expect(memo.get(body, undefined)).toBeUndefined();
    expect(memo.get(`${body} `, acme)).toBeUndefined();
    memo.remember(body, undefined, 'key-anonymous');
    expect(memo.get(body, undefined)).toBe('key-anonymous');
    expect(memo.get(body, acme)).toBeUndefined();
  });

  it('does not remember a body over 64 KiB', () => {
    const memo = new KeyMemo();
    const body = `{"content":"${'x'.repeat(64 * 1024)}"}`;
    memo.remember(body, acme, 'key');
    expect(memo.get(body, acme)).toBeUndefined();
  });

  it('stays within its bound, dropping the least recently used bodies', () => {
    const memo = new KeyMemo();
    const body = (i: number) => `{"n":${i},"pad":"${'p'.repeat(60_000)}"}`;
    for (let i = 0; i < 100; i++) memo.remember(body(i), acme, `key-${i}`);
    expect(memo.get(body(0), acme)).toBeUndefined();
    expect(memo.get(body(99), acme)).toBe('key-99');
  });

  it('keeps one memo per config snapshot, so a reload starts empty', () => {
    const first = {} as Snapshot;
    const second = {} as Snapshot;
    keyMemoFor(first).remember('{}', acme, 'key');
    expect(keyMemoFor(first).get('{}', acme)).toBe('key');
    expect(keyMemoFor(second).get('{}', acme)).toBeUndefined();
  });
});
