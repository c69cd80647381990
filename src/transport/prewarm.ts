/**
 * Opens a connection to every upstream origin at start (and after a reload adds one), so the first
 * client request does not pay the TCP and TLS handshakes. It sends each provider's cheap probe (a
 * model list), which also surfaces a wrong key or base URL in the log at once instead of on the first
 * real request.
 */
import type { Snapshot } from '../config/compile.ts';
import type { Logger } from '../observability/logger.ts';
import { sendUpstream } from './upstream-call.ts';

const PREWARM_TIMEOUT_MS = 10_000;

export async function prewarmConnections(
  snapshot: Snapshot,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const warmed = new Set<string>();
  const probes: Promise<void>[] = [];
  for (const provider of snapshot.providers.values()) {
    if (warmed.has(provider.origin)) continue;
    warmed.add(provider.origin);
    const request = provider.adapter.probeRequest({
      target: {
        provider: provider.name,
        model: '',
        baseUrl: provider.baseUrl,
        origin: provider.origin,
        basePath: provider.basePath,
      },
      headers: provider.keyHeaders[0] ?? {},
    });
    const timeout = AbortSignal.timeout(PREWARM_TIMEOUT_MS);
    probes.push(
      sendUpstream(provider.pool, request, {
        firstByteTimeoutMs: PREWARM_TIMEOUT_MS,
        idleTimeoutMs: PREWARM_TIMEOUT_MS,
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      }).then(
        async (response) => {
          await response.body.dump();
          const level = response.statusCode >= 400 ? 'warn' : 'debug';
          logger[level](
            { provider: provider.name, status: response.statusCode },
            'upstream connection warmed',
          );
        },
        (error: unknown) => {
          // Not fatal: the provider may be down right now; routing and health checks deal with that.
          logger.warn(
            { provider: provider.name, err_code: (error as { code?: string }).code },
            'could not reach upstream at start',
          );
        },
      ),
    );
  }
  await Promise.all(probes);
}
