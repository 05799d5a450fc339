import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { CacheError } from '../errors.js';
import { formatWorkHex, parseWorkHex } from '../pow/index.js';
import { closeRedis, connectRedis, describe, withTimeout } from './redis.js';
import { WorkStore } from './work-store.js';

export interface CacheOptions {
  /** `memory` or a `redis://` / `rediss://` URL. */
  readonly url: string;
  readonly maxEntries: number;
  /** Entry lifetime in ms. */
  readonly ttl: number;
}

/** Bound on one Redis round trip; a slower answer is a miss. */
const OPERATION_TIMEOUT_MS = 250;

/**
 * Work by root. Best-effort: get/set never throw. A failure is reported to
 * `onError` and reads as a miss, because a cache must never fail a request.
 */
export interface WorkCache {
  readonly kind: 'memory' | 'redis';
  get(root: string): Promise<bigint | undefined>;
  /** The work and whether a precache job (rather than a client's request) produced it. */
  getEntry(root: string): Promise<CachedWork | undefined>;
  /**
   * getEntry without a promise, where the store answers synchronously (the
   * memory cache): a cache hit then costs no promise and no microtask hop (issue 12).
   */
  readonly getEntryNow?: (root: string) => CachedWork | undefined;
  set(root: string, work: bigint, value: bigint, precached?: boolean): Promise<void>;
  delete(root: string): Promise<void>;
  /** Whether the store answers right now (used by readiness). */
  ping(): Promise<boolean>;
  /** Waits (at most `ms`) for the first connection; false if the store is still away. */
  ready(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface CachedWork {
  readonly work: bigint;
  readonly precached: boolean;
}

interface StoredWork {
  work: string;
  /** The work's value when it was stored; informative, every read is re-validated. */
  difficulty: string;
  /** Set when a precache job made it, so a later answer from it counts as a precache hit. */
  precache?: true;
}

const NAMESPACE = 'powgate:work';

export function createWorkCache(options: CacheOptions, onError: (err: CacheError) => void): WorkCache {
  return options.url === 'memory' ? createMemoryCache(options, onError) : createRedisCache(options, onError);
}

function createMemoryCache(options: CacheOptions, onError: (err: CacheError) => void): WorkCache {
  // A store of its own rather than keyv: see work-store.ts for why. Redis stays on keyv.
  const store = new WorkStore(options.maxEntries, options.ttl);
  // The store is synchronous and does not throw on any input; the guard keeps the cache best-effort all the same.
  const guard = <T>(what: string, fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      onError(new CacheError(`cache ${what} failed: ${describe(err)}`, { cause: err }));
      return fallback;
    }
  };
  return {
    kind: 'memory',
    getEntry: (root) => Promise.resolve(guard('get', () => store.get(root), undefined)),
    getEntryNow: (root) => {
      // The guard, inlined: no closure per lookup on the hit path.
      try {
        return store.get(root);
      } catch (err) {
        onError(new CacheError(`cache get failed: ${describe(err)}`, { cause: err }));
        return undefined;
      }
    },
    get: (root) => Promise.resolve(guard('get', () => store.get(root)?.work, undefined)),
    set: (root, work, _value, precached = false) => Promise.resolve(guard('set', () => store.set(root, work, precached), undefined)),
    delete: (root) => Promise.resolve(guard('delete', () => void store.delete(root), undefined)),
    ping: () => Promise.resolve(true),
    ready: () => Promise.resolve(true),
    close: () => Promise.resolve(store.clear()),
  };
}

function createRedisCache(options: CacheOptions, onError: (err: CacheError) => void): WorkCache {
  const { client, connected } = connectRedis(options.url, onError);
  const store = new KeyvRedis<StoredWork>(client, { namespace: NAMESPACE, throwOnConnectError: true, throwOnErrors: true });
  const keyv = new Keyv<StoredWork>(store, { namespace: NAMESPACE, useKeyPrefix: false, ttl: options.ttl, throwOnErrors: true });
  // keyv re-emits adapter errors; the wrapper reports failures itself.
  keyv.on('error', () => {});
  const timeout = OPERATION_TIMEOUT_MS;
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
    () => closeRedis(client),
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
  const getEntry = async (root: string): Promise<CachedWork | undefined> => {
    try {
      const stored = await bounded(keyv.get(root));
      if (stored === undefined || typeof stored !== 'object' || stored === null || typeof stored.work !== 'string') return undefined;
      const work = parseWorkHex(stored.work);
      return work === undefined ? undefined : { work, precached: stored.precache === true };
    } catch (err) {
      onError(new CacheError(`cache get failed: ${describe(err)}`, { cause: err }));
      return undefined;
    }
  };
  return {
    kind,
    getEntry,
    async get(root) {
      return (await getEntry(root))?.work;
    },
    async set(root, work, value, precached = false) {
      const stored: StoredWork = { work: formatWorkHex(work), difficulty: formatWorkHex(value) };
      if (precached) stored.precache = true;
      try {
        await bounded(keyv.set(root, stored));
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
