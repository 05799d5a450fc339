import { bytesToHex } from '../lib/pow/index.js';

/** getRandomValues gives at most 64 KiB at a time. */
const BATCH = 2048;

/**
 * Stores `count` entries under random roots (work that fits no target: only
 * their room in the cache matters), as a long-running cache holds after as
 * many misses.
 */
export async function fill(cache: { set(root: string, work: bigint, value: bigint): Promise<void> }, count: number): Promise<number> {
  for (let done = 0; done < count; ) {
    const bytes = crypto.getRandomValues(new Uint8Array(32 * BATCH));
    for (let i = 0; i < BATCH && done < count; i++, done++) {
      await cache.set(bytesToHex(bytes.subarray(32 * i, 32 * i + 32)), BigInt(done), 0n);
    }
  }
  return count;
}
