/**
 * What the SQLite request log costs its writer thread per row: cache-hit rows written the way
 * src/store/sqlite-log-worker.ts writes them (one transaction per batch, the rows, their indexes and the
 * rollups), into a new file store. Prints CPU per row, user and system (the WAL writes).
 *
 *   node bench/log-insert-cost.ts [--batch 100] [--rows 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { scriptArgs } from '../scripts/command-line.ts';
import type { RequestRow } from '../src/store/request-log.ts';
import { SqliteStore } from '../src/store/sqlite.ts';
import { prepareRequestLogStatements, writeRequests } from '../src/store/sqlite-request-log.ts';

const { values } = scriptArgs({
  options: {
    batch: { type: 'string', default: '100' },
    rows: { type: 'string', default: '100000' },
  },
});
const batchSize = Number(values.batch);
const total = Number(values.rows);

function hitRow(id: number): RequestRow {
  return {
    requestId: `req_${id.toString(16).padStart(32, '0')}`,
    timeMs: Date.now(),
    tenant: 'bench',
    keyId: null,
    model: 'gpt-4o-mini',
    provider: 'fake',
    upstreamModel: 'gpt-4o-mini',
    status: 200,
    attempts: 0,
    stream: false,
    cache: 'HIT',
    finishReason: 'stop',
    promptTokens: 24,
    completionTokens: 18,
    cachedTokens: 0,
    reasoningTokens: 0,
    usageEstimated: false,
    costUsd: 0,
    costEstimateUsd: 0.0000438,
    cacheSavedUsd: 0.0000438,
    latencyTotalMs: 0.07,
    latencyGatewayMs: 0.07,
    latencyNetworkMs: 0,
    latencyInferenceMs: 0,
    errorCode: null,
    detail: { routing: null, attempts: [], guardrails: null, api: 'chat-completions', error_message: null },
  };
}

const folder = mkdtempSync(join(tmpdir(), 'switchyard-log-insert-'));
const path = join(folder, 'log.db');
// The store creates the schema; the writing connection is set up as the log thread sets up its own.
await (await SqliteStore.open(path, { logThread: false })).close();
const db = new DatabaseSync(path);
db.exec('PRAGMA synchronous = NORMAL');
const statements = prepareRequestLogStatements(db);

let next = 0;
function writeBatch(): void {
  const rows = Array.from({ length: batchSize }, () => hitRow(next++));
  db.exec('BEGIN IMMEDIATE');
  writeRequests(statements, rows);
  db.exec('COMMIT');
}
for (let i = 0; i < 20_000; i += batchSize) writeBatch(); // warm-up: the JIT and the file's first pages

const cpuBefore = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < total; i += batchSize) writeBatch();
const cpu = process.cpuUsage(cpuBefore);
const per = (micros: number) => (micros / total).toFixed(2);
process.stdout.write(
  `${total} rows, ${batchSize} a transaction: CPU ${per(cpu.user + cpu.system)} µs/row (user ${per(cpu.user)}, system ${per(cpu.system)}), wall ${per((performance.now() - started) * 1000)} µs/row\n`,
);
db.close();
rmSync(folder, { recursive: true, force: true });
