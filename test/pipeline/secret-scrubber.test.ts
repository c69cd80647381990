import { describe, expect, it } from 'vitest';
import { SecretScrubber, scrubberFor, upstreamSecretsOf } from '../../src/pipeline/secret-scrubber.ts';
import { testConfig } from '../helpers/gateway.ts';

const KEY = 'sk-live-0123456789abcdef';
const ODD_KEY = 'AIza+key/with=odd&chars';

describe('SecretScrubber', () => {
  // Issue 10: an upstream echoing our Authorization header reached the client and the log verbatim.
  it('removes a key in every form an upstream echoes it: raw, Bearer, x-api-key, URL query', () => {
    const scrubber = new SecretScrubber([KEY, ODD_KEY]);
    const echoed = [
      `Invalid header Authorization: Bearer ${KEY}.`,
      `x-api-key: ${KEY}`,
      `GET https://proxy.example/v1beta/models?key=${encodeURIComponent(ODD_KEY)}&alt=sse failed`,
      `raw ${ODD_KEY} and ${KEY}${KEY}`,
    ].join('\n');
    const scrubbed = scrubber.scrub(echoed);
    expect(scrubbed).not.toContain(KEY);
    expect(scrubbed).not.toContain(ODD_KEY);
    expect(scrubbed).not.toContain(encodeURIComponent(ODD_KEY));
    expect(scrubbed).toBe(
      [
        'Invalid header Authorization: Bearer [redacted].',
        'x-api-key: [redacted]',
        'GET https://proxy.example/v1beta/models?key=[redacted]&alt=sse failed',
        'raw [redacted] and [redacted][redacted]',
      ].join('\n'),
    );
  });

  it('matches a short secret only as a whole token, so ordinary words survive', () => {
    const scrubber = new SecretScrubber(['k', 'right']);
    expect(scrubber.scrub('key k is not right; Bearer right')).toBe(
      'key [redacted] is not [redacted]; Bearer [redacted]',
    );
    expect(scrubber.scrub('alright, keys')).toBe('alright, keys');
  });

  it('leaves text alone when no secret is configured', () => {
    expect(new SecretScrubber(['']).scrub('Bearer anything')).toBe('Bearer anything');
  });

  it('collects every provider key and credential-bearing extra header of a config, once per snapshot', () => {
    const config = testConfig({
      providers: {
        a: { type: 'openai', keys: [KEY, 'sk-second-key-000000'] },
        b: {
          type: 'openai-compatible',
          base_url: 'http://127.0.0.1:9/v1',
          keys: [],
          headers: { 'cf-aig-authorization': 'Bearer gateway-token-123456', 'x-title': 'Switchyard' },
        },
      },
    });
    expect(upstreamSecretsOf(config).sort()).toEqual(
      [KEY, 'sk-second-key-000000', 'Bearer gateway-token-123456', 'gateway-token-123456'].sort(),
    );
    const snapshot = { config };
    expect(scrubberFor(snapshot)).toBe(scrubberFor(snapshot));
    expect(scrubberFor(snapshot).scrub('token gateway-token-123456 title Switchyard')).toBe(
      'token [redacted] title Switchyard',
    );
  });
});
