/**
 * Streaming measurements wrk cannot make (it sees only whole responses). Runs in its own process, so
 * its work never lands on the target's CPU, and prints one JSON line.
 *
 *   node bench/stream-probe.ts ttfb URL COUNT [KEY]
 *     COUNT streamed completions one at a time over one keep-alive connection: time to response
 *     headers, to the first `data:` event, and to the end of the stream.
 *   node bench/stream-probe.ts open URL COUNT MODEL [KEY]
 *     COUNT streams held open at once (the fake upstream drips chunks for a `drip-<ms>` model), each on
 *     its own connection: how many were open together, how many ended well, events seen.
 */
import { Agent, type IncomingMessage, request } from 'node:http';
import { benchRequestBody } from './configs.ts';
import { scriptArgs } from '../scripts/command-line.ts';

const [mode, url, countArg, ...rest] = scriptArgs({ allowPositionals: true }).positionals;
if ((mode !== 'ttfb' && mode !== 'open') || url === undefined || countArg === undefined) {
  process.stderr.write('usage: stream-probe.ts ttfb URL COUNT [KEY] | open URL COUNT MODEL [KEY]\n');
  process.exit(2);
}
const count = Number(countArg);
const model = mode === 'open' ? (rest[0] ?? 'drip-250') : 'gpt-4o-mini';
const key = mode === 'open' ? rest[1] : rest[0];

const headers: Record<string, string> = { 'content-type': 'application/json' };
if (key !== undefined && key !== '') headers.authorization = `Bearer ${key}`;

interface StreamTiming {
  headersMs: number;
  firstEventMs: number;
  totalMs: number;
  events: number;
  ok: boolean;
}

function streamOnce(agent: Agent, payload: string, onOpen?: () => void): Promise<StreamTiming> {
  return new Promise((resolve) => {
    const started = performance.now();
    let headersMs = 0;
    let firstEventMs = 0;
    let events = 0;
    let sawDone = false;
    let tail = '';
    const req = request(url as string, { method: 'POST', headers, agent }, (res: IncomingMessage) => {
      headersMs = performance.now() - started;
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        if (firstEventMs === 0) {
          firstEventMs = performance.now() - started;
          onOpen?.();
        }
        // Count `data:` events; one may straddle two reads, so keep the unfinished tail.
        const joined = tail + text;
        let at = joined.indexOf('data: ');
        let end = 0;
        while (at !== -1) {
          const close = joined.indexOf('\n\n', at);
          if (close === -1) break;
          events++;
          if (joined.startsWith('data: [DONE]', at)) sawDone = true;
          end = close + 2;
          at = joined.indexOf('data: ', end);
        }
        tail = joined.slice(end);
      });
      res.on('end', () =>
        resolve({
          headersMs,
          firstEventMs,
          totalMs: performance.now() - started,
          events,
          ok: res.statusCode === 200 && sawDone,
        }),
      );
      res.on('error', () => resolve({ headersMs, firstEventMs, totalMs: 0, events, ok: false }));
    });
    req.on('error', () => resolve({ headersMs, firstEventMs, totalMs: 0, events, ok: false }));
    req.end(payload);
  });
}

/** A new prompt per stream: a gateway with its cache on must not answer the probe from it. */
function uniquePayload(model: string, id: string): string {
  return benchRequestBody(model, true, true).replace('[<id>]', `[${id}]`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function summary(values: number[]): { p50: number; p99: number; p999: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9) };
}

if (mode === 'ttfb') {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const timings: StreamTiming[] = [];
  // warm the connection and the JIT
  for (let i = 0; i < 50; i++) await streamOnce(agent, uniquePayload(model, `warm-${i}`));
  const started = performance.now();
  for (let i = 0; i < count; i++) timings.push(await streamOnce(agent, uniquePayload(model, String(i))));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const good = timings.filter((t) => t.ok);
  process.stdout.write(
    `${JSON.stringify({
      count,
      ok: good.length,
      streamsPerSecond: good.length / seconds,
      eventsPerStream: good[0]?.events ?? 0,
      headersMs: summary(good.map((t) => t.headersMs)),
      firstEventMs: summary(good.map((t) => t.firstEventMs)),
      totalMs: summary(good.map((t) => t.totalMs)),
    })}\n`,
  );
} else {
  // One connection per stream, as 1,000 separate clients would have.
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  let open = 0;
  let peakOpen = 0;
  const started = performance.now();
  let allOpenMs = Number.NaN;
  const pending: Promise<StreamTiming>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(
      streamOnce(agent, uniquePayload(model, String(i)), () => {
        open++;
        if (open > peakOpen) peakOpen = open;
        if (peakOpen === count && Number.isNaN(allOpenMs)) allOpenMs = performance.now() - started;
      }).then((timing) => {
        if (timing.firstEventMs > 0) open--;
        return timing;
      }),
    );
    // Connect in waves of 100 so the listen backlog (511 by default) never overflows into SYN retries.
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const timings = await Promise.all(pending);
  agent.destroy();
  const good = timings.filter((t) => t.ok);
  process.stdout.write(
    `${JSON.stringify({
      count,
      ok: good.length,
      peakOpen,
      allOpenMs,
      events: timings.reduce((sum, t) => sum + t.events, 0),
      firstEventMs: summary(good.map((t) => t.firstEventMs)),
      totalMs: summary(good.map((t) => t.totalMs)),
    })}\n`,
  );
}
