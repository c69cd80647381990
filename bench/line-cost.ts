/**
 * What one request log line costs, write included: the gateway's own logger (src/observability/logger.ts)
 * and request-line writer, writing a cache hit's line to a file, yielding to the event loop every 50
 * lines as a busy gateway does between requests. Prints wall and CPU time per line (user and system:
 * the thread-pool writes show up in both).
 *
 *   node bench/line-cost.ts [--lines 200000] [--to FILE]   (default: a temp file; /dev/null leaves the disk out)
 */
import { openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptArgs } from '../scripts/command-line.ts';
import { createLogger } from '../src/observability/logger.ts';
import { requestLineWriter } from '../src/observability/request-line.ts';

const { values } = scriptArgs({
  options: {
    lines: { type: 'string', default: '200000' },
    to: { type: 'string' },
  },
});
const lines = Number(values.lines);
const path = values.to ?? join(tmpdir(), `switchyard-line-cost-${process.pid}.log`);
const logger = createLogger({ destination: openSync(path, 'w') });
const writer = requestLineWriter(logger);

// The fields pipeline/log.ts writes for a cache hit (observability/request-record.ts).
const fields = {
  request_id: 'req_65021621abe895b9c4088bf456f1baf8',
  tenant: 'bench',
  key_id: null,
  model: 'gpt-4o-mini',
  provider: 'fake',
  upstream_model: 'gpt-4o-mini',
  stream: false,
  api: 'chat-completions',
  status: 200,
  routing: null,
  attempts: [],
  cache: 'HIT',
  cost_saved_usd: 0.0000438,
  guardrails: null,
  finish_reason: 'stop',
  raw_finish_reason: 'stop',
  usage: {
    prompt_tokens: 24,
    completion_tokens: 18,
    total_tokens: 42,
    cached_tokens: 0,
    reasoning_tokens: 0,
  },
  usage_estimated: false,
  cost_usd: 0,
  cost_estimate_usd: 0.0000438,
  latency_ms: { total: 0.07, gateway: 0.07, network: 0, inference: 0, upstream: 0, first_byte: 0.05 },
  error: null,
  client_aborted: false,
};

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));
for (let i = 0; i < 20_000; i++) writer.write(fields); // warm-up: the JIT settles
await new Promise<void>((resolve) => logger.flush(() => resolve()));

const cpuBefore = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < lines; i++) {
  writer.write(fields);
  if (i % 50 === 49) await yieldToLoop();
}
await new Promise<void>((resolve) => logger.flush(() => resolve()));
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const per = (micros: number) => (micros / lines).toFixed(2);
process.stdout.write(
  `${lines} lines to ${path}: wall ${per(wallMs * 1000)} µs/line, CPU ${per(cpu.user + cpu.system)} µs/line (user ${per(cpu.user)}, system ${per(cpu.system)})\n`,
);
if (values.to === undefined) rmSync(path, { force: true });
