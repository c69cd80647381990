import { afterAll, describe, expect, it } from 'vitest';
import { parseLine } from '../../src/batch/intake.ts';
import { compileConfig } from '../../src/config/compile.ts';
import { UpstreamPools } from '../../src/transport/pools.ts';
import { testConfig } from '../helpers/gateway.ts';

const ENDPOINT = '/v1/chat/completions';
const pools = new UpstreamPools();
const snapshot = compileConfig(
  testConfig({
    providers: { openai: { type: 'openai', keys: ['sk-a'], base_url: 'http://127.0.0.1:9/v1' } },
    models: { smart: { targets: ['openai/gpt-4.1'] } },
  }),
  pools,
  1,
);
afterAll(() => pools.destroy());

function line(body: string): string {
  return `{"custom_id":"c1","method":"POST","url":"${ENDPOINT}","body":${body}}`;
}

describe('parseLine', () => {
  it('reads a good line into its target and request', () => {
    const parsed = parseLine(
      line('{"model":"smart","messages":[{"role":"user","content":"hi"}]}'),
      1,
      ENDPOINT,
      snapshot,
      undefined,
    );
    expect(parsed).toMatchObject({ customId: 'c1', target: 'openai/gpt-4.1' });
  });

  it('fails a body nested past the limit as that line only, even deeper than JSON.stringify can go', () => {
    for (const levels of [100, 200_000]) {
      const deep = `${'['.repeat(levels)}1${']'.repeat(levels)}`;
      const body = `{"model":"smart","messages":[{"role":"user","content":"hi"}],"metadata":{"a":${deep}}}`;
      const parsed = parseLine(line(body), 2, ENDPOINT, snapshot, undefined);
      expect(parsed).toMatchObject({ customId: 'c1', code: 'nesting_too_deep' });
    }
  });
});
