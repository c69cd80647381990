/**
 * One active health probe (docs/design.md §2 "Routing"): the adapter's cheap probe request (a model list)
 * sent with the next usable key, its outcome recorded in the provider's ProbeHealth. A provider whose
 * probes fail loses share of traffic (health.ts) before real requests have to find out; a 401/403
 * takes the key out of service at once: a probe carries no client input, so its refusal is evidence
 * against the key itself (real requests need several, key-pool.ts). A probe that answers 2xx closes the
 * provider's open breakers (issue 13: traffic returns within one probe interval of a recovery); the
 * recovery ramp and the breaker's own failure count guard against a model list that answers while
 * completions still fail. A failed probe never opens a breaker.
 */
import type { CompiledProvider } from '../config/compile.ts';
import { UpstreamExchange } from '../transport/upstream-exchange.ts';
import type { ProviderRuntime, RoutingRuntime } from './runtime.ts';

export async function probeProvider(
  provider: CompiledProvider,
  runtime: RoutingRuntime,
  timeoutMs: number,
): Promise<void> {
  const state: ProviderRuntime = provider.runtime;
  const startedAt = runtime.now();
  const keyIndex = state.keys.pick(startedAt);
  // Every key is cooling down or out of service: a probe would only add to the provider's load.
  if (keyIndex === -1) return;
  const request = provider.adapter.probeRequest({
    target: {
      provider: provider.name,
      model: '',
      baseUrl: provider.baseUrl,
      origin: provider.origin,
      basePath: provider.basePath,
    },
    headers: provider.keyHeaders[keyIndex] ?? {},
  });
  const started = performance.now();
  let status = 0;
  let error: string | null = null;
  // Chaos (src/chaos): a provider made to fail fails its probes too, or a probe would close the
  // breakers of a provider a drill holds down. An injected failure never touches a key.
  const draw = runtime.chaos?.draw(provider.name, false);
  if (draw?.fault === 'error' || draw?.fault === 'stall') {
    const reason = draw.fault === 'error' ? `chaos: HTTP ${draw.status}` : 'chaos: stall';
    state.probe.record(false, undefined, runtime.now(), reason);
    runtime.metrics.healthProbes.inc({ provider: provider.name, outcome: 'failed' });
    return;
  }
  try {
    const exchange = new UpstreamExchange(provider.pool, request, {
      firstByteTimeoutMs: timeoutMs,
      idleTimeoutMs: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = (await exchange.head).statusCode;
    await exchange.discard();
  } catch (caught) {
    error = String((caught as { code?: unknown } | null)?.code ?? (caught as Error)?.name ?? 'error');
  }
  const latencyMs = performance.now() - started;
  const nowMs = runtime.now();
  if (status === 401 || status === 403) {
    runtime.coolKey(state, keyIndex, nowMs + (runtime.policies?.authCooldownMs ?? 600_000), 'auth');
    runtime.metrics.healthProbes.inc({ provider: provider.name, outcome: 'auth' });
    return;
  }
  // A 429 means the provider is up and answering; only the key is busy.
  const ok = (status >= 200 && status < 300) || status === 429;
  state.probe.record(ok, ok ? latencyMs : undefined, nowMs, ok ? null : (error ?? `HTTP ${status}`));
  runtime.metrics.healthProbes.inc({ provider: provider.name, outcome: ok ? 'ok' : 'failed' });
  if (status >= 200 && status < 300) runtime.probeRecovered(state);
}
