/**
 * One JSON completion at a time, each timed by this client itself (issue 18): a cross-check of wrk's c=1
 * latencies, whose mean on this machine exceeds what its own request count allows (33,625 requests in
 * 5.0 s on one connection is 149 µs a request; wrk reported a mean of 303 µs and a p99 of 5.7 ms for
 * the bare proxy). A new prompt per request, so a gateway with its cache on measures misses.
 *
 *   node bench/c1-probe.ts URL COUNT [KEY]     prints one JSON line: n, wallMs, mean, p50, p90, p99, p999 (ms)
 *
 * 3,000 requests warm the connection and the target first. Pin it like the bench's load generator
 * (`taskset -c 0`); run it against the upstream directly as well, to subtract.
 */
import { Agent, request } from 'node:http';
import { benchRequestBody } from './configs.ts';
import { scriptArgs } from '../scripts/command-line.ts';

const [url, countArg, key] = scriptArgs({ allowPositionals: true }).positionals;
if (url === undefined || countArg === undefined) {
  process.stderr.write('usage: c1-probe.ts URL COUNT [KEY]\n');
  process.exit(2);
}
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const headers: Record<string, string> = { 'content-type': 'application/json' };
if (key !== undefined && key !== '') headers.authorization = `Bearer ${key}`;

function once(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url as string, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - started)
          : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const template = benchRequestBody('gpt-4o-mini', false, true);
for (let i = 0; i < 3000; i++) await once(template.replace('[<id>]', `warm-${i}`));
const times: number[] = [];
const started = performance.now();
for (let i = 0; i < Number(countArg); i++) times.push(await once(template.replace('[<id>]', String(i))));
const wallMs = performance.now() - started;
agent.destroy();
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? Number.NaN;
const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
const round = (ms: number) => Math.round(ms * 1000) / 1000;
process.stdout.write(
  `${JSON.stringify({ n: times.length, wallMs: Math.round(wallMs), mean: round(mean), p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), p999: round(at(0.999)) })}\n`,
);
