/**
 * Parts of a request that only the front's own provider can take (an Anthropic server tool, an OpenAI
 * built-in tool, a `file_id` source): they pass through untouched to a target that speaks the front's
 * protocol, and make any other target unable to serve the request. So translation does not refuse them
 * up front: it leaves them out of the normalized request (which then serves routing, limits and the
 * estimate), remembers the first one here, and the front refuses a translated target with it, which
 * the attempt loop treats like any target that cannot express a request (the next target, else the 400).
 * The input guard does not read the normalized request of a front but the client's body, so what is
 * left out here is guarded all the same (guarded-text.ts).
 */
import { GatewayError } from '../errors/gateway-error.ts';

export class TranslationProblems {
  first: GatewayError | undefined = undefined;

  /** Runs one part's translation; a 4xx it throws is remembered and the part is left out. */
  part<T>(translate: () => T): T | undefined {
    try {
      return translate();
    } catch (error) {
      if (!(error instanceof GatewayError) || error.status >= 500) throw error;
      this.first ??= error;
      return undefined;
    }
  }
}

/** The first problem of each request in flight, keyed by the client's body object. */
const problems = new WeakMap<object, GatewayError>();

export function rememberProblem(native: object, error: GatewayError | undefined): void {
  if (error !== undefined) problems.set(native, error);
}

/** Throws the request's problem: this target needs the translation, which cannot carry all of it. */
export function refuseIfUntranslatable(native: object): void {
  const error = problems.get(native);
  if (error !== undefined) throw error;
}
