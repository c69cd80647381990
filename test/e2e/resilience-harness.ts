/**
 * The real gateway for resilience tests: like test/helpers/gateway.ts, plus a chosen state store
 * (memory, or a RedisState for the shared-state tests), log lines stamped with their arrival time, and
 * a small traffic driver that runs N requests at a fixed concurrency.
 */
import OpenAI from 'openai';
import pino from 'pino';
import { createMetrics, type GatewayMetrics } from '../../src/observability/metrics.ts';
import { Gateway } from '../../src/server/gateway.ts';
import type { StateStore } from '../../src/state/types.ts';
import { testConfig } from '../helpers/gateway.ts';

/**
 * Rate limits far above what a test sends. The fakes enforce OpenAI's per-model limits faithfully
 * (10,000 requests a minute by default), and these suites push thousands of requests through one fake
 * in seconds: a 429 from the healthy fallback would be a test artefact, not the outage under test.
 */
export const UNLIMITED = { requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000_000 };

export interface LogLine extends Record<string, unknown> {
  /** Date.now() when the line was written. */
  at: number;
  msg?: string;
}

export interface ResilienceGateway {
  gateway: Gateway;
  url: string;
  client: OpenAI;
  logs: LogLine[];
  metrics: GatewayMetrics;
  stop(): Promise<void>;
}

export async function startGateway(
  document: Record<string, unknown>,
  options: { state?: StateStore; random?: () => number; clock?: () => number } = {},
): Promise<ResilienceGateway> {
  const logs: LogLine[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) =>
        logs.push({ ...(JSON.parse(line) as Record<string, unknown>), at: Date.now() }),
    },
  );
  const metrics = createMetrics({ defaultMetrics: false });
  const gateway = new Gateway({
    config: testConfig(document),
    services: { logger, metrics, random: options.random ?? Math.random },
    routing: { state: options.state, clock: options.clock },
  });
  const address = await gateway.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}`;
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 15_000 });
  return { gateway, url, client, logs, metrics, stop: () => gateway.shutdown(1000) };
}

export interface Outcome {
  ok: boolean;
  provider: string | null;
  attempts: number;
  status: number;
  startedAt: number;
  endedAt: number;
}

/** One non-streaming request, as a user sees it: success or the error's status, and the headers. */
export async function ask(client: OpenAI, model: string, content = 'hi'): Promise<Outcome> {
  const startedAt = Date.now();
  try {
    const { response } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content }], max_tokens: 5 })
      .withResponse();
    return {
      ok: true,
      provider: response.headers.get('x-switchyard-provider'),
      attempts: Number(response.headers.get('x-switchyard-attempts')),
      status: response.status,
      startedAt,
      endedAt: Date.now(),
    };
  } catch (error) {
    const apiError = error as { status?: number; headers?: Headers };
    return {
      ok: false,
      provider: null,
      attempts: Number(apiError.headers?.get('x-switchyard-attempts') ?? 0),
      status: apiError.status ?? 0,
      startedAt,
      endedAt: Date.now(),
    };
  }
}

/** Runs `count` calls of `send`, `concurrency` at a time; results in call order. */
export async function drive<T>(
  count: number,
  concurrency: number,
  send: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await send(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** The request log lines (one per client request), with their attempts. */
export function requestLines(
  logs: LogLine[],
): Array<LogLine & { attempts: Array<{ target: string; outcome: string }> }> {
  return logs.filter((line) => line.msg === 'request') as Array<
    LogLine & { attempts: Array<{ target: string; outcome: string }> }
  >;
}

export function breakerTransitions(logs: LogLine[], target: string): Array<{ at: number; state: string }> {
  return logs
    .filter((line) => line.msg === 'circuit breaker changed state' && line.target === target)
    .map((line) => ({ at: line.at, state: String(line.breaker) }));
}
