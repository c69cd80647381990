/**
 * What every routing strategy gets: the model's targets whose breaker lets traffic through, and the
 * live signals to order them by. A strategy returns the order to try them in; the attempt loop walks
 * that order (failing over on retryable errors), so the first entry is the strategy's choice and the
 * rest are its fallbacks.
 */
import type { CompiledTarget } from '../../config/compile.ts';
import type { RequestShape } from '../request-shape.ts';
import type { RoutingRuntime } from '../runtime.ts';

export interface StrategyInput {
  runtime: RoutingRuntime;
  nowMs: number;
  random: () => number;
  /** The request's shape, computed on first call. */
  shape: () => RequestShape;
  stream: boolean;
}

/** Orders `candidates` (a fresh array the strategy may reorder in place). */
export type Strategy = (candidates: CompiledTarget[], input: StrategyInput) => CompiledTarget[];
