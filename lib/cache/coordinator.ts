import { CacheError } from '../errors.js';
import { type JobCoordinator, SOLO } from './job-coordinator.js';
import { describe } from './redis.js';
import { redisCoordinator } from './redis-coordinator.js';

/**
 * The job coordinator that goes with a cache URL: Redis leases when the cache
 * is shared (several instances may ask for the same root), none in memory.
 */
export function jobCoordinator(cacheUrl: string, onError: (err: CacheError) => void): JobCoordinator {
  if (cacheUrl === 'memory') return SOLO;
  return redisCoordinator(cacheUrl, { onError: (err) => onError(new CacheError(`job lease: ${describe(err)}`, { cause: err })) });
}
