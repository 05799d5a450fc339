import Keyv from 'keyv';
import KeyvRedis, { createClient } from '@keyv/redis';
import { CacheError } from '../errors.js';
import { formatWorkHex, parseWorkHex } from '../pow/index.js';
import { LruStore } from './lru.js';

export interface CacheOptions {
  /** `memory` or a `redis://` / `rediss://` URL. */
  readonly url: string;
  readonly maxEntries: number;
  /** Entry lifetime in ms. */
  readonly ttl: number;
  /** Bound on one Redis round trip; a slower answer is a miss. */
  readonly operationTimeout?: number;
}

/**
 * Work by root. Best-effort: get/set never throw. A failure is reported to
 * `onError` and reads as a miss, because a cache must never fail a request.
 */
export interface WorkCache {
  readonly kind: 'memory' | 'redis';
  get(root: string): Promise<bigint | undefined>;
  set(root: string, work: bigint, value: bigint): Promise<void>;
  delete(root: string): Promise<void>;
  /** Whether the store answers right now (used by readiness). */
  ping(): Promise<boolean>;
  /** Waits (at most `ms`) for the first connection; false if the store is still away. */
  ready(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

interface StoredWork {
  work: string;
  /** The work's value when it was stored; informative, every read is re-validated. */
  difficulty: string;
}

const NAMESPACE = 'powgate:work';

export function createWorkCache(options: CacheOptions, onError: (err: CacheError) => void): WorkCache {
  return options.url === 'memory' ? createMemoryCache(options, onError) : createRedisCache(options, onError);
}

function createMemoryCache(options: CacheOptions, onError: (err: CacheError) => void): WorkCache {
  // No serialisation for the in-process store: keyv keeps the objects as they are.
  const keyv = new Keyv<StoredWork>({
    store: new LruStore(options.maxEntries),
    namespace: NAMESPACE,
    ttl: options.ttl,
    serialize: undefined,
    deserialize: undefined,
  });
  return wrapKeyv('memory', keyv, onError, async () => true, async () => true, async () => {});
}

function createRedisCache(options: CacheOptions, onError: (err: CacheError) => void): WorkCache {
  // Fail fast: no offline queue, short connect timeout, keep reconnecting in
  // the background. A request never waits on a Redis that is away.
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000),
    },
  });
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
  const store = new KeyvRedis<StoredWork>(client, { namespace: NAMESPACE, throwOnConnectError: true, throwOnErrors: true });
  const keyv = new Keyv<StoredWork>(store, { namespace: NAMESPACE, useKeyPrefix: false, ttl: options.ttl, throwOnErrors: true });
  // keyv re-emits adapter errors; the wrapper reports failures itself.
  keyv.on('error', () => {});
  const timeout = options.operationTimeout ?? 250;
  return wrapKeyv(
    'redis',
    keyv,
    onError,
    async () => {
      if (!client.isReady) return false;
      try {
        await withTimeout(client.ping(), timeout);
        return true;
      } catch {
        return false;
      }
    },
    async (ms) => client.isReady || withTimeout(connected, ms).catch(() => false),
    async () => {
      try {
        if (client.isOpen) await client.close();
      } catch {
        client.destroy();
      }
    },
    timeout,
  );
}

function wrapKeyv(
  kind: 'memory' | 'redis',
  keyv: Keyv<StoredWork>,
  onError: (err: CacheError) => void,
  ping: () => Promise<boolean>,
  ready: (ms: number) => Promise<boolean>,
  close: () => Promise<void>,
  timeout?: number,
): WorkCache {
  const bounded = <T>(p: Promise<T>): Promise<T> => (timeout === undefined ? p : withTimeout(p, timeout));
  return {
    kind,
    async get(root) {
      try {
        const stored = await bounded(keyv.get(root));
        if (stored === undefined || typeof stored !== 'object' || stored === null) return undefined;
        return typeof stored.work === 'string' ? parseWorkHex(stored.work) : undefined;
      } catch (err) {
        onError(new CacheError(`cache get failed: ${describe(err)}`, { cause: err }));
        return undefined;
      }
    },
    async set(root, work, value) {
      try {
        await bounded(keyv.set(root, { work: formatWorkHex(work), difficulty: formatWorkHex(value) }));
      } catch (err) {
        onError(new CacheError(`cache set failed: ${describe(err)}`, { cause: err }));
      }
    },
    async delete(root) {
      try {
        await bounded(keyv.delete(root));
      } catch (err) {
        onError(new CacheError(`cache delete failed: ${describe(err)}`, { cause: err }));
      }
    },
    ping,
    ready,
    close,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Error text without URLs: a Redis URL may carry a password. */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s]*/gi, '<url>');
}
