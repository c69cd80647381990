/**
 * The request record built from a finished request's context: the latency split, the provider a row
 * names, and the keys its rollups count it under (observability audit, items 3, 4, 5 and 8).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveModel } from '../../src/config/compile.ts';
import { buildRequestRecord, latencySplit } from '../../src/observability/request-record.ts';
import { type AttemptRecord, RequestContext } from '../../src/pipeline/context.ts';
import type { ChatRequest } from '../../src/protocol/chat-request.ts';
import { rollupsOf } from '../../src/store/request-log.ts';
import { type Compiled, compile } from '../routing/fixtures.ts';

const compiled: Compiled = compile({
  providers: {
    primary: { type: 'openai', keys: ['sk-p'], base_url: 'http://127.0.0.1:9/v1' },
    backup: { type: 'openai', keys: ['sk-b'], base_url: 'http://127.0.0.1:9/v1' },
    listed: { type: 'openai', keys: ['sk-l'], base_url: 'http://127.0.0.1:9/v1', models: ['gpt-4.1'] },
  },
  models: { hedged: { targets: ['primary/slow', 'backup/gpt-4.1'], hedge: { after_ms: 100 } } },
});

afterAll(async () => {
  await compiled.close();
});

/** A finished request's context, as the pipeline leaves it; times are ms after `startedAt` = 1000. */
function context(model: string | undefined, fields: Partial<RequestContext> = {}): RequestContext {
  const ctx = new RequestContext(
    'req_test',
    compiled.snapshot,
    { headers: {} } as IncomingMessage,
    {} as ServerResponse,
    1000,
  );
  if (model !== undefined) ctx.request = { model, messages: [] } as unknown as ChatRequest;
  return Object.assign(ctx, fields);
}

function attempt(
  target: string,
  outcome: string,
  startedAfterMs: number,
  durationMs: number,
  firstByteMs?: number,
): AttemptRecord {
  return {
    target,
    keyId: 'k',
    outcome,
    status: outcome === 'ok' ? 200 : 503,
    durationMs,
    startedAt: 1000 + startedAfterMs,
    firstByteMs,
  };
}

describe('latencySplit', () => {
  // Audit item 3: the hedge's loser ends last, so it was taken for the answer, and the two overlapping
  // attempts were added up: network 829 ms of a 467 ms request, gateway and inference 0.
  it('a hedged request: the winner answers, overlapping attempts are waited on once', () => {
    const ctx = context('hedged', {
      provider: 'backup',
      committed: true,
      attempts: [
        attempt('backup/gpt-4.1', 'ok', 101, 364, 356),
        attempt('primary/slow', 'hedge_lost', 1, 466),
      ],
    });
    const split = latencySplit(ctx, 470);
    // Waiting from the loser's start (1) to the winner's first byte (101 + 356 = 457); the winner's body
    // after it is inference.
    expect(split).toEqual({ total: 470, network: 456, inference: 8, gateway: 6 });
    expect(split.gateway + split.network + split.inference).toBeCloseTo(split.total, 6);
  });

  it('a stream whose winner broke after its first byte: the winner still answered', () => {
    const ctx = context('hedged', {
      provider: 'backup',
      committed: true,
      attempts: [
        attempt('backup/gpt-4.1', 'stream_error', 100, 300, 50),
        attempt('primary/slow', 'hedge_lost', 0, 152),
      ],
    });
    expect(latencySplit(ctx, 420)).toEqual({ total: 420, network: 150, inference: 250, gateway: 20 });
  });

  it('a fallback: the failed attempt whole, then the answer up to its first byte', () => {
    const ctx = context('hedged', {
      provider: 'backup',
      attempts: [attempt('primary/slow', 'server', 0, 40, 38), attempt('backup/gpt-4.1', 'ok', 60, 100, 30)],
    });
    expect(latencySplit(ctx, 200)).toEqual({ total: 200, network: 70, inference: 70, gateway: 60 });
  });

  it('no answer: the time any attempt was waited on, overlaps once', () => {
    const ctx = context('hedged', {
      attempts: [
        attempt('backup/gpt-4.1', 'server', 100, 50, 40),
        attempt('primary/slow', 'timeout', 0, 300),
      ],
    });
    expect(latencySplit(ctx, 310)).toEqual({ total: 310, network: 300, inference: 0, gateway: 10 });
  });
});

describe('buildRequestRecord', () => {
  // Audit item 5: a row with no answer named no provider, so ?provider=X&status=error never found it.
  it('names the provider and model last tried when no provider answered', () => {
    const ctx = context('hedged', {
      model: compiled.model('hedged'),
      status: 502,
      errorCode: 'upstream_error',
      attempts: [attempt('primary/slow', 'server', 0, 10), attempt('backup/gpt-4.1', 'network', 20, 10)],
    });
    const { line, row } = buildRequestRecord(ctx, 502, 40, 10_000);
    expect([row.provider, row.upstreamModel]).toEqual(['backup', 'gpt-4.1']);
    expect([line.provider, line.upstream_model]).toEqual(['backup', 'gpt-4.1']);
    // The rollups still count it as answered by no provider.
    expect(row.rollupProvider).toBe('none');
    expect(rollupsOf([row]).requests.map((r) => r.provider)).toEqual(['none', 'none', 'none']);
  });

  it('keeps the provider that answered, and not a hedge loser that ended after it', () => {
    const ctx = context('hedged', {
      model: compiled.model('hedged'),
      status: 200,
      provider: 'backup',
      upstreamModel: 'gpt-4.1-2025-04-14',
      committed: true,
      attempts: [
        attempt('backup/gpt-4.1', 'stream_error', 100, 300, 50),
        attempt('primary/slow', 'hedge_lost', 0, 152),
      ],
    });
    const { row } = buildRequestRecord(ctx, 200, 420, 10_000);
    expect([row.provider, row.upstreamModel, row.rollupProvider]).toEqual([
      'backup',
      'gpt-4.1-2025-04-14',
      'backup',
    ]);
    expect(row.detail.routing).toBeNull();
    const failed = context('hedged', {
      attempts: [attempt('backup/gpt-4.1', 'server', 100, 50), attempt('primary/slow', 'hedge_lost', 0, 152)],
    });
    expect(buildRequestRecord(failed, 502, 200, 10_000).row.provider).toBe('backup');
  });

  // Audit item 8: a hit is no provider's traffic in the rollups (its row keeps the provider for display).
  it('rolls a cache hit up under cache, without its tokens', () => {
    const ctx = context('hedged', {
      model: compiled.model('hedged'),
      status: 200,
      provider: 'backup',
      upstreamModel: 'gpt-4.1',
      cacheStatus: 'HIT',
      usage: { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 },
    });
    const { row } = buildRequestRecord(ctx, 200, 3, 10_000);
    expect([row.provider, row.rollupProvider, row.promptTokens]).toEqual(['backup', 'cache', 20]);
    const [rollup] = rollupsOf([row]).requests;
    expect(rollup).toMatchObject({ provider: 'cache', cacheHits: 1, promptTokens: 0, completionTokens: 0 });
  });

  // Audit item 4: every name a client sent became a rollup key and a /admin/stats entry.
  it('rolls up only model names that config or routing state bounds; the row keeps the name asked', () => {
    const rollupModel = (name: string, fields: Partial<RequestContext> = {}) => {
      const { row } = buildRequestRecord(context(name, fields), 404, 1, 10_000);
      expect(row.model).toBe(name);
      return row.rollupModel;
    };
    // Not found: refused before routing.
    expect(rollupModel('junk-12345', { errorCode: 'model_not_found' })).toBe('(other)');
    expect(rollupModel('primary/never-answered', { errorCode: 'model_not_allowed' })).toBe('(other)');
    expect(rollupModel('nobody/gpt-4.1')).toBe('(other)');
    // Configured, or listed by its provider.
    expect(rollupModel('hedged', { errorCode: 'model_not_allowed' })).toBe('hedged');
    expect(rollupModel('hedged', { model: compiled.model('hedged') })).toBe('hedged');
    expect(rollupModel('listed/gpt-4.1', { model: resolveModel(compiled.snapshot, 'listed/gpt-4.1') })).toBe(
      'listed/gpt-4.1',
    );
    // A direct name that was routed but never answered stays out; once it answered, it is kept.
    const direct = resolveModel(compiled.snapshot, 'primary/rnd-1');
    expect(rollupModel('primary/rnd-1', { model: direct })).toBe('(other)');
    const target = direct?.targets[0]?.runtime;
    if (target === undefined) throw new Error('no target');
    compiled.runtime.recordHealth(target, true, 12, false, compiled.clock.now);
    expect(rollupModel('primary/rnd-1', { model: direct })).toBe('primary/rnd-1');
    expect(rollupModel('primary/rnd-1', { errorCode: 'model_not_allowed' })).toBe('primary/rnd-1');
    // No body read: the dashboard's "(body not read)".
    const { row } = buildRequestRecord(context(undefined), 401, 1, 10_000);
    expect([row.model, row.rollupModel]).toEqual(['', '']);
  });

  it('bounds the rollups of any number of invented names to one key', () => {
    const rows = Array.from(
      { length: 100 },
      (_, i) =>
        buildRequestRecord(context(`junk-${i}`, { errorCode: 'model_not_found' }), 404, 1, 10_000).row,
    );
    const tenSeconds = rollupsOf(rows).requests.filter((r) => r.bucketMs === 10_000);
    expect(tenSeconds.map((r) => [r.model, r.requests])).toEqual([['(other)', 100]]);
  });
});
