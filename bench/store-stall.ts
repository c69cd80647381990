/**
 * Request latency with the store stalled (issue 12; figures in docs/performance.md "Store stalled"): the
 * gateway (a child process, production settings, the request log and spend ledger on) in front of the
 * bench's instant upstream, measured at c=1 and c=50 with the store answering and with it stalled:
 *
 *   sqlite    another connection holds the file's write lock (BEGIN IMMEDIATE) for the whole run
 *   postgres  another session holds ACCESS EXCLUSIVE locks on request_log and spend_hourly
 *
 * A stalled store must cost the requests nothing: rows queue, then drop and are counted
 * (switchyard_store_dropped_total), which this prints beside the latencies.
 *
 *   node bench/store-stall.ts [--seconds 10] [--pg postgres://postgres@127.0.0.1:5432/test]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { scriptArgs } from '../scripts/command-line.ts';
import pg from 'pg';
import { stringify } from 'yaml';
import { BENCH_MODEL, BENCH_TENANT_KEY, smallConfig } from './configs.ts';
import { loadGenerator, runLoad } from './load.ts';
import { gatewayArgv, type Started, startServer, stopServer, waitForPort } from './processes.ts';

const here = dirname(fileURLToPath(import.meta.url));
const { values: flags } = scriptArgs({
  options: { seconds: { type: 'string', default: '10' }, pg: { type: 'string' } },
});
const seconds = Number(flags.seconds);
const node = process.execPath;
const ports = { upstream: 18_901, gateway: 18_902 };

interface Stall {
  hold(): Promise<void>;
  release(): Promise<void>;
}

async function scrapeDropped(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${ports.gateway}/metrics`)).text();
  let dropped = 0;
  for (const match of text.matchAll(/^switchyard_store_dropped_total\{[^}]*\} (\S+)$/gm))
    dropped += Number(match[1]);
  return dropped;
}

async function measure(store: string, stall: Stall, dir: string, upstream: Started): Promise<void> {
  const config = join(dir, `switchyard.${store.slice(0, 6)}.yaml`);
  const document = {
    ...smallConfig(`http://127.0.0.1:${upstream.port}`),
    store,
    pricing: { models: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } } },
  };
  await writeFile(config, stringify(document));
  const gateway = startServer({
    name: 'switchyard',
    port: ports.gateway,
    argv: gatewayArgv(config, ports.gateway),
    cpu: undefined,
    logFile: join(dir, 'switchyard.log'),
  });
  try {
    await waitForPort(gateway, 20_000);
    const load = (connections: number) =>
      runLoad({
        port: ports.gateway,
        connections,
        seconds,
        model: BENCH_MODEL,
        stream: false,
        key: BENCH_TENANT_KEY,
        cpu: undefined,
      });
    await load(10); // warm-up
    for (const stalled of [false, true]) {
      if (stalled) await stall.hold();
      for (const connections of [1, 50]) {
        const before = await scrapeDropped();
        const result = await load(connections);
        const dropped = (await scrapeDropped()) - before;
        console.log(
          [
            store.startsWith('sqlite') ? 'sqlite  ' : 'postgres',
            stalled ? 'stalled ' : 'answering',
            `c=${String(connections).padEnd(3)}`,
            `${Math.round(result.requestsPerSecond).toString().padStart(6)} req/s`,
            `p50 ${result.latency.p50.toFixed(2).padStart(6)} ms`,
            `p99 ${result.latency.p99.toFixed(2).padStart(6)} ms`,
            `errors ${result.errors}`,
            `rows dropped ${dropped}`,
          ].join('  '),
        );
      }
      if (stalled) await stall.release();
    }
  } finally {
    await stopServer(gateway);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'switchyard-stall-'));
const upstream = startServer({
  name: 'upstream',
  port: ports.upstream,
  argv: [node, join(here, 'fake-upstream.ts'), String(ports.upstream)],
  cpu: undefined,
  logFile: join(dir, 'upstream.log'),
});
console.log(`store stalled: ${seconds} s per cell, load by ${loadGenerator}, ${new Date().toISOString()}`);
try {
  await waitForPort(upstream, 10_000);
  const file = join(dir, 'store.db');
  let holder: DatabaseSync | undefined;
  await measure(
    `sqlite:${file}`,
    {
      async hold() {
        holder = new DatabaseSync(file);
        holder.exec('BEGIN IMMEDIATE');
      },
      async release() {
        holder?.exec('ROLLBACK');
        holder?.close();
      },
    },
    dir,
    upstream,
  );
  if (flags.pg !== undefined) {
    const database = `sy_stall_${process.pid}`;
    const admin = new pg.Client({ connectionString: flags.pg });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(flags.pg);
    url.pathname = `/${database}`;
    const locker = new pg.Client({ connectionString: url.toString() });
    try {
      await measure(
        url.toString(),
        {
          async hold() {
            await locker.connect();
            await locker.query('BEGIN');
            await locker.query('LOCK TABLE request_log, spend_hourly IN ACCESS EXCLUSIVE MODE');
          },
          async release() {
            await locker.query('ROLLBACK');
            await locker.end();
          },
        },
        dir,
        upstream,
      );
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  }
} finally {
  await stopServer(upstream);
  await rm(dir, { recursive: true, force: true });
}
