/**
 * The first attempt of a request to a model with `hedge` (hedge.ts): run it, and if it has no first byte
 * within the delay, start a second on the next healthy target and let the two race. Both outcomes come
 * back, in start order, for the loop to settle: the winner's `done` (or `broken`), the loser's `lost`,
 * or two failures when neither answered.
 */
import type { TranslationContext } from '../providers/types.ts';
import type { AttemptPick, AttemptPlan } from './attempt-plan.ts';
import { runAttempt, type Untranslatable } from './attempt-run.ts';
import type { RequestContext } from './context.ts';
import type { AttemptOutcome, StreamRecovery } from './exchange.ts';
import { HedgeRace } from './hedge.ts';
import type { Services } from './services.ts';
import { DeliveredStream } from './stream-delivery.ts';

export interface RanAttempt {
  pick: AttemptPick;
  outcome: AttemptOutcome | Untranslatable;
  /** The recovery bookkeeping this attempt used (each hedged attempt records its own delivery). */
  recovery: StreamRecovery | undefined;
}

export async function runHedged(
  ctx: RequestContext,
  services: Services,
  plan: AttemptPlan,
  pick: AttemptPick,
  translation: TranslationContext,
  deadlineAt: number,
  delayMs: number,
  recovery: StreamRecovery | undefined,
): Promise<RanAttempt[]> {
  const race = new HedgeRace();
  const first = runAttempt(ctx, services, pick, translation, deadlineAt, {
    recovery,
    entrant: race.entrant(),
  });
  let timer: NodeJS.Timeout | undefined;
  const due = new Promise<'hedge'>((resolve) => {
    timer = setTimeout(resolve, delayMs, 'hedge');
  });
  const settled = first.then(() => 'settled' as const);
  const which = await Promise.race([settled, due]);
  clearTimeout(timer);
  if (which === 'settled' || ctx.abort.signal.aborted) return [{ pick, outcome: await first, recovery }];

  let second = plan.pick(ctx.snapshot.routing.runtime.now(), pick.index);
  if (second instanceof Promise) second = await second;
  if (second === undefined) return [{ pick, outcome: await first, recovery }];
  services.metrics.retries.inc({ provider: second.target.provider.name });
  const secondRecovery: StreamRecovery | undefined =
    recovery === undefined ? undefined : { ...recovery, delivered: new DeliveredStream() };
  const hedge = { ...second, reason: 'hedge' as const };
  const other = runAttempt(ctx, services, hedge, translation, deadlineAt, {
    recovery: secondRecovery,
    entrant: race.entrant(),
  });
  const [a, b] = await Promise.all([first, other]);
  return [
    { pick, outcome: a, recovery },
    { pick: hedge, outcome: b, recovery: secondRecovery },
  ];
}
