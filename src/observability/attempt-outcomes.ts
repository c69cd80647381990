/**
 * Attempt outcomes that say nothing about the provider, whatever else they say: the attempt was cut
 * before the provider could answer or fail. `client_gone`: the client left. `hedge_lost`: another attempt
 * of a hedged request answered first and this one was aborted by us (pipeline/hedge.ts: it tells neither
 * breaker nor health anything). /admin/stats reliability and the degradation alerts both leave them out,
 * so the two agree with each other and with `switchyard_upstream_attempts_total`, which never counts them.
 */
export const CUT_SHORT_OUTCOMES: ReadonlySet<string> = new Set(['client_gone', 'hedge_lost']);
