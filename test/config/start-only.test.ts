import { describe, expect, it } from 'vitest';
import { changedStartOnlyKeys } from '../../src/config/start-only.ts';
import { testConfig } from '../helpers/gateway.ts';

const providers = { openai: { type: 'openai', keys: ['k'] } };

describe('changedStartOnlyKeys', () => {
  it('names the keys read only at start whose value a reload changed, and nothing else', () => {
    const running = testConfig({ providers, cache: { max_bytes: 1_048_576 } });
    const reloaded = testConfig({
      providers,
      server: { port: 9999, request_timeout_ms: 5_000 },
      cache: { max_bytes: 2_097_152, ttl_s: 60 },
      logging: { queue_size: 500 },
      batch: { files_dir: '/tmp/elsewhere' },
    });
    expect(changedStartOnlyKeys(running, reloaded)).toEqual([
      'server.port',
      'cache.max_bytes',
      'logging.queue_size',
      'batch.files_dir',
    ]);
    expect(changedStartOnlyKeys(running, testConfig({ providers, cache: { max_bytes: 1_048_576 } }))).toEqual(
      [],
    );
  });
});
