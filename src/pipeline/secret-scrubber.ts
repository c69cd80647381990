/**
 * Removes the gateway's own credentials from text an upstream wrote before it reaches a client or the
 * log (issue 10). Providers and the proxies in front of them echo what they were sent: "Invalid header
 * Authorization: Bearer sk-…", a URL with `?key=…` in a 400 page. Every configured provider key is
 * scrubbed wherever it appears, so its header forms (`Bearer x`, `x-api-key: x`) and its URL form
 * (`key=x`, percent-encoded when that differs) go with it; so are the values of extra provider headers
 * whose name says they carry a credential. Tenant keys and the admin key never go upstream, so an
 * upstream cannot echo them.
 *
 * One scrubber per config snapshot, built on the first failure that needs it (failures are the rare
 * path; a snapshot that never sees one never pays), and one regular-expression pass per text.
 */
import type { Snapshot } from '../config/compile.ts';
import type { Config } from '../config/schema.ts';

export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are matched only as whole tokens: a test key such as `k` or `right` must not
 * turn every "k" of a message into a redaction. No provider issues keys this short.
 */
const MIN_ANYWHERE_CHARS = 8;
/** Characters that continue a key-like token: a short secret next to one of these is part of a longer word. */
const TOKEN_CHARS = 'A-Za-z0-9_\\-.~+/=';
/** Extra provider headers whose values are credentials (`authorization`, `x-api-key`, `api-key`, …). */
const CREDENTIAL_HEADER = /auth|key|token|secret|cookie|signature/i;

export class SecretScrubber {
  readonly #pattern: RegExp | undefined;

  constructor(secrets: Iterable<string>) {
    const unique = new Set<string>();
    for (const secret of secrets) {
      if (secret === '') continue;
      unique.add(secret);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) unique.add(encoded);
    }
    // Longest first, so a key that contains another is removed whole.
    const sorted = [...unique].sort((a, b) => b.length - a.length);
    const anywhere = sorted.filter((s) => s.length >= MIN_ANYWHERE_CHARS).map(escapeRegExp);
    const tokens = sorted.filter((s) => s.length < MIN_ANYWHERE_CHARS).map(escapeRegExp);
    const branches: string[] = [];
    if (anywhere.length > 0) branches.push(anywhere.join('|'));
    if (tokens.length > 0) branches.push(`(?<![${TOKEN_CHARS}])(?:${tokens.join('|')})(?![${TOKEN_CHARS}])`);
    this.#pattern = branches.length === 0 ? undefined : new RegExp(branches.join('|'), 'g');
  }

  scrub(text: string): string {
    if (this.#pattern === undefined || text === '') return text;
    return text.replace(this.#pattern, REDACTED);
  }
}

/** The credentials a config sends upstream: every provider key, and credential-bearing extra headers. */
export function upstreamSecretsOf(config: Config): string[] {
  const secrets: string[] = [];
  for (const provider of Object.values(config.providers)) {
    for (const key of provider.keys) secrets.push(key);
    for (const [name, value] of Object.entries(provider.headers ?? {})) {
      if (CREDENTIAL_HEADER.test(name)) secrets.push(value, ...bearerToken(value));
    }
  }
  return secrets;
}

const scrubbers = new WeakMap<Config, SecretScrubber>();

/** The scrubber for the config a request runs under, built once per snapshot. */
export function scrubberFor(snapshot: Pick<Snapshot, 'config'>): SecretScrubber {
  let scrubber = scrubbers.get(snapshot.config);
  if (scrubber === undefined) {
    scrubber = new SecretScrubber(upstreamSecretsOf(snapshot.config));
    scrubbers.set(snapshot.config, scrubber);
  }
  return scrubber;
}

/** `Bearer x` / `Basic x` also yields `x`, which an upstream may echo without the scheme. */
function bearerToken(value: string): string[] {
  const match = /^\s*[A-Za-z]+\s+(\S+)\s*$/.exec(value);
  return match?.[1] === undefined ? [] : [match[1]];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
