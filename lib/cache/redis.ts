import { createClient } from '@keyv/redis';
import { CacheError } from '../errors.js';
import { backoffDelay } from '../net/backoff.js';
import { scrubText } from '../secrets.js';

/** Reconnect pauses: from ~100 ms doubling to at most 5 s, jittered so instances that lost the same Redis do not return in step. */
const RECONNECT = { base: 100, max: 5000 } as const;

function create(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT,
      reconnectStrategy: (retries: number) => backoffDelay(retries, RECONNECT),
    },
  });
}

export type RedisClient = ReturnType<typeof create>;

/**
 * A Redis client that fails fast: no offline queue, a short connect timeout,
 * reconnecting in the background. A request never waits on a Redis that is
 * away. Shared by the work cache and the precache store and lock.
 */
export function connectRedis(url: string, onError: (err: CacheError) => void): { client: RedisClient; connected: Promise<boolean> } {
  const client = create(url);
  let lastError = 0;
  client.on('error', (err: unknown) => {
    // The client emits an error per reconnect attempt; report at most one a second.
    const now = Date.now();
    if (now - lastError > 1000) {
      lastError = now;
      onError(new CacheError(`Redis: ${describe(err)}`, { cause: err }));
    }
  });
  const connected = client.connect().then(
    () => true,
    () => false, // reported through the 'error' event; the client keeps retrying
  );
  return { client, connected };
}

/** The client's connect timeout, and so the longest a connection attempt can be in progress. */
const CONNECT_TIMEOUT = 1000;

/**
 * Closes a client whatever state it is in. A client closed while its socket
 * is still connecting keeps that socket once it connects (node-redis 5), which
 * holds the process open: the attempt in progress is let finish first (at
 * most the connect timeout).
 */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.isOpen && !client.isReady) await settled(client);
  try {
    if (client.isOpen) await client.close();
  } catch {
    client.destroy();
  }
}

/** Resolves when the client connects or an attempt fails, or after the connect timeout. */
function settled(client: RedisClient): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, CONNECT_TIMEOUT + 100);
    client.once('ready', done);
    client.once('error', done);
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Error text safe to log: a Redis URL may carry a password. */
export function describe(err: unknown): string {
  return scrubText(err instanceof Error ? err.message : String(err));
}
