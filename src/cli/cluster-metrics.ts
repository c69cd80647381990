/**
 * `/metrics` under `--workers N`. node:cluster hands each scrape to whichever worker takes the
 * connection, and a worker alone knows only its own counters, so successive scrapes jumped between
 * workers' values (issue 10). The worker that takes a scrape asks the primary; the primary collects
 * every worker's registry over IPC with prom-client's AggregatorRegistry (counters and histograms
 * summed, gauges by their `aggregator`) and sends the merged text back.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';

const SCRAPE_REQUEST = 'switchyard:metrics-scrape';
const SCRAPE_REPLY = 'switchyard:metrics-scrape-reply';
/** Longer than AggregatorRegistry's own 5 s collection timeout, so its error arrives first when it fires. */
const SCRAPE_TIMEOUT_MS = 8000;

interface ScrapeRequest {
  type: typeof SCRAPE_REQUEST;
  id: number;
}
interface ScrapeReply {
  type: typeof SCRAPE_REPLY;
  id: number;
  text?: string;
  error?: string;
}

function isScrapeRequest(message: unknown): message is ScrapeRequest {
  return (message as ScrapeRequest | null)?.type === SCRAPE_REQUEST;
}
function isScrapeReply(message: unknown): message is ScrapeReply {
  return (message as ScrapeReply | null)?.type === SCRAPE_REPLY;
}

/** In the primary: answer workers' scrape requests with the sum over all workers. */
export function answerClusterScrapes(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isScrapeRequest(message)) return;
    const reply = (fields: { text?: string; error?: string }) => {
      // The worker may have exited while the others were being asked; there is no one left to answer.
      if (worker.isConnected())
        worker.send({ type: SCRAPE_REPLY, id: message.id, ...fields } satisfies ScrapeReply);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/**
 * In a worker: the registry to create the gateway's metrics in. Its local metrics (getMetricsAsJSON) are
 * what the primary collects from this worker; its scrape text (metrics()) is the whole cluster's.
 */
export function clusterScrapeRegistry(): Registry {
  const registry = new ClusterScrapeRegistry();
  AggregatorRegistry.setRegistries(registry);
  // Constructing one in a worker is what installs prom-client's listener that answers the primary.
  new AggregatorRegistry();
  return registry;
}

class ClusterScrapeRegistry extends Registry {
  #nextId = 0;
  #pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();

  constructor() {
    super();
    process.on('message', (message: unknown) => {
      if (!isScrapeReply(message)) return;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.text !== undefined) pending.resolve(message.text);
      else
        pending.reject(new Error(`cluster metrics collection failed: ${message.error ?? 'no reason given'}`));
    });
  }

  override metrics(): Promise<string> {
    const send = process.send?.bind(process);
    if (send === undefined || !process.connected) {
      return Promise.reject(new Error('cluster metrics: this worker has lost its channel to the primary'));
    }
    const id = this.#nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`cluster metrics: the primary did not answer within ${SCRAPE_TIMEOUT_MS} ms`));
      }, SCRAPE_TIMEOUT_MS);
      timer.unref();
      const settle =
        <T>(done: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          done(value);
        };
      this.#pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      send({ type: SCRAPE_REQUEST, id } satisfies ScrapeRequest);
    });
  }
}
