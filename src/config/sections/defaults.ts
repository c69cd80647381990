// Defaults for the server, provider, model and storage settings.
// docs/configuration.md explains every one; keep the two in step.
// The resilience sections keep theirs in resilience.ts.

import { MIB } from './values.ts';

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8787,
  bodyLimitBytes: 32 * MIB,
  requestTimeoutMs: 600_000,
  shutdownGraceMs: 25_000,
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 300_000,
  // Between two chunks once a stream has started: tokens come every few tens of ms and providers ping
  // every few seconds, so ten seconds of silence is a stall. Thinking before the first token is the
  // first-token deadline's to bound, not this one's.
  idleTimeoutMs: 10_000,
  firstTokenDeadline: { multiple: 4, floorMs: 10_000, minSamples: 20 },
  maxConnections: 1024,
  strategy: 'fallback',
  state: 'memory',
  store: 'sqlite:./data/switchyard.db',
} as const;
