/**
 * Opens a connection to every upstream pool at start (and after a reload adds one), so the first
 * client request does not pay the TCP and TLS handshakes. It sends each provider's cheap probe (a
 * model list), which also surfaces a wrong key or base URL in the log at once instead of on the first
 * real request.
 */
import type { CompiledProvider, Snapshot } from '../config/compile.ts';
import type { Logger } from '../observability/logger.ts';
import { UpstreamExchange } from './upstream-exchange.ts';

const PREWARM_TIMEOUT_MS = 10_000;

export async function prewarmConnections(
  snapshot: Snapshot,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const warmed = new Set<CompiledProvider['pool']>();
  const probes: Promise<void>[] = [];
  for (const provider of snapshot.providers.values()) {
    if (warmed.has(provider.pool)) continue;
    warmed.add(provider.pool);
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
    const exchange = new UpstreamExchange(provider.pool, request, {
      firstByteTimeoutMs: PREWARM_TIMEOUT_MS,
      idleTimeoutMs: PREWARM_TIMEOUT_MS,
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    probes.push(warm(exchange, provider.name, logger));
  }
  await Promise.all(probes);
}

async function warm(exchange: UpstreamExchange, provider: string, logger: Logger): Promise<void> {
  try {
    const { statusCode } = await exchange.head;
    await exchange.discard();
    const level = statusCode >= 400 ? 'warn' : 'debug';
    logger[level]({ provider, status: statusCode }, 'upstream connection warmed');
  } catch (error) {
    // Not fatal: the provider may be down right now; routing and health checks deal with that.
    logger.warn(
      { provider, err_code: (error as { code?: string }).code },
      'could not reach upstream at start',
    );
  }
}
