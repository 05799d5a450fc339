import { randomBytes } from 'node:crypto';
import { validateWork } from 'nanocurrency';

/** Nano dev thresholds (spec §4): real work for any root in microseconds. */
export const DEV_BASE = 0xffc0000000000000n;
export const DEV_RECEIVE = 0xf000000000000000n;
export const IMPOSSIBLE = 0xffffffffffffffffn;

export const u64Hex = (x: bigint): string => x.toString(16).padStart(16, '0');
export const rootHex = (root: Uint8Array): string => Buffer.from(root).toString('hex').toUpperCase();
export const randomRoot = (): Uint8Array => new Uint8Array(randomBytes(32));

/** Independent oracle (nanocurrency, GPL, tests only): does work meet threshold? */
export function oracleMeets(root: Uint8Array, work: bigint, threshold: bigint): boolean {
  return validateWork({ blockHash: rootHex(root), work: u64Hex(work), threshold: u64Hex(threshold) });
}

/**
 * The oracle only answers yes/no; value v is pinned exactly when work meets v
 * and (unless v is the maximum) does not meet v + 1.
 */
export function oracleConfirmsValue(root: Uint8Array, work: bigint, value: bigint): boolean {
  return oracleMeets(root, work, value) && (value === IMPOSSIBLE || !oracleMeets(root, work, value + 1n));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles to the rejection reason, or throws if the promise resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
