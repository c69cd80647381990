/**
 * Attempt outcomes that say nothing about the provider, whatever else they say: the attempt was cut
 * before the provider could answer or fail. `client_gone`: the client left. `hedge_lost`: another attempt
 * of a hedged request answered first and this one was aborted by us (pipeline/hedge.ts: it tells neither
 * breaker nor health anything). /admin/stats reliability and the degradation alerts both leave them out,
 * so the two agree with each other and with `switchyard_upstream_attempts_total`, which never counts them.
 */
export const CUT_SHORT_OUTCOMES: ReadonlySet<string> = new Set(['client_gone', 'hedge_lost']);

/**
 * Failure classes that are the request's own doing, not the provider's: the provider judged the request
 * and refused it (a bad parameter, a prompt over the context window, content it filters).
 */
export const CLIENT_FAULT_OUTCOMES: ReadonlySet<string> = new Set([
  'bad_request',
  'content_filter',
  'context_length',
]);

/**
 * Every outcome never counted against the provider's reliability: the one list /admin/stats (and so the
 * dashboard) and the degradation alerts share.
 */
export const NOT_THE_PROVIDER_OUTCOMES: ReadonlySet<string> = new Set([
  ...CUT_SHORT_OUTCOMES,
  ...CLIENT_FAULT_OUTCOMES,
]);
