/**
 * `latency`: the target with the lowest recent latency (an EWMA of time to first byte for streams and
 * to the whole answer otherwise; health.ts), divided by its health score so a fast but failing target
 * ranks behind a slower healthy one. A target with no sample yet ranks first, so every target gets
 * measured as soon as traffic arrives; ties keep the configured order.
 */
import type { CompiledTarget } from '../../config/compile.ts';
import type { StrategyInput } from './types.ts';

export function orderLatency(candidates: CompiledTarget[], input: StrategyInput): CompiledTarget[] {
  if (candidates.length <= 1) return candidates;
  const ranked = candidates.map((target, index) => {
    const latency = target.runtime.health.latencyMs(input.stream);
    return {
      target,
      index,
      rank: latency === undefined ? -1 : latency / input.runtime.score(target.runtime, input.nowMs),
    };
  });
  ranked.sort((a, b) => a.rank - b.rank || a.index - b.index);
  for (let i = 0; i < ranked.length; i++) candidates[i] = (ranked[i] as { target: CompiledTarget }).target;
  return candidates;
}
