/**
 * Compiled targets for routing unit tests: a real config compiled against a runtime on the memory
 * store with an injected clock, so strategies and the runtime see exactly what the gateway would.
 */
import pino from 'pino';
import {
  type CompiledModel,
  type CompiledTarget,
  compileConfig,
  type Snapshot,
} from '../../src/config/compile.ts';
import { validateConfig } from '../../src/config/schema.ts';
import { createMetrics, type GatewayMetrics } from '../../src/observability/metrics.ts';
import { RoutingRuntime } from '../../src/routing/runtime.ts';
import { MemoryState } from '../../src/state/memory.ts';
import type { StateStore } from '../../src/state/types.ts';
import { UpstreamPools } from '../../src/transport/pools.ts';

export interface Compiled {
  snapshot: Snapshot;
  runtime: RoutingRuntime;
  metrics: GatewayMetrics;
  clock: { now: number };
  logs: Array<Record<string, unknown>>;
  model(name: string): CompiledModel;
  target(id: string): CompiledTarget;
  close(): Promise<void>;
}

export function compile(document: Record<string, unknown>, state: StateStore = new MemoryState()): Compiled {
  const result = validateConfig(document);
  if (!result.ok) throw new Error(`invalid test config: ${JSON.stringify(result.errors)}`);
  const clock = { now: 1_700_000_000_000 };
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const metrics = createMetrics({ defaultMetrics: false });
  const runtime = new RoutingRuntime({ state, logger, metrics, clock: () => clock.now });
  const pools = new UpstreamPools();
  const snapshot = compileConfig(result.config, pools, 1, runtime);
  return {
    snapshot,
    runtime,
    metrics,
    clock,
    logs,
    model(name) {
      const model = snapshot.models.get(name);
      if (model === undefined) throw new Error(`no model ${name}`);
      return model;
    },
    target(id) {
      for (const model of snapshot.models.values()) {
        for (const target of model.targets) if (target.id === id) return target;
        for (const rule of model.rules)
          for (const target of rule.targets) if (target.id === id) return target;
      }
      throw new Error(`no target ${id}`);
    },
    async close() {
      await runtime.close();
      await pools.destroy();
    },
  };
}

/** A seeded PRNG (mulberry32): the same sequence on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const providers = {
  openai: { type: 'openai', keys: ['sk-openai-1', 'sk-openai-2'], base_url: 'http://127.0.0.1:9/v1' },
  backup: { type: 'openai', keys: ['sk-backup'], base_url: 'http://127.0.0.1:9/v1' },
  local: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' },
};
