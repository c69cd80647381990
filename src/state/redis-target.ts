/**
 * The forms of the `state` setting that name a Redis (docs/design.md §1 `state`):
 *
 * - `redis://[user:password@]host:port[/db]`, `rediss://…` (TLS): one Redis;
 * - `redis-cluster://[user:password@]host1:port1,host2:port2` (`rediss-cluster://` for TLS): a Redis
 *   Cluster, given any of its nodes (ioredis discovers the rest);
 * - `redis-sentinel://[user:password@]host1:port1,host2:port2/mastername[/db]`
 *   (`rediss-sentinel://` for TLS): the master that these Sentinels name, followed across failovers.
 *
 * Parsed by hand: WHATWG URLs refuse a comma-separated host list. Error messages never repeat the
 * setting, which may hold a password.
 */

export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string; tls: boolean }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      db: number;
      username?: string;
      password?: string;
      tls: boolean;
    };

const LIST_FORM = /^(rediss?)-(cluster|sentinel):\/\/(?:([^@/]*)@)?([^/]+)(?:\/(.*))?$/;

/** The target a setting names, or an error message saying what is wrong with it. */
export function parseRedisTarget(setting: string): RedisTarget | string {
  if (setting.startsWith('redis://') || setting.startsWith('rediss://')) {
    if (!URL.canParse(setting) || new URL(setting).host === '')
      return `'${setting}' is not a valid Redis URL`;
    return { kind: 'single', url: setting };
  }
  const match = LIST_FORM.exec(setting);
  if (match === null) {
    return 'expected redis://, rediss://, redis-cluster://host:port,… or redis-sentinel://host:port,…/mastername';
  }
  const [, scheme, kind, credentials, hostList = '', path] = match;
  const nodes: RedisNode[] = [];
  for (const part of hostList.split(',')) {
    const node = parseNode(part);
    if (node === undefined) return 'every host must be host:port';
    nodes.push(node);
  }
  const auth = parseCredentials(credentials);
  const tls = scheme === 'rediss';
  if (kind === 'cluster') {
    if (path !== undefined && path !== '')
      return 'a redis-cluster:// URL takes no path (a cluster has only db 0)';
    return { kind: 'cluster', nodes, ...auth, tls };
  }
  const [name, dbText, ...rest] = (path ?? '').split('/');
  if (name === undefined || name === '') return 'a redis-sentinel:// URL needs the master name: …/mastername';
  const db = dbText === undefined || dbText === '' ? 0 : Number(dbText);
  if (rest.length > 0 || !Number.isInteger(db) || db < 0)
    return `'/${path}' is not /mastername or /mastername/db`;
  return { kind: 'sentinel', sentinels: nodes, name: decodeURIComponent(name), db, ...auth, tls };
}

function parseNode(text: string): RedisNode | undefined {
  const at = text.lastIndexOf(':');
  if (at <= 0) return undefined;
  const host = text.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(text.slice(at + 1));
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host, port };
}

function parseCredentials(text: string | undefined): { username?: string; password?: string } {
  if (text === undefined || text === '') return {};
  const colon = text.indexOf(':');
  if (colon < 0) return { username: decodeURIComponent(text) };
  const username = decodeURIComponent(text.slice(0, colon));
  const password = decodeURIComponent(text.slice(colon + 1));
  return username === '' ? { password } : { username, password };
}
