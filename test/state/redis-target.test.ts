import { describe, expect, it } from 'vitest';
import { parseRedisTarget } from '../../src/state/redis-target.ts';

describe('parseRedisTarget', () => {
  it('passes redis:// and rediss:// URLs through to ioredis', () => {
    expect(parseRedisTarget('redis://127.0.0.1:6379/15')).toEqual({
      kind: 'single',
      url: 'redis://127.0.0.1:6379/15',
    });
    expect(parseRedisTarget('rediss://u:p@cache:6380')).toEqual({
      kind: 'single',
      url: 'rediss://u:p@cache:6380',
    });
  });

  it('reads a cluster as its seed nodes, with credentials and TLS', () => {
    expect(parseRedisTarget('redis-cluster://10.0.0.1:7000,10.0.0.2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    });
    expect(parseRedisTarget('rediss-cluster://app:s%40cret@[::1]:7000')).toEqual({
      kind: 'cluster',
      nodes: [{ host: '::1', port: 7000 }],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
  });

  it('reads Sentinels with the master name and an optional db', () => {
    expect(parseRedisTarget('redis-sentinel://:pw@s1:26379,s2:26380/mymaster/2')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'mymaster',
      db: 2,
      password: 'pw',
      tls: false,
    });
    expect(parseRedisTarget('redis-sentinel://s1:26379/mymaster')).toMatchObject({ name: 'mymaster', db: 0 });
  });

  it('refuses malformed settings without repeating them (they may hold a password)', () => {
    const bad = [
      'redis:/nohost',
      'redis-cluster://h1',
      'redis-cluster://h1:7000,h2:notaport',
      'redis-cluster://h1:7000/3',
      'redis-sentinel://s1:26379',
      'redis-sentinel://s1:26379/m/x',
      'redis-sentinel://user:hunter2@s1:99999/m',
      'memcached://h:1',
    ];
    for (const setting of bad) {
      const result = parseRedisTarget(setting);
      expect(typeof result, setting).toBe('string');
      expect(result).not.toContain('hunter2');
    }
  });
});
