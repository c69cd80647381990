/**
 * The ceiling for Node (docs/design.md §4): a reverse proxy with no logic. One undici Pool with keep-alive,
 * request and response bodies piped untouched, only the hop-by-hop headers dropped. No parsing, no
 * logging, no metrics: whatever Switchyard costs beyond this is the price of being a gateway.
 *
 *   node bench/bare-proxy.ts PORT UPSTREAM_ORIGIN
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Pool } from 'undici';
import { scriptArgs } from '../scripts/command-line.ts';

const [portArg, upstream] = scriptArgs({ allowPositionals: true }).positionals;
if (portArg === undefined || upstream === undefined) {
  process.stderr.write('usage: node bench/bare-proxy.ts PORT UPSTREAM_ORIGIN\n');
  process.exit(2);
}

const pool = new Pool(upstream, {
  pipelining: 1,
  keepAliveTimeout: 60_000,
  keepAliveMaxTimeout: 600_000,
  headersTimeout: 0,
  bodyTimeout: 0,
});

// RFC 9110 §7.6.1, plus host (the pool sets the upstream's).
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardable(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (!hopByHop.has(name)) out[name] = headers[name];
  }
  return out;
}

const server = createServer((req, res) => {
  pool.stream(
    {
      method: req.method as 'POST',
      path: req.url ?? '/',
      headers: forwardable(req.headers) as Record<string, string>,
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
    },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, forwardable(headers));
      return res;
    },
    (error) => {
      if (error === null) return;
      if (res.headersSent) res.destroy(error);
      else
        res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"message":"bad gateway"}}');
    },
  );
});
server.keepAliveTimeout = 300_000;
server.requestTimeout = 0;
server.listen(Number(portArg), '127.0.0.1', () =>
  process.stdout.write(`bare proxy on ${portArg} -> ${upstream}\n`),
);
process.on('SIGTERM', () => process.exit(0));
