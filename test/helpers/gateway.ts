/**
 * Starts the real gateway on an ephemeral port for end-to-end tests, with a config given as a plain
 * object (validated exactly as a YAML file would be) and a logger that captures lines in memory.
 */
import OpenAI from 'openai';
import pino from 'pino';
import { type Config, validateConfig } from '../../src/config/schema.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { Gateway } from '../../src/server/gateway.ts';
import type { StateStore } from '../../src/state/types.ts';
import type { Store } from '../../src/store/types.ts';

export interface TestGateway {
  gateway: Gateway;
  url: string;
  /** OpenAI SDK pointed at the gateway, no retries, so a test sees exactly what the gateway answered. */
  client: OpenAI;
  /** Log lines the gateway wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export function testConfig(document: Record<string, unknown>): Config {
  const result = validateConfig(document);
  if (!result.ok) throw new Error(`test config is invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

export async function startTestGateway(
  document: Record<string, unknown>,
  options: { random?: () => number; apiKey?: string; store?: Store; state?: StateStore } = {},
): Promise<TestGateway> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const gateway = new Gateway({
    config: testConfig(document),
    services: {
      logger,
      metrics: createMetrics({ defaultMetrics: false }),
      random: options.random ?? Math.random,
    },
    store: options.store,
    routing: options.state === undefined ? undefined : { state: options.state },
  });
  const address = await gateway.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}`;
  const client = new OpenAI({
    baseURL: `${url}/v1`,
    apiKey: options.apiKey ?? 'unused',
    maxRetries: 0,
    timeout: 15_000,
  });
  return { gateway, url, client, logs, stop: () => gateway.shutdown(1000) };
}

/** Polls until `check` returns true or the deadline passes; for events with no hook to await. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
