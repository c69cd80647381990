/**
 * Output moderation (docs/design.md §2, after the attempt, before respond), one layer for every provider
 * and every front. The policy comes from the request's guardrails (section, model, tenant) and the
 * answering provider's type (stricter for the weaker native filters, guardrails/policy.ts). A JSON answer
 * is checked whole, per choice, as a chat completion (a front hands over its answer in that form and
 * renders the moderated one in its own); a stream goes through a StreamModerator
 * (guardrails/moderation/stream-moderator.ts) that exchange.ts puts between the translator and the
 * writer, or, on a passthrough, between the upstream's events and the writer. A blocked answer ends with
 * `finish_reason: "content_filter"` and the flagged text never reaches the client.
 */
import type { CompiledTarget } from '../config/compile.ts';
import { moderationBackendFor } from '../guardrails/moderation/backends.ts';
import { decide, redact } from '../guardrails/moderation/decision.ts';
import { StreamModerator } from '../guardrails/moderation/stream-moderator.ts';
import type { ModerationBackend, ModerationResult } from '../guardrails/moderation/types.ts';
import type { ModerationPolicy } from '../guardrails/policy.ts';
import type { ChatCompletion, ChatCompletionMessage } from '../protocol/chat-response.ts';
import type { TranslatedResponse } from '../providers/types.ts';
import type { RequestContext } from './context.ts';

/** Context enough for a classifier to judge the reply; longer prompts are cut to their end. */
const MAX_PROMPT_CHARS = 4000;

export interface Moderation {
  backend: ModerationBackend;
  policy: ModerationPolicy;
}

/** The moderation this request's answers from `target` go through; undefined when it is off. */
export function moderationFor(ctx: RequestContext, target: CompiledTarget): Moderation | undefined {
  const guardrails = ctx.guardrails;
  const request = ctx.request;
  if (guardrails === undefined || request === undefined) return undefined;
  const policy = guardrails.moderationFor(request.model, target.provider.type);
  const backend = moderationBackendFor(ctx.snapshot, policy);
  return backend === undefined ? undefined : { backend, policy };
}

/**
 * The moderator a streamed attempt writes through. `relay`: a passthrough, whose upstream events are
 * held and released whole (`write` gets them as they came).
 */
export function createStreamModerator(
  ctx: RequestContext,
  moderation: Moderation,
  write: (out: string) => void,
  flush: () => void,
  relay: boolean,
): StreamModerator {
  return new StreamModerator({
    backend: moderation.backend,
    policy: moderation.policy,
    write,
    verdicts: ctx.guardVerdicts,
    signal: ctx.abort.signal,
    prompt: lastUserText(ctx),
    flush,
    relay,
    choices: ctx.request?.n,
  });
}

/**
 * The body to send for a chat JSON answer: undefined when it goes out unchanged, else the moderated one.
 * A promise only when a remote backend is asked.
 */
export function moderateCompletion(
  ctx: RequestContext,
  target: CompiledTarget,
  translated: TranslatedResponse,
): string | undefined | Promise<string | undefined> {
  const moderated = moderateAnswer(ctx, target, translated.completion);
  if (moderated instanceof Promise) return moderated.then(serialized);
  return serialized(moderated);
}

const serialized = (completion: ChatCompletion | undefined): string | undefined =>
  completion === undefined ? undefined : JSON.stringify(completion);

/**
 * A JSON answer as a chat completion (a front's in that form): undefined when moderation leaves it as
 * it is, else a moderated copy (blocked: `finish_reason: "content_filter"`, its text gone; redacted) for
 * the caller to render. A promise only when a remote backend is asked.
 */
export function moderateAnswer(
  ctx: RequestContext,
  target: CompiledTarget,
  answer: ChatCompletion,
): ChatCompletion | undefined | Promise<ChatCompletion | undefined> {
  const moderation = moderationFor(ctx, target);
  if (moderation === undefined) return undefined;
  // Reasoning and a refusal shown to the client are judged with the answer; a block clears them all.
  const texts = answer.choices.map((choice) => textsOf(choice.message).join('\n\n'));
  if (texts.every((text) => text.trim() === '')) return undefined;
  const prompt = lastUserText(ctx);
  const results = texts.map((text) =>
    text.trim() === '' ? undefined : check(moderation.backend, text, ctx, prompt),
  );
  if (results.some((result) => result instanceof Promise)) {
    return Promise.all(results).then((settled) => apply(ctx, moderation, answer, texts, settled));
  }
  return apply(ctx, moderation, answer, texts, results as Array<ModerationResult | undefined>);
}

/** The choice's texts shown to the client, in the order judged: reasoning, answer, refusal. */
function textsOf(message: ChatCompletionMessage): string[] {
  const texts: string[] = [];
  for (const text of [message.reasoning_content, message.content, message.refusal])
    if (typeof text === 'string' && text !== '') texts.push(text);
  return texts;
}

function check(
  backend: ModerationBackend,
  text: string,
  ctx: RequestContext,
  prompt: string,
): ModerationResult | Promise<ModerationResult> {
  try {
    const result = backend.check(text, ctx.abort.signal, prompt);
    if (result instanceof Promise) {
      return result.catch((): ModerationResult => ({ categories: [], spans: [], unavailable: true }));
    }
    return result;
  } catch {
    // A backend that throws could not answer: the policy's on_error decides, as for a remote failure.
    return { categories: [], spans: [], unavailable: true };
  }
}

function apply(
  ctx: RequestContext,
  moderation: Moderation,
  answer: ChatCompletion,
  texts: readonly string[],
  results: ReadonlyArray<ModerationResult | undefined>,
): ChatCompletion | undefined {
  let completion: ChatCompletion | undefined;
  results.forEach((result, index) => {
    if (result === undefined) return;
    const decision = decide(result, moderation.policy);
    if (decision.action === 'pass') return;
    const where = `choices[${index}]:${moderation.backend.name}`;
    ctx.guardVerdicts.push({ guard: 'output', rule: decision.rule, action: decision.action, where });
    if (decision.action === 'flag') return;
    completion ??= structuredClone(answer);
    const choice = completion.choices[index];
    if (choice === undefined) return;
    const message = choice.message;
    const reasoning = message.reasoning_content;
    const refusal = message.refusal;
    const hasRefusal = typeof refusal === 'string' && refusal !== '';
    const hasContent = typeof message.content === 'string' && message.content !== '';
    // Answer or refusal alone, no reasoning (its signature holds its text): rewritten in place.
    if (decision.action === 'redact' && (typeof reasoning !== 'string' || reasoning === '')) {
      if (!hasRefusal) {
        message.content = redact(texts[index] as string, decision.spans);
        return;
      }
      if (!hasContent) {
        message.refusal = redact(texts[index] as string, decision.spans);
        return;
      }
    }
    // A block, or a redaction across reasoning, answer and refusal (its spans cannot be split back):
    // nothing goes.
    message.content = '';
    if (typeof reasoning === 'string') message.reasoning_content = '';
    if (hasRefusal) message.refusal = null;
    // The carried thinking state (providers/anthropic/signature.ts) holds the reasoning's text too.
    delete message.reasoning_signature;
    choice.finish_reason = 'content_filter';
    ctx.finishReason = 'content_filter';
  });
  return completion;
}

function lastUserText(ctx: RequestContext): string {
  const messages = ctx.request?.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== 'user') continue;
    const content = message.content;
    const text =
      typeof content === 'string'
        ? content
        : content.map((part) => (part.type === 'text' ? (part as { text: string }).text : '')).join('\n');
    return text.length > MAX_PROMPT_CHARS ? text.slice(-MAX_PROMPT_CHARS) : text;
  }
  return '';
}
