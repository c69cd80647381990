/**
 * Circuit breaker per target (provider + model), as a small state machine kept apart from where its
 * state lives (docs/style.md §1.5, cockatiel's Breaker / CircuitBreakerPolicy). The router consults a
 * breaker's view; the attempt loop feeds it outcomes; the state store (memory or Redis) applies these
 * functions atomically so every gateway instance shares one breaker. `src/state/lua/breaker.lua` is
 * the same machine for Redis, and test/state/state-contract.ts proves the two agree.
 *
 *   closed ──(5 consecutive failures, or ≥ 50 % failures over ≥ 20 requests in 10 s)──▶ open
 *   open ──(open duration passed)──▶ half_open ──(a trial succeeds)──▶ closed
 *   half_open ──(a trial fails)──▶ open, for twice as long (up to the maximum)
 *   isolated: held open by an operator (admin API) until closed by hand.
 *
 * A 429 is a failure only when the throttle is long or has no hint (`throttleOutcome`); a short one is a
 * key at its rate limit, which the key's cooldown handles.
 *
 * No clock inside: every step takes `nowMs`.
 */

export type BreakerStateName = 'closed' | 'open' | 'half_open' | 'isolated';
export type BreakerOutcome = 'success' | 'failure';

export interface BreakerPolicy {
  /** Opens after this many failures in a row. */
  consecutiveFailures: number;
  /** Opens when the failure share over the window reaches this (0..1)… */
  failureRate: number;
  /** …and the window holds at least this many requests, so light traffic cannot trip it. */
  minimumRequests: number;
  /** Length of the sliding window, split into BUCKETS buckets. */
  windowMs: number;
  /** How long the first opening lasts; each failed trial doubles it… */
  openMs: number;
  /** …up to this. */
  maxOpenMs: number;
  /** Trial requests let through at once when half-open; the first success closes it. */
  halfOpenTrials: number;
  /**
   * A trial that has not reported back after this long is presumed lost (the process that sent it
   * died) and its slot is handed out again. Longer than any trial can take to give its verdict.
   */
  trialTimeoutMs: number;
}

/** The window is kept as this many buckets: a failure leaves it within windowMs / BUCKETS of its age. */
export const BUCKETS = 10;

/** The full stored state of one breaker. Field names are short: the record is stored as JSON in Redis. */
export interface BreakerRecord {
  /** State. */
  s: BreakerStateName;
  /** Generation: increments with every transition, so a newer view always wins over an older one. */
  g: number;
  /** When the current state began. */
  since: number;
  /** Open: when trials may begin. */
  until: number;
  /** Openings since the breaker last closed; the open duration doubles with each. */
  opens: number;
  /** Closed: failures in a row. */
  consec: number;
  /** Half-open: trial requests in flight, successes so far, when the last trial was let through. */
  inflight: number;
  succ: number;
  trialAt: number;
  /** Window buckets by slot (bucket index mod BUCKETS): the bucket index, requests, failures. */
  bi: number[];
  bt: number[];
  bf: number[];
}

/** What routing, metrics and the admin API see of a breaker. */
export interface BreakerView {
  state: BreakerStateName;
  generation: number;
  since: number;
  /** Open: when trials may begin; 0 otherwise. */
  until: number;
  opens: number;
  consecutiveFailures: number;
  /** Requests and failures in the current window. */
  windowRequests: number;
  windowFailures: number;
  trialsInFlight: number;
  trialSuccesses: number;
}

export function newBreakerRecord(): BreakerRecord {
  return {
    s: 'closed',
    g: 0,
    since: 0,
    until: 0,
    opens: 0,
    consec: 0,
    inflight: 0,
    succ: 0,
    trialAt: 0,
    bi: new Array<number>(BUCKETS).fill(-1),
    bt: new Array<number>(BUCKETS).fill(0),
    bf: new Array<number>(BUCKETS).fill(0),
  };
}

export const CLOSED_VIEW: BreakerView = Object.freeze({
  state: 'closed',
  generation: 0,
  since: 0,
  until: 0,
  opens: 0,
  consecutiveFailures: 0,
  windowRequests: 0,
  windowFailures: 0,
  trialsInFlight: 0,
  trialSuccesses: 0,
});

/** Applies one outcome. Mutates and returns `record`. */
export function recordBreakerOutcome(
  record: BreakerRecord,
  outcome: BreakerOutcome,
  nowMs: number,
  policy: BreakerPolicy,
): BreakerRecord {
  promoteIfDue(record, nowMs);
  const failed = outcome === 'failure';
  switch (record.s) {
    case 'closed': {
      const bucketMs = policy.windowMs / BUCKETS;
      const index = Math.floor(nowMs / bucketMs);
      const slot = index % BUCKETS;
      if (record.bi[slot] !== index) {
        record.bi[slot] = index;
        record.bt[slot] = 0;
        record.bf[slot] = 0;
      }
      record.bt[slot] = (record.bt[slot] ?? 0) + 1;
      if (failed) record.bf[slot] = (record.bf[slot] ?? 0) + 1;
      record.consec = failed ? record.consec + 1 : 0;
      if (!failed) return record;
      if (record.consec >= policy.consecutiveFailures) return open(record, nowMs, policy);
      const { requests, failures } = windowCounts(record, nowMs, policy);
      if (requests >= policy.minimumRequests && failures >= policy.failureRate * requests)
        return open(record, nowMs, policy);
      return record;
    }
    case 'half_open':
      if (failed) return open(record, nowMs, policy);
      record.succ += 1;
      record.inflight = Math.max(0, record.inflight - 1);
      // One answered trial closes it: the provider is back, and traffic should follow within one open
      // period (the health ramp, runtime.ts, keeps it from being flooded). Any failure reopens it.
      return close(record, nowMs);
    default:
      // Open or isolated: late answers from requests sent before the breaker opened change nothing.
      return record;
  }
}

/** Asks to let one request through. Mutates `record`; returns whether it was granted. */
export function acquireBreakerTrial(record: BreakerRecord, nowMs: number, policy: BreakerPolicy): boolean {
  promoteIfDue(record, nowMs);
  if (record.s === 'closed') return true;
  if (record.s !== 'half_open') return false;
  // A trial whose answer never came (the process that sent it died) must not block trials forever.
  if (record.inflight >= policy.halfOpenTrials && nowMs - record.trialAt >= policy.trialTimeoutMs)
    record.inflight = 0;
  if (record.inflight >= policy.halfOpenTrials) return false;
  record.inflight += 1;
  record.trialAt = nowMs;
  return true;
}

export function forceBreakerRecord(
  record: BreakerRecord,
  action: 'isolate' | 'close',
  nowMs: number,
): BreakerRecord {
  if (action === 'close') return close(record, nowMs);
  record.s = 'isolated';
  record.g += 1;
  record.since = nowMs;
  record.until = 0;
  record.inflight = 0;
  record.succ = 0;
  return record;
}

export function breakerView(record: BreakerRecord, nowMs: number, policy: BreakerPolicy): BreakerView {
  const counts = record.s === 'closed' ? windowCounts(record, nowMs, policy) : { requests: 0, failures: 0 };
  return {
    state: record.s,
    generation: record.g,
    since: record.since,
    until: record.until,
    opens: record.opens,
    consecutiveFailures: record.consec,
    windowRequests: counts.requests,
    windowFailures: counts.failures,
    trialsInFlight: record.inflight,
    trialSuccesses: record.succ,
  };
}

/** How routing treats a breaker right now: send, send only as a trial, or skip. */
export type BreakerGate = 'pass' | 'trial' | 'blocked';

export function breakerGate(view: BreakerView, nowMs: number): BreakerGate {
  switch (view.state) {
    case 'closed':
      return 'pass';
    case 'half_open':
      return 'trial';
    case 'open':
      return nowMs >= view.until ? 'trial' : 'blocked';
    default:
      return 'blocked';
  }
}

/**
 * What one 429 tells a target's breaker. When the provider says the throttle ends sooner than the
 * breaker's shortest open period, it is a key at its rate limit, not a provider going down: the key's
 * cooldown (that retry-after or reset header) keeps requests off the key for exactly as long as asked,
 * while opening the breaker would exile the whole target for `openMs` or longer. With every other target
 * open as well, that exile fails each request at once, with no attempt at all, although the throttled
 * target would answer a few milliseconds later. Such a 429 counts as what it is, the provider answering
 * ('success', like a 400; it also hands a half-open trial slot back). A 429 without a hint, or with a
 * throttle of `openMs` or more, counts as a failure: a provider throttling us that long is down for us.
 */
export function throttleOutcome(retryAfterMs: number | undefined, policy: BreakerPolicy): BreakerOutcome {
  return retryAfterMs !== undefined && retryAfterMs < policy.openMs ? 'success' : 'failure';
}

/** The open duration for the next opening: doubles with each failed trial, capped. */
export function openDurationMs(opens: number, policy: BreakerPolicy): number {
  return Math.min(policy.maxOpenMs, policy.openMs * 2 ** Math.min(opens, 30));
}

function windowCounts(
  record: BreakerRecord,
  nowMs: number,
  policy: BreakerPolicy,
): { requests: number; failures: number } {
  const current = Math.floor(nowMs / (policy.windowMs / BUCKETS));
  let requests = 0;
  let failures = 0;
  for (let slot = 0; slot < BUCKETS; slot++) {
    const index = record.bi[slot] ?? -1;
    if (index > current - BUCKETS && index <= current) {
      requests += record.bt[slot] ?? 0;
      failures += record.bf[slot] ?? 0;
    }
  }
  return { requests, failures };
}

function promoteIfDue(record: BreakerRecord, nowMs: number): void {
  if (record.s !== 'open' || nowMs < record.until) return;
  record.s = 'half_open';
  record.g += 1;
  record.since = record.until;
  record.inflight = 0;
  record.succ = 0;
}

function open(record: BreakerRecord, nowMs: number, policy: BreakerPolicy): BreakerRecord {
  record.s = 'open';
  record.g += 1;
  record.since = nowMs;
  record.until = nowMs + openDurationMs(record.opens, policy);
  record.opens += 1;
  record.inflight = 0;
  record.succ = 0;
  clearWindow(record);
  return record;
}

function close(record: BreakerRecord, nowMs: number): BreakerRecord {
  record.s = 'closed';
  record.g += 1;
  record.since = nowMs;
  record.until = 0;
  record.opens = 0;
  record.consec = 0;
  record.inflight = 0;
  record.succ = 0;
  record.trialAt = 0;
  clearWindow(record);
  return record;
}

function clearWindow(record: BreakerRecord): void {
  record.consec = 0;
  for (let slot = 0; slot < BUCKETS; slot++) {
    record.bi[slot] = -1;
    record.bt[slot] = 0;
    record.bf[slot] = 0;
  }
}
