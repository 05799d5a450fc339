import type { RedisClient } from '../cache/redis.js';
import type { AccountPersistence, StoredAccount } from './accounts.js';
import type { RootLock } from './lock.js';

const ACCOUNT_PREFIX = 'powgate:precache:account:';
const LOCK_PREFIX = 'powgate:precache:lock:';

/**
 * Tracked accounts in Redis, one key each with the account's TTL, so they
 * survive a restart and every instance on the Redis sees them. Best-effort:
 * a failure is reported and precache goes on from memory.
 */
export function redisAccounts(client: RedisClient, onError: (err: unknown) => void): AccountPersistence {
  return {
    async *load() {
      if (!client.isReady) return;
      for await (const keys of client.scanIterator({ MATCH: `${ACCOUNT_PREFIX}*`, COUNT: 500 })) {
        if (keys.length === 0) continue;
        const values = await client.mGet(keys);
        for (let i = 0; i < keys.length; i++) {
          const stored = parse(values[i]);
          if (stored !== undefined) yield [String(keys[i]).slice(ACCOUNT_PREFIX.length), stored] as const;
        }
      }
    },
    save(account, stored, ttl) {
      client.set(`${ACCOUNT_PREFIX}${account}`, JSON.stringify(stored), { expiration: { type: 'PX', value: Math.max(1, Math.round(ttl)) } }).catch(onError);
    },
    delete(account) {
      client.del(`${ACCOUNT_PREFIX}${account}`).catch(onError);
    },
  };
}

/**
 * SET NX PX on a key per root: of several instances watching the same node,
 * the first to start a root's precache job does it, the others skip it and
 * serve the work from the shared cache. The lock is not released: it expires,
 * and a re-queued job of the holder finds it its own.
 */
export function redisLock(client: RedisClient, owner: string, onError: (err: unknown) => void): RootLock {
  return {
    async acquire(root, ms) {
      const key = `${LOCK_PREFIX}${root}`;
      try {
        const set = await client.set(key, owner, { condition: 'NX', expiration: { type: 'PX', value: ms } });
        return set === 'OK' || (await client.get(key)) === owner;
      } catch (err) {
        // Redis away: duplicate work on two instances beats no precache at all.
        onError(err);
        return true;
      }
    },
  };
}

function parse(text: unknown): StoredAccount | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (typeof value.expires !== 'number') return undefined;
    return {
      expires: value.expires,
      ...(typeof value.confirmed === 'string' ? { confirmed: value.confirmed } : {}),
      ...(typeof value.height === 'number' ? { height: value.height } : {}),
      ...(typeof value.frontier === 'string' ? { frontier: value.frontier } : {}),
      ...(value.configured === true ? { configured: true as const } : {}),
    };
  } catch {
    return undefined;
  }
}
