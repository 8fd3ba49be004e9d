/**
 * `serve --redis URL`: which Redis deployment the cluster talks to, through ioredis's own support
 * for each (src/cluster/README.md "URL forms"):
 *
 *   redis://[user:pass@]host:port[/db]                      standalone (rediss:// for TLS)
 *   redis+cluster://[user:pass@]host:port,host:port,…       Redis Cluster, from seed nodes
 *   redis+sentinel://[user:pass@]host:port,…/MASTER[/db]    Sentinel, by master name
 *
 * `rediss+cluster://` and `rediss+sentinel://` use TLS. Every form takes `?prefix=NAME`: every
 * key this cluster uses starts with `{NAME}:`, one hash tag, so the multi-key scripts run on one
 * Redis Cluster slot; two clusters (or accounts) share a Redis under two prefixes. The default
 * prefix is `edgefront:<account id>`.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../errors.js';

export type RedisTopology = 'standalone' | 'cluster' | 'sentinel';

export interface RedisTarget {
  readonly topology: RedisTopology;
  readonly nodes: readonly { host: string; port: number }[];
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  /** Sentinel: the monitored master's name. */
  readonly masterName?: string;
  /** The key prefix inside the hash tag (without braces). */
  readonly prefix: string;
}

const SCHEMES: Record<string, { topology: RedisTopology; tls: boolean; port: number }> = {
  redis: { topology: 'standalone', tls: false, port: 6379 },
  rediss: { topology: 'standalone', tls: true, port: 6379 },
  'redis+cluster': { topology: 'cluster', tls: false, port: 6379 },
  'rediss+cluster': { topology: 'cluster', tls: true, port: 6379 },
  'redis+sentinel': { topology: 'sentinel', tls: false, port: 26379 },
  'rediss+sentinel': { topology: 'sentinel', tls: true, port: 26379 },
};

const PREFIX = /^[A-Za-z0-9_.:-]{1,64}$/;

function refuse(url: string, why: string): never {
  throw new UsageError(
    `edgefront serve: --redis ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))}: ${why} (forms: redis://host:port, rediss://…, redis+cluster://host:port,host:port, redis+sentinel://host:port,…/MASTER; optional ?prefix=NAME)`,
  );
}

/** Parses a `--redis` URL; the URL's password never appears in an error. */
export function parseRedisUrl(url: string, accountId: string): RedisTarget {
  const match = /^([a-z+]+):\/\/(?:([^@/]*)@)?([^/?#]+)(\/[^?#]*)?(?:\?([^#]*))?$/.exec(url);
  if (!match) refuse(url, 'not a Redis URL');
  const [, scheme, auth, hosts, path = '', query = ''] = match;
  const form = SCHEMES[scheme];
  if (!form) refuse(url, `unknown scheme ${scheme}://`);
  const nodes = hosts.split(',').map((hostPort) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(hostPort);
    if (!m) refuse(url, `"${hostPort}" is not host:port`);
    const port = m[2] === undefined ? form.port : Number(m[2]);
    if (port < 1 || port > 65535) refuse(url, `port ${m[2]} is out of range`);
    return { host: m[1].replace(/^\[|\]$/g, ''), port };
  });
  if (form.topology === 'standalone' && nodes.length > 1)
    refuse(url, 'several hosts need redis+cluster:// or redis+sentinel://');
  let username: string | undefined;
  let password: string | undefined;
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    username = decodeURIComponent(colon < 0 ? '' : auth.slice(0, colon)) || undefined;
    password = decodeURIComponent(colon < 0 ? auth : auth.slice(colon + 1)) || undefined;
  }
  const segments = path.split('/').filter(Boolean);
  let masterName: string | undefined;
  if (form.topology === 'sentinel') {
    masterName = segments.shift();
    if (!masterName) refuse(url, 'a sentinel URL names the master: redis+sentinel://host:port/MASTER');
  }
  let db: number | undefined;
  if (segments.length > 1) refuse(url, `unexpected path ${path}`);
  if (segments.length === 1) {
    if (form.topology === 'cluster') refuse(url, 'Redis Cluster has only database 0');
    db = Number(segments[0]);
    if (!Number.isInteger(db) || db < 0) refuse(url, `database "${segments[0]}" is not a number`);
  }
  const params = new URLSearchParams(query);
  for (const key of params.keys()) if (key !== 'prefix') refuse(url, `unknown parameter ${key}`);
  const prefix = params.get('prefix') ?? `edgefront:${accountId}`;
  if (!PREFIX.test(prefix)) refuse(url, 'prefix takes 1–64 of A-Z a-z 0-9 _ . : -');
  return { topology: form.topology, nodes, tls: form.tls, username, password, db, masterName, prefix };
}

/** A client for the target (not connected yet: `lazyConnect`). */
export function connectRedis(target: RedisTarget, options: RedisOptions): Redis | Cluster {
  const common: RedisOptions = {
    ...options,
    username: target.username,
    password: target.password,
    ...(target.tls ? { tls: {} } : {}),
    lazyConnect: true,
  };
  switch (target.topology) {
    case 'standalone':
      return new Redis({ ...common, host: target.nodes[0].host, port: target.nodes[0].port, db: target.db });
    case 'sentinel':
      return new Redis({
        ...common,
        sentinels: target.nodes.map((n) => ({ host: n.host, port: n.port })),
        name: target.masterName,
        db: target.db,
        sentinelPassword: target.password,
        sentinelUsername: target.username,
      });
    case 'cluster':
      return new Cluster(
        target.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          lazyConnect: true,
          enableOfflineQueue: options.enableOfflineQueue,
          redisOptions: common,
          clusterRetryStrategy: options.retryStrategy ?? undefined,
        },
      );
  }
}
