/**
 * The guardrails of batch lines: the live guards themselves, called the way the live pipeline calls
 * them, so a batch line is guarded exactly as the same request sent to /v1/chat/completions
 * (docs/configuration.md §guardrails; before this, batches were a way around every guardrail):
 *
 * - at intake, the tenant's input guard over the line's request (pipeline/guard-in.ts): a block or a
 *   refused system message fails the line (its error-file line carries the guard's code), a strip or a
 *   demotion changes the request that is stored and later sent;
 * - when the answer comes, the output moderation of the live JSON path (pipeline/guard-out.ts), with the
 *   moderation of the tenant, the model the line named and the provider that answered: a blocked answer's
 *   content is emptied and ends `content_filter`, a redaction redacts, and a remote backend that fails
 *   follows `moderation.on_error`.
 *
 * Both guards read a request's context. A line has no HTTP exchange, so it gets a detached context
 * carrying what the guards read (snapshot, tenant, request, policy) and collecting their verdicts for
 * the line's log. The response object in it is never written to.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { CompiledTenant, Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { guardrailsPolicyFor } from '../guardrails/policy.ts';
import type { GuardVerdict } from '../guardrails/verdict.ts';
import { RequestContext } from '../pipeline/context.ts';
import { guardInput } from '../pipeline/guard-in.ts';
import { moderateCompletion } from '../pipeline/guard-out.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { TranslatedResponse } from '../providers/types.ts';
import type { BatchLineRecord } from '../store/batch-types.ts';
import { batchPolicyOf } from './policy.ts';
import type { ResolvedTarget } from './target.ts';

let detached: { req: IncomingMessage; res: ServerResponse } | undefined;

/** A context for a line: no socket, no client; the guards read and write only its guard fields. */
function lineContext(snapshot: Snapshot, tenant: CompiledTenant | undefined, request: ChatRequest) {
  if (detached === undefined) {
    const req = new IncomingMessage(new Socket());
    detached = { req, res: new ServerResponse(req) };
  }
  const ctx = new RequestContext('', snapshot, detached.req, detached.res, 0);
  ctx.tenant = tenant;
  ctx.request = request;
  return ctx;
}

/**
 * The input guard over one line's request, as guard-in.ts runs it live (after validation, the model and
 * the allow-list). Returns the request to store: the line's own, or the one the guard stripped or
 * demoted. Throws the live refusal (a GatewayError: prompt_injection_detected,
 * system_message_not_allowed, too_many_messages) for the line's error-file line. Every verdict, a
 * refusal's included, goes into `verdicts`, for the log.
 */
export function guardLineRequest(
  snapshot: Snapshot,
  tenant: CompiledTenant | undefined,
  request: ChatRequest,
  verdicts: GuardVerdict[],
): ChatRequest {
  const ctx = lineContext(snapshot, tenant, request);
  ctx.guardVerdicts = verdicts;
  guardInput(ctx);
  return ctx.request ?? request;
}

export interface ModeratedAnswer {
  /** The completion to write in the line's response. */
  body: string;
  /** The first choice's finish reason after moderation (`content_filter` when it blocked). */
  finishReason: string | null;
  verdicts: GuardVerdict[];
}

/**
 * Output moderation for the lines' answers. The policy is looked up again when an answer comes
 * (policy.ts): the one in force then applies, as it would to a live request sent at that moment.
 */
export class BatchGuards {
  readonly #snapshot: () => Snapshot;
  readonly #controlPlane: ControlPlane | undefined;

  constructor(snapshot: () => Snapshot, controlPlane: ControlPlane | undefined) {
    this.#snapshot = snapshot;
    this.#controlPlane = controlPlane;
  }

  /** Synchronous unless a remote backend (llama-guard, openai) is asked. */
  moderate(
    line: BatchLineRecord,
    request: ChatRequest,
    target: ResolvedTarget,
    translated: TranslatedResponse,
  ): ModeratedAnswer | Promise<ModeratedAnswer> {
    const snapshot = this.#snapshot();
    const tenant = batchPolicyOf(this.#controlPlane, snapshot, line.tenant, line.keyId);
    const ctx = lineContext(snapshot, tenant, request);
    ctx.guardrails = guardrailsPolicyFor(snapshot.config, tenant);
    const answer = (moderated: string | undefined): ModeratedAnswer => ({
      body: moderated ?? translated.body,
      finishReason: ctx.finishReason ?? translated.completion.choices[0]?.finish_reason ?? null,
      verdicts: ctx.guardVerdicts,
    });
    const checked = moderateCompletion(ctx, target.compiled, translated);
    return checked instanceof Promise ? checked.then(answer) : answer(checked);
  }
}
