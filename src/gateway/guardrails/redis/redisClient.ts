import Redis, { type RedisOptions } from 'ioredis';
import type { TeamConfig } from './teamConfig';

export interface RedisClientOptions {
  readonly password?: string;
  /**
   * For BullMQ's blocking connections: commands wait for a reconnect instead of failing (BullMQ
   * requires `maxRetriesPerRequest: null` there). Every other connection fails fast.
   */
  readonly blocking?: boolean;
  readonly log?: (line: string) => void;
}

/**
 * A connection to the team's Redis. Every command is bounded by the team time-out and fails at
 * once while the connection is down (no offline queue), so a Redis outage costs a request at most
 * one time-out before the chain falls back to local state; reconnects go on in the background.
 */
export function redisClient(config: TeamConfig, options: RedisClientOptions = {}): Redis {
  const url = new URL(config.redisUrl);
  const base: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
    connectTimeout: Math.max(config.timeoutMs, 1_000),
    lazyConnect: false,
    // Back off to at most 2 s between reconnects, for as long as it takes.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
  };
  const client = new Redis(options.blocking
    ? { ...base, maxRetriesPerRequest: null, enableOfflineQueue: true }
    : { ...base, commandTimeout: config.timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  // An unhandled 'error' event would crash the process; the callers see each failure anyway.
  let lastError = '';
  client.on('error', (e: Error) => {
    if (e.message !== lastError) options.log?.(`team Redis: ${e.message}`);
    lastError = e.message;
  });
  client.on('ready', () => {
    lastError = '';
  });
  return client;
}

/** Calls a listener; its failure must never break the request path. */
export function callListener<A extends unknown[]>(listener: (...args: A) => void, ...args: A): void {
  try {
    listener(...args);
  } catch {
    // ignored
  }
}

/** Resolves true once the connection is ready, false after `ms`. */
export function whenReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    client.once('ready', onReady);
  });
}
