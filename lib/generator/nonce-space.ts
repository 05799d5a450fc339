/**
 * How CPU and GPU split the nonce space when they search one job together:
 * the GPU takes the nonces with bit 63 set, the CPU those with bit 63 clear.
 * Each side starts at a random point of its half and wraps inside it, so the
 * two never try the same nonce, whatever their speeds.
 */

import { getRandomValues } from 'node:crypto';

export type NonceHalf = 'cpu' | 'gpu';

const TOP = 1n << 63n;
const LOW_MASK = TOP - 1n;

export function inHalf(half: NonceHalf, nonce: bigint): boolean {
  return ((nonce & TOP) !== 0n) === (half === 'gpu');
}

/** A random starting nonce inside `half`. */
export function randomStart(half: NonceHalf): bigint {
  const x = getRandomValues(new BigUint64Array(1))[0]! & LOW_MASK;
  return half === 'gpu' ? x | TOP : x;
}

/**
 * Where a range of `count` nonces wanted at `base` starts so that it lies
 * wholly in `half`: `base` itself when [base, base + count) fits, else the
 * bottom of the half (a half holds 2^63 nonces: wrapping never revisits
 * nonces within one job in practice). The caller's next base is then
 * (start + count) mod 2^64.
 */
export function rangeStart(half: NonceHalf, base: bigint, count: number): bigint {
  const b = BigInt.asUintN(64, base);
  if (inHalf(half, b) && (b & LOW_MASK) + BigInt(count) <= TOP) return b;
  return half === 'gpu' ? TOP : 0n;
}
