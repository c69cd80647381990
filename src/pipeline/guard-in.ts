/**
 * The input guard (docs/design.md §2, after validation, before limits): the tenant's prompt-injection
 * policy over everything a client can smuggle instructions into: user content (quoted documents
 * included), tool results and legacy function results. System and developer messages are the client's
 * own instructions; a tenant can lock them (`system_messages: refuse | demote`). A demoted one is user
 * content from then on, and guarded as such.
 *
 * - `off`: nothing runs. `flag`: every finding is logged with its rule, the request goes on unchanged.
 * - `strip`: the offending spans go (guardrails/injection/detect.ts), the rest of the message stays.
 * - `block`: 400 `prompt_injection_detected` naming the message; nothing reaches an upstream.
 *
 * A front's request (/v1/messages, /v1/responses) may go upstream as the client sent it, so the guard
 * reads that body, not the normalized request (fronts/guarded-text.ts): every part of it, those the
 * normalized request leaves out included, named in the client's own terms (`input[2].output`). What the
 * guard changes is changed in that body, and the normalized request is translated again from it.
 *
 * A request with more than `guardrails.max_messages` messages is refused first (hardening: the work one
 * request can ask of this and every later stage is bounded).
 *
 * Synchronous and allocation-free for clean chat requests: the request object is copied only when a
 * message changes (a front's, only when its body does).
 */
import type { InjectionMode } from '../config/sections/guardrails.ts';
import { promptInjectionDetected, systemMessageNotAllowed, tooManyMessages } from '../errors/codes.ts';
import { firstInjection, stripAllInjections } from '../guardrails/injection/detect.ts';
import { type GuardrailsPolicy, guardrailsPolicyFor } from '../guardrails/policy.ts';
import {
  type BodyPath,
  type GuardedTextReader,
  type GuardedTextVisitor,
  type TextReplacement,
  withReplacements,
} from '../fronts/guarded-text.ts';
import { type ChatRequest, formatParam } from '../protocol/chat-request.ts';
import type { RequestContext } from './context.ts';

type Message = ChatRequest['messages'][number];

/** Roles whose text may carry someone else's instructions. */
const GUARDED_ROLES: ReadonlySet<string> = new Set(['user', 'tool', 'function']);
const SYSTEM_ROLES: ReadonlySet<string> = new Set(['system', 'developer']);
/** What a message stripped down to nothing says instead: some providers refuse an empty text block. */
export const STRIPPED_PLACEHOLDER = '[removed by the gateway: prompt injection]';

export function guardInput(ctx: RequestContext): void {
  const request = ctx.request;
  if (request === undefined) return;
  const policy = guardrailsPolicyFor(ctx.snapshot.config, ctx.tenant);
  ctx.guardrails = policy;
  const limit = ctx.snapshot.config.guardrails.max_messages;
  if (request.messages.length > limit) throw tooManyMessages(request.messages.length, limit);
  const mode = policy.injection;
  const lockSystem = policy.systemMessages !== 'allow';
  if (mode === 'off' && !lockSystem) return;
  const reader = ctx.front?.guardedText;
  const native = ctx.frontNative;
  if (reader !== undefined && native !== undefined) {
    guardFrontBody(ctx, policy, reader, native);
    return;
  }

  // A front whose body the guard cannot read (embeddings) sends that body upstream, which a strip of the
  // normalized request would not reach: there a finding is refused as under `block`, never logged as
  // stripped while the text goes out.
  const textMode = mode === 'strip' && ctx.front !== undefined ? 'block' : mode;
  let messages: Message[] | undefined;
  const original = request.messages;
  for (let i = 0; i < original.length; i++) {
    let message = original[i] as Message;
    if (lockSystem && SYSTEM_ROLES.has(message.role)) {
      lockedSystem(ctx, policy, `messages[${i}]`);
      message = { role: 'user', content: message.content } as Message;
      messages ??= original.slice();
      messages[i] = message;
    }
    if (mode === 'off' || !GUARDED_ROLES.has(message.role)) continue;
    const content = message.content;
    if (typeof content === 'string') {
      const replaced = guardText(ctx, textMode, content, `messages[${i}].content`);
      if (replaced !== undefined) {
        messages ??= original.slice();
        messages[i] = { ...message, content: replaced } as Message;
      }
    } else if (Array.isArray(content)) {
      let parts: typeof content | undefined;
      for (let p = 0; p < content.length; p++) {
        const part = content[p] as { type: string; text?: unknown };
        if (part.type !== 'text' || typeof part.text !== 'string') continue;
        const replaced = guardText(ctx, textMode, part.text, `messages[${i}].content[${p}].text`);
        if (replaced !== undefined) {
          parts ??= content.slice() as typeof content;
          (parts as unknown[])[p] = { ...part, text: replaced };
        }
      }
      if (parts !== undefined) {
        messages ??= original.slice();
        messages[i] = { ...message, content: parts } as Message;
      }
    }
  }
  if (messages !== undefined) ctx.request = { ...request, messages };
}

/** A client system prompt under a lock: refused (throws), or noted as demoted. */
function lockedSystem(ctx: RequestContext, policy: GuardrailsPolicy, where: string): void {
  const action = policy.systemMessages === 'refuse' ? 'refuse' : 'demote';
  ctx.guardVerdicts.push({ guard: 'input', rule: 'system_message_locked', action, where });
  if (action === 'refuse') throw systemMessageNotAllowed(where);
}

/**
 * A front's body as the client sent it, read where its front says the guarded text is. Nothing is
 * copied unless something changes: then the edited body replaces the client's (it is what a passthrough
 * sends) and the normalized request is translated from it.
 */
function guardFrontBody(
  ctx: RequestContext,
  policy: GuardrailsPolicy,
  reader: GuardedTextReader,
  native: Record<string, unknown>,
): void {
  const guard = new BodyGuard(ctx, policy);
  reader.walk(native, guard);
  if (guard.replacements === undefined && !guard.demoted) return;
  let edited = guard.replacements === undefined ? native : withReplacements(native, guard.replacements);
  if (guard.demoted) edited = reader.demoteSystem(edited);
  ctx.frontNative = edited;
  ctx.request = reader.translate(edited);
}

class BodyGuard implements GuardedTextVisitor {
  replacements: TextReplacement[] | undefined = undefined;
  demoted = false;
  readonly #ctx: RequestContext;
  readonly #policy: GuardrailsPolicy;
  readonly #scan: boolean;
  readonly #scanSystem: boolean;

  constructor(ctx: RequestContext, policy: GuardrailsPolicy) {
    this.#ctx = ctx;
    this.#policy = policy;
    this.#scan = policy.injection !== 'off';
    // A demoted system prompt goes upstream as user content: guarded like any.
    this.#scanSystem = this.#scan && policy.systemMessages === 'demote';
  }

  system(path: BodyPath): void {
    if (this.#policy.systemMessages === 'allow') return;
    lockedSystem(this.#ctx, this.#policy, paramOf(path));
    this.demoted = true;
  }

  text(text: string, path: BodyPath, system: boolean): void {
    if (!(system ? this.#scanSystem : this.#scan)) return;
    const replaced = guardText(this.#ctx, this.#policy.injection, text, path);
    if (replaced === undefined) return;
    this.replacements ??= [];
    this.replacements.push({ path: path.slice(), text: replaced });
  }
}

/**
 * Undefined when the text stays as it is; the replacement under `strip`. Throws under `block`. `where`
 * is the text's place: a param, or a path in a front's body, formatted only when something is found.
 */
function guardText(
  ctx: RequestContext,
  mode: InjectionMode,
  text: string,
  where: string | BodyPath,
): string | undefined {
  if (mode === 'strip') {
    const { text: stripped, findings } = stripAllInjections(text);
    if (findings.length === 0) return undefined;
    const param = paramOf(where);
    for (const finding of findings)
      ctx.guardVerdicts.push({ guard: 'input', rule: finding.rule, action: 'strip', where: param });
    return stripped === '' ? STRIPPED_PLACEHOLDER : stripped;
  }
  const finding = firstInjection(text);
  if (finding === undefined) return undefined;
  const param = paramOf(where);
  if (mode === 'block') {
    ctx.guardVerdicts.push({ guard: 'input', rule: finding.rule, action: 'block', where: param });
    throw promptInjectionDetected(param, finding.rule);
  }
  ctx.guardVerdicts.push({ guard: 'input', rule: finding.rule, action: 'flag', where: param });
  return undefined;
}

const paramOf = (where: string | BodyPath): string =>
  typeof where === 'string' ? where : (formatParam(where) ?? '');
