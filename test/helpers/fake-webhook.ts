/**
 * A webhook receiver for alert tests: a node:http server on 127.0.0.1 (port 0) that records each POST's
 * JSON body and can be told to answer the first N posts with a failure status.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeWebhookOptions {
  /** The first this many POSTs are answered with `failStatus`. */
  failFirst?: number;
  failStatus?: number;
}

export class FakeWebhook {
  /** Bodies of the POSTs answered 2xx, parsed, in arrival order. */
  readonly received: Array<Record<string, unknown>> = [];
  /** Every POST, failed ones included. */
  posts = 0;
  #server: Server;
  #failFirst: number;
  #failStatus: number;
  #url = '';

  constructor(options: FakeWebhookOptions = {}) {
    this.#failFirst = options.failFirst ?? 0;
    this.#failStatus = options.failStatus ?? 500;
    this.#server = createServer((req, res) => this.#answer(req, res));
  }

  get url(): string {
    return this.#url;
  }

  /** From now on, answer the next `count` POSTs with `status`. */
  failNext(count: number, status = 500): void {
    this.#failFirst = this.posts + count;
    this.#failStatus = status;
  }

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    const { port } = this.#server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${port}/hooks/alerts`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.posts++;
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json') {
        res.writeHead(400).end();
        return;
      }
      if (this.posts <= this.#failFirst) {
        res.writeHead(this.#failStatus, { 'content-type': 'text/plain' }).end('failing on purpose');
        return;
      }
      this.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  }
}
