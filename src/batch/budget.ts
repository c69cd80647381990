/**
 * Budgets for batch lines, by the price they are billed at (docs/design.md §1): when lines leave in a
 * provider batch (or through the live path) each line whose policy has a budget reserves its pre-flight
 * estimate through the state store, exactly like a live request: at the batch discount when the
 * provider runs it through its batch API, at the full price when the live path sends it. A hard budget
 * that cannot fit it refuses the line (429 budget_exceeded in the error file; nothing is sent). When its
 * result comes the reservation is replaced by the real cost (threshold alerts come from the spend
 * monitor's sweep over the ledger). Lines without a budget, and single-user mode, pay nothing for this.
 *
 * The policy is the live one of the key that created the job (KeyRegistry.policyOf): a runtime tenant's
 * (PUT /admin/tenants), and for a key with a tier of its own that tier's budget under the key's scope,
 * both when reserving and when settling, in whichever process does either.
 */
import type { CompiledTenant, Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { budgetExceeded } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import { periodOf } from '../limits/budget-period.ts';
import { NANO_USD_PER_USD } from '../limits/types.ts';
import type { Logger } from '../observability/logger.ts';
import { estimateRequest } from '../pricing/estimate.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { BatchLineRecord } from '../store/batch-types.ts';
import type { ResolvedTarget } from './target.ts';
import { hasBatchApi } from './upstream.ts';

/** A reservation outlives a provider batch's 24 h window by this much before it stops counting. */
const LEASE_MS = 25 * 3_600_000;

/** The reservation's name: one per line and attempt, so a retried line reserves afresh. */
function reservationId(line: BatchLineRecord): string {
  return `batch:${line.id}:${line.attempts}`;
}

/**
 * A line's budget check: undefined when it may leave, the refusal a hard budget gives, or `deferred`
 * when the shared state did not answer and limits fail closed (the line waits for a later flush).
 */
export type BatchAdmission = GatewayError | 'deferred' | undefined;

export class BatchBudgets {
  readonly #snapshot: () => Snapshot;
  readonly #controlPlane: ControlPlane | undefined;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(
    snapshot: () => Snapshot,
    controlPlane: ControlPlane | undefined,
    logger: Logger,
    now: () => number,
  ) {
    this.#snapshot = snapshot;
    this.#controlPlane = controlPlane;
    this.#logger = logger;
    this.#now = now;
  }

  /** The policy the line is held to now; undefined without tenants or once its tenant is gone. */
  #policyOf(line: BatchLineRecord): CompiledTenant | undefined {
    return this.#controlPlane?.keys.policyOf(line.tenant, line.keyId, this.#snapshot());
  }

  /** Reserves the line's estimate; the refusal when a hard budget cannot fit it. */
  async reserve(
    line: BatchLineRecord,
    request: ChatRequest,
    target: ResolvedTarget,
  ): Promise<BatchAdmission> {
    const controlPlane = this.#controlPlane;
    const tenant = this.#policyOf(line);
    const budget = tenant?.budget;
    if (controlPlane === undefined || tenant === undefined || budget === undefined) return undefined;
    const provider = target.provider;
    const prices = controlPlane.prices;
    const estimate = estimateRequest(
      request,
      {
        providerType: provider.type,
        price: prices.priceFor(provider.name, provider.type, target.upstreamModel),
        limits: prices.limitsFor(provider.name, provider.type, target.upstreamModel),
      },
      // The discount only where the provider's batch API runs the line; the live path is billed in full.
      hasBatchApi(provider.type),
    );
    const nowMs = this.#now();
    const period = periodOf(budget.period, nowMs);
    const answer = await controlPlane.state.admit(
      tenant.scope,
      {
        requestId: reservationId(line),
        rpm: undefined,
        tpm: undefined,
        concurrent: undefined,
        estimatedTokens: 0,
        budget: {
          periodKey: period.key,
          periodEndMs: period.endMs,
          limitNanoUsd: Math.round(budget.usd * NANO_USD_PER_USD),
          hard: budget.mode === 'hard',
          reserveNanoUsd: estimate.costUsd === null ? 0 : Math.ceil(estimate.costUsd * NANO_USD_PER_USD),
        },
        leaseMs: LEASE_MS,
      },
      nowMs,
    );
    if (answer.allowed) return undefined;
    if (answer.refusal === 'budget') return budgetExceeded(budget.usd, budget.period, answer.retryAfterMs);
    // The shared state did not answer (fail closed): the line waits for the next flush, neither refused
    // nor sent unchecked.
    return 'deferred';
  }

  /** Replaces the line's reservation by what it cost (0 for a failure or a retry). */
  settle(line: BatchLineRecord, costUsd: number | null): void {
    const controlPlane = this.#controlPlane;
    const tenant = this.#policyOf(line);
    const budget = tenant?.budget;
    if (controlPlane === undefined || tenant === undefined || budget === undefined) return;
    const nowMs = this.#now();
    const period = periodOf(budget.period, nowMs);
    const actualNanoUsd = Math.round((costUsd ?? 0) * NANO_USD_PER_USD);
    try {
      const settled = controlPlane.state.settle(
        tenant.scope,
        {
          requestId: reservationId(line),
          releaseConcurrent: false,
          tokens: undefined,
          budget: { periodKey: period.key, periodEndMs: period.endMs, actualNanoUsd },
        },
        nowMs,
      );
      if (settled instanceof Promise)
        settled.catch((error: unknown) =>
          this.#logger.warn({ err: error }, 'settling a batch line budget failed'),
        );
    } catch (error) {
      this.#logger.warn({ err: error }, 'settling a batch line budget failed');
    }
  }
}
